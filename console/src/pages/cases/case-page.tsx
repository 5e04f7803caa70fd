// One case: what was detected, with what confidence, on what evidence, under which clause; and the
// decision controls for the role (analyst: note, appeal; admin: approve / dismiss / reinstate / uphold).
// Clause ids are shown with their text from the policy (GET /admin/clauses).
import { useState } from 'react';
import { useGlossary } from '../../api/glossary.js';
import type { OutcomeUsageRow } from '../../api/outcomes.js';
import type { CaseDetail, ProposedAction } from '../../api/types.js';
import { AsyncView } from '../../components/async-view.js';
import { OrgLink } from '../../components/entity-link.js';
import { fmtPct, fmtTime } from '../../components/format.js';
import { Badge } from '../../components/status-badge.js';
import { useApi } from '../../hooks/use-api.js';
import { useOrgs } from '../../hooks/use-orgs.js';
import { href, Link } from '../../hooks/use-route.js';
import { useSince } from '../../hooks/use-since.js';
import { OutcomeChart } from '../org/usage-section.js';
import { CaseActions } from './case-actions.js';
import { CaseTimeline } from './case-timeline.js';
import { EvidenceSection } from './evidence-section.js';
import { NoteForm } from './note-form.js';
import { WhySummary } from './why-summary.js';

export function CasePage({ caseId }: { caseId: string }) {
  const state = useApi<{ case: CaseDetail }>(`/admin/cases/${encodeURIComponent(caseId)}`);
  // The case the last decision returned: shown at once, until the next load brings the same or newer.
  const [after, setAfter] = useState<{ c: CaseDetail; message: string } | null>(null);
  return (
    <section aria-labelledby="page-title">
      {after && (
        <p className="confirm" role="status">
          {after.message}
        </p>
      )}
      <AsyncView state={state} what="case">
        {({ case: loaded }) => (
          <CaseView c={after && after.c.updatedAt > loaded.updatedAt ? after.c : loaded} onDone={(c, message) => setAfter({ c, message })} reload={state.reload} />
        )}
      </AsyncView>
    </section>
  );
}

function CaseView({ c, onDone, reload }: { c: CaseDetail; onDone: (c: CaseDetail, message: string) => void; reload: () => void }) {
  const byId = useOrgs();
  const clauses = useApi<{ clauses: Record<string, string> }>('/admin/clauses', 30000);
  const clauseText = (id: string) => (clauses.kind === 'ok' ? clauses.data.clauses[id] : undefined);
  const glossary = useGlossary([
    ...c.evidence.features.map((f) => f.name),
    ...(c.evidence.scores ?? []).flatMap((s) => s.contributions.map((x) => x.feature)),
    ...c.evidence.sampleRequests.flatMap((s) => (s.matched ?? []).filter((m) => m.startsWith('w.'))),
  ]);
  const from = useSince(24 * 60);
  const usage = useApi<{ usage: OutcomeUsageRow[] }>(`/admin/usage?group_by=org,hour,outcome&from=${encodeURIComponent(from)}`);
  const members = new Set([...c.orgIds, ...c.evidence.linkedAccounts.map((l) => l.orgId)]);
  const rows = usage.kind === 'ok' ? usage.data.usage.filter((u) => members.has(u.orgId ?? '')) : [];
  const requests = new Map<string, number>();
  for (const u of rows) requests.set(u.orgId!, (requests.get(u.orgId!) ?? 0) + u.requests);
  return (
    <>
      <header className="page-head">
        <h1 id="page-title">
          {c.title} <Badge value={c.severity} /> <Badge value={c.status} />
        </h1>
        <CaseActions c={c} orgs={byId} clause={clauseText(c.clause) ?? c.clause} onDone={onDone} />
      </header>
      {c.status === 'merged' && c.mergedInto && (
        <p className="muted" role="note">
          Its cluster was linked to another: this case now lives on in <Link href={href('cases', c.mergedInto)}>{c.mergedInto}</Link>, which holds its accounts, actions and evidence.
        </p>
      )}
      {c.kind === 'cluster' && (
        <p className="muted">
          Cluster case: {c.orgIds.length} accounts in scope, {c.evidence.linkedAccounts.length} linked accounts in the evidence.
        </p>
      )}
      <WhySummary c={c} orgs={byId} glossary={glossary} clause={clauseText(c.clause) ?? c.clause} />
      <dl className="kv case-facts">
        <dt>Case</dt>
        <dd>
          <code>{c.id}</code> · <Link href={`${href('audit')}?q=${encodeURIComponent(c.id)}`}>Audit trail of this case</Link>
        </dd>
        <dt>Organizations</dt>
        <dd>
          {c.orgIds.slice(0, 5).map((id, i) => (
            <span key={id}>
              {i > 0 && ', '}
              <OrgLink id={id} orgs={byId} /> {byId.get(id) && <Badge value={byId.get(id)!.status} />}
            </span>
          ))}
          {c.orgIds.length > 5 && <> and {c.orgIds.length - 5} more (see linked accounts)</>}
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
                  {t.action} of {t.orgIds.length > 3 ? `${t.orgIds.length} accounts` : t.orgIds.map((id) => byId.get(id)?.name ?? id).join(', ')} by {t.by} <time dateTime={t.at}>{fmtTime(t.at)}</time>
                  {t.until && <> until {fmtTime(t.until)}</>}
                  {noteFor(c, t) && <> — note: “{noteFor(c, t)}”</>}
                </span>
              ))}
        </dd>
        <dt>Detections</dt>
        <dd>{c.detections}</dd>
      </dl>
      {c.kind === 'cluster' && (
        <section aria-labelledby="combined">
          <h2 id="combined">Combined activity of the {members.size} accounts</h2>
          <OutcomeChart title="Requests per hour by outcome, last 24 hours, all accounts of the case" usage={rows} axis={{ from, slots: 24, bucket: 'hour' }} />
        </section>
      )}
      <EvidenceSection evidence={c.evidence} glossary={glossary} orgs={byId} requests={requests} />
      <div className="grid-2">
        <CaseTimeline timeline={c.timeline} orgs={byId} />
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
          <NoteForm caseId={c.id} onDone={reload} />
        </section>
      </div>
    </>
  );
}

/** The approver's note of an action: the approval step just before it on the timeline. */
function noteFor(c: CaseDetail, t: CaseDetail['actionsTaken'][number]): string | undefined {
  const step = [...c.timeline].reverse().find((s) => s.kind === 'approved' && s.actor === t.by && s.at <= t.at);
  return step?.text;
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
