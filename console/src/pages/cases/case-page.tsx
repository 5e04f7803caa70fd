// One case: what was detected, with what confidence, on what evidence, under which clause; and the
// decision controls for the role (analyst: note, appeal; admin: approve / dismiss / reinstate / uphold).
// Clause ids are shown with their text from the policy (GET /admin/clauses).
import type { CaseDetail, Org, ProposedAction } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { fmtPct, fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';
import { href, Link } from '../../hooks/use-route.js';
import { CaseActions } from './case-actions.js';
import { EvidenceSection } from './evidence-section.js';
import { NoteForm } from './note-form.js';

export function CasePage({ caseId }: { caseId: string }) {
  const state = useApi<{ case: CaseDetail }>(`/admin/cases/${encodeURIComponent(caseId)}`);
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs', 10000);
  const byId = new Map(orgs.kind === 'ok' ? orgs.data.orgs.map((o) => [o.id, o]) : []);
  const clauses = useApi<{ clauses: Record<string, string> }>('/admin/clauses', 30000);
  const clauseText = (id: string) => (clauses.kind === 'ok' ? clauses.data.clauses[id] : undefined);
  return (
    <section aria-labelledby="page-title">
      <AsyncView state={state} what="case">
        {({ case: c }) => (
          <>
            <header className="page-head">
              <h1 id="page-title">
                {c.title} <Badge value={c.severity} /> <Badge value={c.status} />
              </h1>
              <CaseActions c={c} orgs={byId} clause={clauseText(c.clause) ?? c.clause} onDone={state.reload} />
            </header>
            <dl className="kv case-facts">
              <dt>Case</dt>
              <dd>
                <code>{c.id}</code> · <Link href={`${href('audit')}?q=${encodeURIComponent(c.id)}`}>Audit trail of this case</Link>
              </dd>
              <dt>Organizations</dt>
              <dd>
                {c.orgIds.map((id, i) => (
                  <span key={id}>
                    {i > 0 && ', '}
                    <Link href={href('orgs', id)}>{byId.get(id)?.name ?? id}</Link> {byId.get(id) && <Badge value={byId.get(id)!.status} />}
                  </span>
                ))}
              </dd>
              <dt>Labels</dt>
              <dd>{c.labels.join(', ') || '—'}</dd>
              <dt>Confidence</dt>
              <dd>
                <meter min={0} max={1} value={c.confidence} aria-label="Confidence" /> {fmtPct(c.confidence)}
              </dd>
              <dt>Clause</dt>
              <dd>
                <strong>{clauseText(c.clause) ?? c.clause}</strong> <code>{c.clause}</code>
              </dd>
              <dt>Proposed action</dt>
              <dd>{c.proposedAction ? describeProposal(c.proposedAction) : 'none'}</dd>
              <dt>Actions taken</dt>
              <dd>
                {c.actionsTaken.length === 0
                  ? 'none'
                  : c.actionsTaken.map((t, i) => (
                      <span key={i} className="taken">
                        {i > 0 && '; '}
                        {t.action} of {t.orgIds.map((id) => byId.get(id)?.name ?? id).join(', ')} by {t.by} <time dateTime={t.at}>{fmtTime(t.at)}</time>
                        {t.until && <> until {fmtTime(t.until)}</>}
                      </span>
                    ))}
              </dd>
              <dt>Detections</dt>
              <dd>{c.detections}</dd>
            </dl>
            <EvidenceSection evidence={c.evidence} />
            <div className="grid-2">
              <section aria-labelledby="timeline">
                <h2 id="timeline">Timeline</h2>
                <ol className="timeline">
                  {c.timeline.map((t, i) => (
                    <li key={i}>
                      <time dateTime={t.at}>{fmtTime(t.at)}</time> <strong>{t.kind}</strong> by {t.actor}: {t.text}
                    </li>
                  ))}
                </ol>
              </section>
              <section aria-labelledby="notes">
                <h2 id="notes">Notes</h2>
                {c.notes.length === 0 ? <p className="muted">No notes.</p> : (
                  <ul className="notes">
                    {c.notes.map((n, i) => (
                      <li key={i}>
                        <time dateTime={n.at}>{fmtTime(n.at)}</time> {n.actor}: {n.text}
                      </li>
                    ))}
                  </ul>
                )}
                <NoteForm caseId={c.id} onDone={state.reload} />
              </section>
            </div>
          </>
        )}
      </AsyncView>
    </section>
  );
}

function describeProposal(p: ProposedAction): string {
  const parts: string[] = [p.action];
  if (p.keepsGrants?.length) parts.push(`keeps its grants (${p.keepsGrants.join(', ')})`);
  if (p.throttleFactor !== undefined) parts.push(`to ${Math.round(p.throttleFactor * 100)}% of its limits`);
  if (p.durationMs !== undefined) parts.push(`for ${Math.round(p.durationMs / 3_600_000)} h`);
  if (p.ruleId) parts.push(`playbook rule ${p.ruleId}`);
  parts.push(p.requiresApproval ? 'requires approval' : 'automatic');
  return parts.join(' — ');
}
