// Audit: search the whole trail on the server (GET /admin/audit/search) by name or partial text, action,
// actor and time range; newest first, page by page to the oldest entry; export every match as CSV or JSONL;
// and the hash chain's verification status (GET /admin/audit/verify).
import { useState } from 'react';
import { downloadExport } from '../../api/download.js';
import type { AdminResponse, AuditVerify } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { CursorPager, UrlSearchForm } from '../../components/url-search-form.js';
import { useApi } from '../../hooks/use-api.js';
import { useOrgs } from '../../hooks/use-orgs.js';
import { useUrlSearch } from '../../hooks/use-url-search.js';
import { AuditTable } from './audit-table.js';

const PAGE = 50;
/** Search fields kept in the URL, so a search is a link that can be shared and the back button works. */
const FIELDS = ['q', 'action', 'actor', 'from', 'to', 'org'] as const;

type SearchResult = AdminResponse<'GET /audit/search'>;

export function AuditPage({ query }: { query: URLSearchParams }) {
  const search = useUrlSearch({ path: '/console/audit', fields: FIELDS, query, cursor: 'before_seq', pageSize: PAGE });
  const { form, set, filters, page, applied } = search;
  const result = useApi<SearchResult>(`/admin/audit/search?${search.serverQuery}`);
  const actions = useApi<{ actions: { action: string; count: number }[] }>('/admin/audit/actions', 30000);
  const verify = useApi<AuditVerify>('/admin/audit/verify', 15000);
  const orgs = useOrgs();
  const [exportError, setExportError] = useState('');

  const exportAs = (format: 'csv' | 'jsonl') => {
    const p = new URLSearchParams(filters);
    p.set('format', format);
    setExportError('');
    downloadExport(`/admin/audit/search/export?${p}`, `moat-audit.${format}`).catch((e: Error) => setExportError(e.message));
  };

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
      <UrlSearchForm search={search} label="Search the audit trail" idPrefix="audit" submitLabel="Search">
        <div className="grow">
          <label htmlFor="audit-q">Search (org name, id, actor or any text)</label>
          <input id="audit-q" type="search" value={form.q} onChange={(e) => set('q', e.target.value)} placeholder="e.g. rival or case_3f…" />
        </div>
        <div>
          <label htmlFor="audit-action">Action</label>
          <select id="audit-action" value={form.action} onChange={(e) => set('action', e.target.value)}>
            <option value="">any action</option>
            {actions.kind === 'ok' &&
              actions.data.actions.map((a) => (
                <option key={a.action} value={a.action}>
                  {a.action} ({a.count})
                </option>
              ))}
            {form.action && !(actions.kind === 'ok' && actions.data.actions.some((a) => a.action === form.action)) && <option value={form.action}>{form.action}</option>}
          </select>
        </div>
        <div>
          <label htmlFor="audit-actor">Actor</label>
          <input id="audit-actor" type="search" value={form.actor} onChange={(e) => set('actor', e.target.value)} />
        </div>
      </UrlSearchForm>
      {applied.org && (
        <p className="muted">
          Entries about <strong>{orgs.get(applied.org)?.name ?? applied.org}</strong>: the organization, its keys and its cases.
        </p>
      )}
      <AsyncView state={result} what="audit entries">
        {({ entries, total, nextBeforeSeq }) => {
          const first = (page - 1) * PAGE + 1;
          return (
            <>
              <div className="page-head">
                <p className="muted" role="status">
                  {total === 0 ? 'No matching entries' : `${total} matching entr${total === 1 ? 'y' : 'ies'}, showing ${first}–${first + entries.length - 1}`}
                </p>
                <div className="actions">
                  <button type="button" onClick={() => exportAs('csv')} disabled={total === 0}>
                    Export CSV
                  </button>
                  <button type="button" onClick={() => exportAs('jsonl')} disabled={total === 0}>
                    Export JSONL
                  </button>
                </div>
              </div>
              {exportError && (
                <p className="state error" role="alert">
                  Export failed: {exportError}
                </p>
              )}
              <AuditTable entries={entries} caption="Audit entries, newest first" orgs={orgs} />
              <CursorPager search={search} label="Audit pages" next={nextBeforeSeq} back />
            </>
          );
        }}
      </AsyncView>
    </section>
  );
}
