import type { LimitRow, Limits } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtNum } from '../../components/format.js';
import { useApi } from '../../hooks/use-api.js';

function metricName(r: LimitRow): string {
  const base = r.metric.replaceAll('_', ' ');
  return `${r.window ? `${base} (${r.window.mode})` : base} · ${r.subject}`;
}

// The org's effective limits per key (tier defaults and overrides resolved by the gateway's limiter), with
// current usage when the admin API can read the limiter.
export function LimitsSection({ orgId }: { orgId: string }) {
  const state = useApi<Limits>(`/admin/orgs/${encodeURIComponent(orgId)}/limits`, null);
  return (
    <section aria-labelledby="limits">
      <h2 id="limits">Limits</h2>
      <AsyncView state={state} what="limits">
        {(l) => (
          <>
            <p>
              Tier <strong>{l.tier}</strong>
              {l.throttle ? <> — throttled to {Math.round(l.throttle.factor * 100)}% of its limits</> : null}
            </p>
            {l.keys.every((k) => k.limits.length === 0) ? (
              <p>No limits apply to this organization's keys.</p>
            ) : (
              l.keys.map((k) => (
                <div key={k.key_id} className="table-scroll" tabIndex={0} role="region" aria-label={`Limits of key ${k.key_name}`}>
                <table className="data">
                  <caption>Key {k.key_name}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Limit</th>
                      <th scope="col">Max</th>
                      <th scope="col">Used</th>
                      <th scope="col">Left</th>
                    </tr>
                  </thead>
                  <tbody>
                    {k.limits.map((r) => (
                      <tr key={`${r.metric}:${r.subject}:${r.subject_id}:${r.window?.name ?? ''}`}>
                        <th scope="row">{metricName(r)}</th>
                        <td>
                          {fmtNum(r.limit)}
                          {r.throttled_from !== undefined ? ` (from ${fmtNum(r.throttled_from)})` : ''}
                        </td>
                        <td>{r.used === null ? '—' : fmtNum(r.used)}</td>
                        <td>{r.remaining === null ? '—' : fmtNum(r.remaining)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
                </div>
              ))
            )}
          </>
        )}
      </AsyncView>
    </section>
  );
}
