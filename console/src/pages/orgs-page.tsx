// Organizations: search, sort by any column, page through; each row with status, open cases and the last
// 24 hours' requests and refusals, so the orgs that need attention can be brought to the top.
import { useState } from 'react';
import { DENIED, type OutcomeUsageRow } from '../api/outcomes.js';
import type { CaseSummary, Org } from '../api/types.js';
import { AsyncView } from '../components/async-view.js';
import { fmtNum } from '../components/format.js';
import { Badge } from '../components/status-badge.js';
import { shownAttributes, ThrottleBadge } from '../components/throttle-state.js';
import { useApi } from '../hooks/use-api.js';
import { href, Link } from '../hooks/use-route.js';
import { useSince } from '../hooks/use-since.js';

const PAGE = 25;
type Column = 'name' | 'status' | 'cases' | 'requests' | 'refused' | 'tier';
const COLUMNS: { key: Column; label: string; numeric?: boolean }[] = [
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: 'cases', label: 'Open cases', numeric: true },
  { key: 'requests', label: 'Requests (24 h)', numeric: true },
  { key: 'refused', label: 'Refused (24 h)', numeric: true },
  { key: 'tier', label: 'Tier' },
];
const STATUS_RANK: Record<string, number> = { revoked: 0, suspended: 1, restricted: 2, active: 3 };

export function OrgsPage() {
  const state = useApi<{ orgs: Org[] }>('/admin/orgs');
  const since = encodeURIComponent(useSince(24 * 60));
  const usage = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=org&from=${since}`);
  const denied = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=org&outcome=${DENIED}&from=${since}`);
  const cases = useApi<{ cases: CaseSummary[] }>('/admin/cases?status=open');
  const [filter, setFilter] = useState('');
  const [sort, setSort] = useState<{ by: Column; desc: boolean }>({ by: 'name', desc: false });
  const [page, setPage] = useState(0);
  const count = (rows: OutcomeUsageRow[] | undefined) => new Map((rows ?? []).map((u) => [u.orgId ?? '', u.requests]));
  const requests = count(usage.kind === 'ok' ? usage.data.usage : undefined);
  const refused = count(denied.kind === 'ok' ? denied.data.usage : undefined);
  const openCases = new Map<string, number>();
  if (cases.kind === 'ok') for (const c of cases.data.cases) for (const id of c.orgIds) openCases.set(id, (openCases.get(id) ?? 0) + 1);
  const value = (o: Org, c: Column): string | number =>
    c === 'name' ? o.name.toLowerCase() : c === 'status' ? STATUS_RANK[o.status] ?? 9 : c === 'cases' ? openCases.get(o.id) ?? 0 : c === 'requests' ? requests.get(o.id) ?? 0 : c === 'refused' ? refused.get(o.id) ?? 0 : o.tier;
  const sortBy = (by: Column) => {
    const numeric = COLUMNS.find((c) => c.key === by)?.numeric ?? false;
    setSort((s) => ({ by, desc: s.by === by ? !s.desc : numeric }));
    setPage(0);
  };
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Organizations</h1>
      <label htmlFor="org-filter">Filter by name, status or label</label>
      <input
        id="org-filter"
        type="search"
        value={filter}
        onChange={(e) => {
          setFilter(e.target.value);
          setPage(0);
        }}
      />
      <AsyncView state={state} what="organizations">
        {({ orgs }) => {
          const f = filter.trim().toLowerCase();
          const matching = orgs.filter((o) => !f || [o.name, o.id, o.status, o.throttle ? 'throttled' : '', o.tier, ...o.labels, ...Object.keys(o.attributes)].some((s) => s.toLowerCase().includes(f)));
          const sorted = [...matching].sort((a, b) => {
            const x = value(a, sort.by);
            const y = value(b, sort.by);
            const cmp = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
            return (sort.desc ? -cmp : cmp) || a.name.localeCompare(b.name);
          });
          const pages = Math.max(1, Math.ceil(sorted.length / PAGE));
          const at = Math.min(page, pages - 1);
          const shown = sorted.slice(at * PAGE, at * PAGE + PAGE);
          return (
            <>
              <p className="muted" role="status">
                {matching.length} organization{matching.length === 1 ? '' : 's'}
                {pages > 1 ? `, page ${at + 1} of ${pages}` : ''}
              </p>
              <div className="table-scroll">
                <table>
                  <caption className="sr-only">Organizations, sorted by {sort.by}</caption>
                  <thead>
                    <tr>
                      {COLUMNS.map((c) => (
                        <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined} aria-sort={sort.by === c.key ? (sort.desc ? 'descending' : 'ascending') : undefined}>
                          <button type="button" className="sort" onClick={() => sortBy(c.key)}>
                            {c.label}
                            {sort.by === c.key ? (sort.desc ? ' ▼' : ' ▲') : ''}
                          </button>
                        </th>
                      ))}
                      <th scope="col">Attributes</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((o) => (
                      <tr key={o.id}>
                        <th scope="row">
                          <Link href={href('orgs', o.id)} title={o.id}>
                            {o.name}
                          </Link>
                        </th>
                        <td>
                          <Badge value={o.status} /> <ThrottleBadge org={o} />
                        </td>
                        <td className="num">{openCases.get(o.id) ? <Link href={`${href('orgs', o.id)}#org-cases`}>{openCases.get(o.id)}</Link> : 0}</td>
                        <td className="num">{fmtNum(requests.get(o.id) ?? 0)}</td>
                        <td className="num">{fmtNum(refused.get(o.id) ?? 0)}</td>
                        <td>{o.tier}</td>
                        <td>
                          {shownAttributes(o).map(([k, v]) => (
                            <span key={k} className="tag">
                              {k}: {String(v)}
                            </span>
                          ))}
                          {o.labels.map((l) => (
                            <span key={l} className="tag">
                              {l}
                            </span>
                          ))}
                        </td>
                      </tr>
                    ))}
                    {shown.length === 0 && (
                      <tr>
                        <td colSpan={7}>No organization matches.</td>
                      </tr>
                    )}
                  </tbody>
                </table>
              </div>
              {pages > 1 && (
                <nav aria-label="Organization pages" className="actions">
                  <button type="button" disabled={at === 0} onClick={() => setPage(at - 1)}>
                    ← Previous
                  </button>
                  <button type="button" disabled={at >= pages - 1} onClick={() => setPage(at + 1)}>
                    Next →
                  </button>
                </nav>
              )}
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
