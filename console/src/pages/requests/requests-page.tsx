// The request log: recent requests as the gateway sampled them, filterable by org, key, model, outcome and time,
// newest first and paged. Each row links to its org, its key (on the org's page) and the org's latest case, so
// an analyst goes from "what was refused" to "why" in one click. What the log leaves out (sampling, retention,
// prompt text) is said above the table.
import { useMemo } from 'react';
import { OUTCOMES, reasonText } from '../../api/outcomes.js';
import type { AdminResponse, ApiKeyView, CaseSummary, RequestLogEntry } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { CaseLink, OrgLink } from '../../components/entity-link.js';
import { ExpandableText } from '../../components/expandable-text.js';
import { fmtAge, fmtNum, fmtPct, fmtTime } from '../../components/format.js';
import { CursorPager, UrlSearchForm } from '../../components/url-search-form.js';
import { useApi } from '../../hooks/use-api.js';
import { useOrgs } from '../../hooks/use-orgs.js';
import { href, Link } from '../../hooks/use-route.js';
import { useUrlSearch } from '../../hooks/use-url-search.js';

const PAGE = 50;
const FIELDS = ['org', 'key', 'model', 'outcome', 'from', 'to'] as const;
type Recording = AdminResponse<'GET /requests'>['recording'];

export function RequestsPage({ query }: { query: URLSearchParams }) {
  const search = useUrlSearch({ path: '/console/requests', fields: FIELDS, query, cursor: 'before', pageSize: PAGE });
  const { form, set } = search;
  const result = useApi<AdminResponse<'GET /requests'>>(`/admin/requests?${search.serverQuery}`);
  const orgs = useOrgs();
  const keys = useApi<{ keys: ApiKeyView[] }>('/admin/keys', 30000);
  const cases = useApi<{ cases: CaseSummary[] }>('/admin/cases?status=all', 15000);
  const keyById = useMemo(() => new Map(keys.kind === 'ok' ? keys.data.keys.map((k) => [k.id, k]) : []), [keys]);
  // The org's most recent case, any status: where "why was this refused" is answered.
  const caseOf = useMemo(() => {
    const m = new Map<string, CaseSummary>();
    if (cases.kind === 'ok') for (const c of [...cases.data.cases].sort((a, b) => a.updatedAt.localeCompare(b.updatedAt))) for (const o of c.orgIds) m.set(o, c);
    return m;
  }, [cases]);

  const sortedOrgs = [...orgs.values()].sort((a, b) => a.name.localeCompare(b.name));

  return (
    <section aria-labelledby="page-title">
      <h1 id="page-title">Requests</h1>
      <UrlSearchForm search={search} label="Filter the request log" idPrefix="req" submitLabel="Filter">
        <div>
          <label htmlFor="req-org">Organization</label>
          <select id="req-org" value={form.org} onChange={(e) => set('org', e.target.value)}>
            <option value="">any organization</option>
            {sortedOrgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label htmlFor="req-key">Key id</label>
          <input id="req-key" type="search" value={form.key} onChange={(e) => set('key', e.target.value)} placeholder="key_…" />
        </div>
        <div>
          <label htmlFor="req-model">Model</label>
          <input id="req-model" type="search" value={form.model} onChange={(e) => set('model', e.target.value)} />
        </div>
        <div>
          <label htmlFor="req-outcome">Outcome</label>
          <select id="req-outcome" value={form.outcome} onChange={(e) => set('outcome', e.target.value)}>
            <option value="">any outcome</option>
            <option value="refused,rate_limited">denied (refused or rate-limited)</option>
            {OUTCOMES.map((o) => (
              <option key={o.key} value={o.key}>
                {o.label}
              </option>
            ))}
          </select>
        </div>
      </UrlSearchForm>
      <AsyncView state={result} what="requests">
        {({ entries, nextBefore, recording }) => (
          <>
            <p className="muted" role="status">
              {recordingText(recording)}
            </p>
            {entries.length === 0 ? (
              <p className="muted">No requests match.</p>
            ) : (
              <div className="table-scroll">
                <table className="request-log">
                  <caption className="sr-only">Requests, newest first</caption>
                  <thead>
                    <tr>
                      <th scope="col">Time</th>
                      <th scope="col">Organization</th>
                      <th scope="col">Key</th>
                      <th scope="col">Model</th>
                      <th scope="col">Outcome</th>
                      <th scope="col" className="num">
                        Latency
                      </th>
                      <th scope="col" className="num">
                        Tokens in / out
                      </th>
                      <th scope="col">Case</th>
                      {recording.prompts === 'excerpt' && <th scope="col">Prompt</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {entries.map((e) => (
                      <RequestRow key={e.id} e={e} orgName={orgs.get(e.orgId)?.name} keyName={keyById.get(e.keyId)?.name} kase={caseOf.get(e.orgId)} prompts={recording.prompts === 'excerpt'} />
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            <CursorPager search={search} label="Request log pages" next={nextBefore} />
          </>
        )}
      </AsyncView>
    </section>
  );
}

function RequestRow({ e, orgName, keyName, kase, prompts }: { e: RequestLogEntry; orgName: string | undefined; keyName: string | undefined; kase: CaseSummary | undefined; prompts: boolean }) {
  const outcome = OUTCOMES.find((o) => o.key === e.outcome);
  return (
    <tr data-request={e.id}>
      <td title={fmtTime(e.ts)}>
        <span title={`${fmtTime(e.ts)} — request ${e.id}`}>{fmtAge(e.ts)}</span>
      </td>
      <td>
        <OrgLink id={e.orgId} {...(orgName ? { name: orgName } : {})} />
      </td>
      <td>
        <Link href={`${href('orgs', e.orgId)}#keys`} title={e.keyId} data-id={e.keyId}>
          {keyName ?? e.keyId}
        </Link>
      </td>
      <td>
        <code>{e.model}</code>
        {e.purpose ? <span className="muted"> ({e.purpose})</span> : null}
      </td>
      <td>
        <span className={`outcome outcome-${e.outcome}`}>
          <span className="swatch" style={{ background: outcome?.color }} aria-hidden="true" />
          {outcome?.label ?? e.outcome}
        </span>
        {e.reason ? <div className="muted small">{reasonText(e.reason)}</div> : null}
        <div className="muted small">HTTP {e.status}</div>
      </td>
      <td className="num">{fmtNum(Math.round(e.latencyMs))} ms</td>
      <td className="num">
        {fmtNum(e.inputTokens)} / {fmtNum(e.outputTokens)}
      </td>
      <td>{kase ? <CaseLink id={kase.id} title={kase.title} /> : <span className="muted">—</span>}</td>
      {prompts && <td>{e.prompt ? <ExpandableText text={e.prompt} limit={80} /> : <span className="muted">—</span>}</td>}
    </tr>
  );
}

function recordingText(r: Recording): string {
  if (!r.enabled) return 'The request log is off on this gateway (config requestLog.enabled).';
  const admitted = r.admittedSampleRate >= 1 ? 'every admitted request' : `${fmtPct(r.admittedSampleRate)} of admitted requests`;
  const other = r.otherSampleRate >= 1 ? 'every refused, rate-limited or failed one' : `${fmtPct(r.otherSampleRate)} of refused, rate-limited or failed ones`;
  const prompts = r.prompts === 'excerpt' ? 'prompt excerpts with credentials redacted' : 'no prompt text';
  return `Sampled: ${admitted} and ${other}; kept ${r.retentionHours} h (at most ${fmtNum(r.maxRows)} entries); ${prompts}. Requests with an unknown or disabled key are counted in usage but not logged here.`;
}
