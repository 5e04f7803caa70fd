// The case queue: cases waiting for a decision (open, appealed) first, most severe first, then most
// confident, then oldest. Polled, so a new
// case appears without a reload (and is announced to screen readers).
import { useRef, useState } from 'react';
import type { CaseSummary, Org, Severity } from '../../api/types.js';
import { useShortcuts } from '../../hooks/use-shortcuts.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtPct, fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';
import { href, Link, navigate } from '../../hooks/use-route.js';
import { OrgLink } from '../../components/entity-link.js';

const RANK: Record<Severity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

const waiting = (c: CaseSummary) => c.status === 'open' || c.status === 'appealed';

export function sortCases(cases: CaseSummary[]): CaseSummary[] {
  return [...cases].sort(
    (a, b) =>
      Number(waiting(b)) - Number(waiting(a)) ||
      RANK[a.severity] - RANK[b.severity] ||
      b.confidence - a.confidence ||
      a.openedAt.localeCompare(b.openedAt),
  );
}

export function CaseQueuePage({ status, severity }: { status: string; severity: string }) {
  const state = useApi<{ cases: CaseSummary[] }>(`/admin/cases?status=${encodeURIComponent(status)}`);
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs', 10000);
  const names = new Map(orgs.kind === 'ok' ? orgs.data.orgs.map((o) => [o.id, o.name]) : []);
  const setFilter = (s: string, sev: string) => navigate(`/console/cases?status=${s}${sev ? `&severity=${sev}` : ''}`, true);
  const [text, setText] = useState('');
  const [selected, setSelected] = useState(-1);
  const search = useRef<HTMLInputElement>(null);
  const t = text.trim().toLowerCase();
  const shown =
    state.kind === 'ok'
      ? sortCases(state.data.cases.filter((c) => (!severity || c.severity === severity) && (!t || [c.title, c.id, ...c.labels, ...c.orgIds.map((id) => names.get(id) ?? id)].some((x) => x.toLowerCase().includes(t)))))
      : [];
  const select = (i: number) => {
    const n = Math.max(0, Math.min(shown.length - 1, i));
    setSelected(n);
    document.querySelectorAll<HTMLAnchorElement>('tbody th a.case-link')[n]?.focus();
  };
  useShortcuts({
    j: () => select(selected + 1),
    k: () => select(selected - 1),
    '/': () => search.current?.focus(),
    a: () => {
      const c = shown[selected];
      if (c) navigate(`${href('cases', c.id)}?approve=1`);
    },
  });
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Cases</h1>
      <p className="muted shortcuts">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous case, <kbd>Enter</kbd> open, <kbd>a</kbd> approve, <kbd>/</kbd> search
      </p>
      <div className="filters">
        <label htmlFor="case-search">Search</label>
        <input id="case-search" ref={search} type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="title, org, label" />
        <label htmlFor="case-status">Status</label>
        <select id="case-status" value={status} onChange={(e) => setFilter(e.target.value, severity)}>
          {['open', 'appealed', 'actioned', 'dismissed', 'reinstated', 'merged', 'all'].map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor="case-severity">Severity</label>
        <select id="case-severity" value={severity} onChange={(e) => setFilter(status, e.target.value)}>
          <option value="">any</option>
          {Object.keys(RANK).map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
      </div>
      <AsyncView state={state} what="cases">
        {() => {
          return (
            <>
              <p role="status" aria-live="polite" className="muted">
                {shown.length} case{shown.length === 1 ? '' : 's'}
              </p>
              <table>
                <caption className="sr-only">Cases sorted by severity</caption>
                <thead>
                  <tr>
                    <th scope="col">Severity</th>
                    <th scope="col">Case</th>
                    <th scope="col">Organizations</th>
                    <th scope="col">Confidence</th>
                    <th scope="col">Proposed</th>
                    <th scope="col">Status</th>
                    <th scope="col">Opened</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((c, i) => (
                    <tr key={c.id} className={i === selected ? 'selected' : undefined}>
                      <td>
                        <Badge value={c.severity} />
                      </td>
                      <th scope="row">
                        <Link href={href('cases', c.id)} className="case-link" onFocus={() => setSelected(i)}>
                          {c.title}
                        </Link>
                        <div className="labels">{c.labels.map((l) => <span key={l} className="tag">{l}</span>)}</div>
                      </th>
                      <td>
                        <OrgList ids={c.orgIds} names={names} />
                      </td>
                      <td>{fmtPct(c.confidence)}</td>
                      <td>{c.proposedAction ? `${c.proposedAction.action}${c.proposedAction.requiresApproval ? ' (needs approval)' : ''}` : '—'}</td>
                      <td>
                        <Badge value={c.status} />
                      </td>
                      <td>{fmtTime(c.openedAt)}</td>
                    </tr>
                  ))}
                  {shown.length === 0 && (
                    <tr>
                      <td colSpan={7}>No cases.</td>
                    </tr>
                  )}
                </tbody>
              </table>
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}

/** Up to three org links, then how many more (a cluster can hold dozens). */
function OrgList({ ids, names }: { ids: string[]; names: Map<string, string> }) {
  return (
    <>
      {ids.slice(0, 3).map((id, i) => (
        <span key={id}>
          {i > 0 && ', '}
          <OrgLink id={id} {...(names.get(id) ? { name: names.get(id) as string } : {})} />
        </span>
      ))}
      {ids.length > 3 && <span className="muted"> and {ids.length - 3} more</span>}
    </>
  );
}
