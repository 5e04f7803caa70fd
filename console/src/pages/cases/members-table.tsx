// Linked accounts as a table: status now, requests in the last 24 hours, the kinds of evidence linking each
// (summarised above the table) and the full reason one click away. Long clusters are folded after 12 rows.
import type { CaseDetail, Org } from '../../api/types.js';
import { OrgLink } from '../../components/entity-link.js';
import { fmtNum } from '../../components/format.js';
import { nameIds } from '../../components/name-ids.js';
import { Badge } from '../../components/status-badge.js';
import { kindCounts, linkKinds } from './link-kinds.js';

type Linked = CaseDetail['evidence']['linkedAccounts'][number];
const FOLD = 12;

export function MembersTable({ accounts, orgs, requests }: { accounts: Linked[]; orgs: Map<string, Org>; requests: Map<string, number> }) {
  if (accounts.length === 0)
    return (
      <>
        <h3>Linked accounts</h3>
        <p className="muted">None.</p>
      </>
    );
  const kinds = kindCounts(accounts.map((a) => a.reason));
  const statuses = new Map<string, number>();
  for (const a of accounts) {
    const s = orgs.get(a.orgId)?.status ?? 'unknown';
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  const row = (l: Linked) => (
    <tr key={l.orgId}>
      <th scope="row">
        <OrgLink id={l.orgId} orgs={orgs} name={orgs.get(l.orgId)?.name ?? l.name} />
      </th>
      <td>{orgs.get(l.orgId) ? <Badge value={orgs.get(l.orgId)!.status} /> : <span className="muted">—</span>}</td>
      <td className="num">{fmtNum(requests.get(l.orgId) ?? 0)}</td>
      <td>
        {linkKinds(l.reason).map((k) => (
          <span key={k} className="tag">
            {k}
          </span>
        ))}
        {l.linkedTo && (
          <span className="muted">
            {' '}
            via <OrgLink id={l.linkedTo} orgs={orgs} name={orgs.get(l.linkedTo)?.name ?? accounts.find((a) => a.orgId === l.linkedTo)?.name ?? l.linkedTo} />
          </span>
        )}
      </td>
      <td>
        <details>
          <summary>why</summary>
          <p className="reason">{nameIds(l.reason, orgs)}</p>
          {l.strength !== undefined && <p className="muted">Link strength {l.strength} nats</p>}
        </details>
      </td>
    </tr>
  );
  const head = (
    <thead>
      <tr>
        <th scope="col">Account</th>
        <th scope="col">Status</th>
        <th scope="col" className="num">
          Requests (24 h)
        </th>
        <th scope="col">Linked by</th>
        <th scope="col">Details</th>
      </tr>
    </thead>
  );
  return (
    <section aria-labelledby="linked-accounts">
      <h3 id="linked-accounts">Linked accounts ({accounts.length})</h3>
      <p>
        {[...statuses.entries()].map(([s, n]) => `${n} ${s}`).join(', ')}
        {kinds.length > 0 && <> · linked by {kinds.map((k) => `${k.kind}: ${k.accounts}`).join(', ')}</>}
      </p>
      <div className="table-scroll">
        <table className="linked-accounts" aria-label="Linked accounts">
          {head}
          <tbody>{accounts.slice(0, FOLD).map(row)}</tbody>
        </table>
      </div>
      {accounts.length > FOLD && (
        <details>
          <summary>{accounts.length - FOLD} more linked accounts</summary>
          <div className="table-scroll">
            <table className="linked-accounts" aria-label="More linked accounts">
              {head}
              <tbody>{accounts.slice(FOLD).map(row)}</tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}
