// Exactly what a dangerous action will change: each org with its current and new status, its keys, and the
// traffic they carry now (requests per minute), fetched from the server's impact preview.
import { IMPACT_WINDOW_MIN } from '../api/impact.js';
import type { Impact } from '../api/types.js';
import { Badge } from './status-badge.js';
import { fmtNum } from './format.js';

export function ImpactSummary({ impact }: { impact: Impact }) {
  return (
    <div className="impact">
      <p>
        <strong>
          {impact.orgs.length} organization{impact.orgs.length === 1 ? '' : 's'}, {impact.orgs.reduce((n, o) => n + o.keys.length, 0)} keys,{' '}
          {fmtNum(impact.totalRequestsPerMinute)} requests per minute
        </strong>{' '}
        will be affected (traffic averaged over the last {IMPACT_WINDOW_MIN} minutes).
      </p>
      <table>
        <caption className="sr-only">Organizations and keys affected</caption>
        <thead>
          <tr>
            <th scope="col">Organization</th>
            <th scope="col">Status change</th>
            <th scope="col">Keys</th>
            <th scope="col">Req/min</th>
          </tr>
        </thead>
        <tbody>
          {impact.orgs.map((o) => (
            <tr key={o.id}>
              <th scope="row">{o.name}</th>
              <td>
                <Badge value={o.status} /> → <Badge value={o.newStatus} />
              </td>
              <td>
                {o.keys.length === 0
                  ? 'none'
                  : o.keys.map((k) => (
                      <div key={k.id}>
                        <code>{k.prefix}</code> {k.name} ({fmtNum(k.requestsPerMinute)}/min)
                      </div>
                    ))}
              </td>
              <td>{fmtNum(o.requestsPerMinute)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
