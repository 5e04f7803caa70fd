// Audit: the trail, newest first, filtered on the server by actor / action / target and in the browser by
// free text, with the hash chain's verification status (GET /admin/audit/recent, /admin/audit/verify).
import { useEffect, useState, type FormEvent } from 'react';
import type { AuditEntry, AuditVerify } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { useApi } from '../../hooks/use-api.js';
import { navigate } from '../../hooks/use-route.js';
import { AuditTable, describe } from './audit-table.js';

const FIELDS = ['actor', 'action', 'target', 'q'] as const;
type Field = (typeof FIELDS)[number];
const LABELS: Record<Field, string> = { actor: 'Actor (exact)', action: 'Action (exact, e.g. org.status)', target: 'Target id (exact)', q: 'Contains text' };
const SHOWN = 200;
/** Newest entries fetched per search; the text filter applies within them. */
const WINDOW = 1000;

export function AuditPage({ query }: { query: URLSearchParams }) {
  const initial = Object.fromEntries(FIELDS.map((f) => [f, query.get(f) ?? ''])) as Record<Field, string>;
  const [form, setForm] = useState(initial);
  useEffect(() => setForm(initial), [query.toString()]);
  const server = new URLSearchParams({ limit: String(WINDOW) });
  for (const f of ['actor', 'action', 'target'] as const) if (initial[f]) server.set(f, initial[f]);
  const entries = useApi<{ entries: AuditEntry[] }>(`/admin/audit/recent?${server}`);
  const verify = useApi<AuditVerify>('/admin/audit/verify', 15000);
  const search = (e: FormEvent) => {
    e.preventDefault();
    const p = new URLSearchParams();
    for (const f of FIELDS) if (form[f].trim()) p.set(f, form[f].trim());
    navigate(`/console/audit${p.size ? `?${p}` : ''}`);
  };
  const text = initial.q.toLowerCase();
  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Audit trail</h1>
      <AsyncView state={verify} what="chain verification">
        {(v) =>
          v.ok ? (
            <p className="verify ok" role="status">
              ✓ Hash chain verified: {v.count} entries, none edited, deleted or reordered.
            </p>
          ) : (
            <p className="verify bad" role="alert">
              ✗ Hash chain broken{v.seq !== undefined ? ` at entry #${v.seq}` : ''}: {v.problem ?? ''} {v.message ?? ''}
            </p>
          )
        }
      </AsyncView>
      <form role="search" aria-label="Search the audit trail" onSubmit={search} className="search">
        {FIELDS.map((f) => (
          <div key={f}>
            <label htmlFor={`audit-${f}`}>{LABELS[f]}</label>
            <input id={`audit-${f}`} type="search" value={form[f]} onChange={(e) => setForm({ ...form, [f]: e.target.value })} />
          </div>
        ))}
        <button type="submit">Search</button>
      </form>
      <AsyncView state={entries} what="audit entries">
        {({ entries: list }) => {
          const hits = list.filter((e) => !text || [e.actor, e.action, e.target, describe(e.data)].some((s) => s.toLowerCase().includes(text)));
          return (
            <>
              <p className="muted" role="status">
                {hits.length} matching entr{hits.length === 1 ? 'y' : 'ies'}
                {hits.length > SHOWN ? `, newest ${SHOWN} shown` : ''}
                {list.length === WINDOW ? ` (searched the newest ${WINDOW} entries)` : ''}
              </p>
              <AuditTable entries={hits.slice(0, SHOWN)} caption="Audit entries, newest first" />
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
