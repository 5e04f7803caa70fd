import type { Grant } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtTime } from '../../components/format.js';
import { useApi } from '../../hooks/use-api.js';

export function GrantsSection({ orgId }: { orgId: string }) {
  const state = useApi<{ grants: Grant[] }>(`/admin/orgs/${encodeURIComponent(orgId)}/grants`);
  return (
    <section aria-labelledby="grants">
      <h2 id="grants">Grants</h2>
      <AsyncView state={state} what="grants">
        {({ grants }) =>
          grants.length === 0 ? (
            <p className="muted">No purpose grants.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Purpose</th>
                  <th scope="col">Models</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {grants.map((g) => (
                  <tr key={g.id}>
                    <th scope="row">{g.purpose}</th>
                    <td>{g.models.join(', ')}</td>
                    <td>{fmtTime(g.expiresAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </AsyncView>
    </section>
  );
}
