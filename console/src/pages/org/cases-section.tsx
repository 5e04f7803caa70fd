// The org's cases, every status, most recent first: from an org an analyst reaches what was decided about it.
import type { CaseSummary } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { CaseLink } from '../../components/entity-link.js';
import { fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';

export function CasesSection({ orgId }: { orgId: string }) {
  const state = useApi<{ cases: CaseSummary[] }>(`/admin/cases?status=all&org=${encodeURIComponent(orgId)}`);
  return (
    <section aria-labelledby="org-cases">
      <h2 id="org-cases">Cases</h2>
      <AsyncView state={state} what="cases">
        {({ cases }) =>
          cases.length === 0 ? (
            <p className="muted">No cases.</p>
          ) : (
            <div className="table-scroll">
              <table>
                <caption className="sr-only">Cases about this organization, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col">Case</th>
                    <th scope="col">Status</th>
                    <th scope="col">Action</th>
                    <th scope="col">Opened</th>
                  </tr>
                </thead>
                <tbody>
                  {[...cases]
                    .sort((a, b) => b.openedAt.localeCompare(a.openedAt))
                    .map((c) => (
                      <tr key={c.id}>
                        <th scope="row">
                          <CaseLink id={c.id} title={c.title} /> <Badge value={c.severity} />
                        </th>
                        <td>
                          <Badge value={c.status} />
                        </td>
                        <td>{c.actionsTaken.at(-1)?.action ?? (c.proposedAction ? `${c.proposedAction.action} proposed` : '—')}</td>
                        <td className="nowrap">{fmtTime(c.openedAt)}</td>
                      </tr>
                    ))}
                </tbody>
              </table>
            </div>
          )
        }
      </AsyncView>
    </section>
  );
}
