import type { Limits } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtNum } from '../../components/format.js';
import { useApi } from '../../hooks/use-api.js';

export function LimitsSection({ orgId }: { orgId: string }) {
  const state = useApi<Limits>(`/admin/orgs/${encodeURIComponent(orgId)}/limits`, null);
  return (
    <section aria-labelledby="limits">
      <h2 id="limits">Limits</h2>
      <AsyncView state={state} what="limits">
        {(l) => (
          <dl className="kv">
            <dt>Tier</dt>
            <dd>{l.tier}</dd>
            {Object.entries(l.limits).map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{fmtNum(v)}</dd>
              </div>
            ))}
          </dl>
        )}
      </AsyncView>
    </section>
  );
}
