// The case lifecycle as pure functions: open -> action proposed -> actioned (approved or automatic) |
// dismissed; actioned -> appealed -> actioned (appeal rejected) | reinstated. Each returns the next case and
// what must happen outside (execute an action, lift it); the service persists, executes and notifies.
import type { ActivityLabel } from '../model/activity.js';
import type { ActionPlan } from './decide-action.js';
import type { Detection, OrgFacts } from './detection-input.js';
import { emptyEvidence, mergeEvidence } from './case-evidence.js';
import type { ActionTaken, Case, CaseStatus, ProposedAction, Severity } from './case-model.js';
import { ACTION_RANK, type ActionType } from './playbook-schema.js';
import { DomainError } from '../errors/domain-error.js';

/** A decision the case's state does not allow (`invalid_transition`), or one missing its note (`note_required`). */
export class CaseTransitionError extends DomainError {
  constructor(code: 'invalid_transition' | 'note_required', message: string) {
    super(code, message);
    this.name = 'CaseTransitionError';
  }
}

export type CaseEffect =
  | { kind: 'execute'; action: ProposedAction; orgIds: string[]; actor: string }
  | { kind: 'lift'; orgIds: string[]; actor: string; note: string };

export interface Transition {
  case: Case;
  effects: CaseEffect[];
}

const SEVERITY: Record<ActionType, Severity> = { none: 'low', notify: 'medium', throttle: 'medium', restrict: 'high', suspend: 'critical', revoke: 'critical' };
const SEVERITY_RANK: Record<Severity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export function automationActor(ruleId: string | undefined): string {
  return `automation:playbook/${ruleId ?? 'none'}`;
}

function proposalOf(plan: ActionPlan): ProposedAction {
  const p: ProposedAction = {
    action: plan.type,
    clause: plan.clause ?? '',
    requiresApproval: plan.requiresApproval,
    orgIds: plan.orgIds,
    notifyCustomer: plan.notifyCustomer,
  };
  if (plan.ruleId) p.ruleId = plan.ruleId;
  if (plan.durationMs !== undefined) p.durationMs = plan.durationMs;
  if (plan.throttleFactor !== undefined) p.throttleFactor = plan.throttleFactor;
  if (plan.keepsGrants) p.keepsGrants = plan.keepsGrants;
  if (plan.purposeScopeRestriction) p.purposeScopeRestriction = plan.purposeScopeRestriction;
  return p;
}

function describeProposal(p: ProposedAction): string {
  const extra =
    p.action === 'restrict' ? ` to its grants (${p.keepsGrants?.join(', ') || 'none'})` :
    p.action === 'suspend' || p.action === 'throttle' ? ` for ${Math.round((p.durationMs ?? 0) / 3_600_000)}h` : '';
  const who = p.orgIds.length > 1 ? ` ${p.orgIds.length} orgs` : '';
  return `${p.action}${who}${extra} under ${p.clause}${p.requiresApproval ? ' (needs approval)' : ' (automatic)'}`;
}

function titleFor(plan: ActionPlan, d: Detection, facts: OrgFacts): string {
  const labels = plan.labels.length ? plan.labels.join(' + ') : d.activities.map((a) => a.label).join(' + ');
  return plan.scope === 'cluster' ? `${labels} by a cluster of ${plan.orgIds.length} linked accounts` : `${labels} by ${facts.name ?? d.org}`;
}

const takenRank = (c: Case) => Math.max(0, ...c.actionsTaken.filter((t) => t.action !== 'lift').map((t) => ACTION_RANK[t.action as ActionType]));
const proposedRank = (c: Case) => (c.proposedAction ? ACTION_RANK[c.proposedAction.action] : 0);

function step(c: Case, at: string, kind: string, actor: string, text: string, data?: Record<string, unknown>): void {
  c.timeline.push({ at, kind, actor, text, ...(data ? { data } : {}) });
  c.updatedAt = at;
}

function clone(c: Case): Case {
  return structuredClone(c);
}

export interface DetectionContext {
  detection: Detection;
  facts: OrgFacts;
  plan: ActionPlan;
  now: Date;
  /** Id for a new case. */
  newId: string;
  /** Display names of orgs, for evidence. */
  names?: ReadonlyMap<string, string>;
}

/** A detection opens the case for its org/cluster, or updates the existing one (never a duplicate). */
export function applyDetection(existing: Case | undefined, ctx: DetectionContext): Transition {
  const { detection: d, facts, plan } = ctx;
  const at = ctx.now.toISOString();
  const auto = automationActor(plan.ruleId);
  const c: Case = existing
    ? clone(existing)
    : {
        id: ctx.newId, key: plan.caseKey, kind: plan.scope, title: titleFor(plan, d, facts), orgIds: [...plan.orgIds], severity: SEVERITY[plan.type],
        status: 'open', labels: [], confidence: 0, clause: plan.clause ?? '', actionsTaken: [], timeline: [], notes: [], evidence: emptyEvidence(),
        detections: 0, openedAt: at, updatedAt: at, version: 0,
      };
  c.detections++;
  const seen = new Set(c.timeline.filter((t) => t.kind === 'detected').map((t) => `${String(t.data?.org)}:${String(t.data?.label)}`));
  for (const a of d.activities) {
    if (!c.labels.includes(a.label)) c.labels.push(a.label);
    c.confidence = Math.max(c.confidence, a.confidence);
    if (!seen.has(`${d.org}:${a.label}`))
      step(c, at, 'detected', `automation:detection/${a.rules.join(',')}`, `${a.label} (confidence ${a.confidence}) at request ${a.first_detected.request} of ${d.org}`, {
        org: d.org, label: a.label, confidence: a.confidence, rules: a.rules, request: a.first_detected.request, ts: a.first_detected.ts,
      });
  }
  for (const o of plan.orgIds) if (!c.orgIds.includes(o)) c.orgIds.push(o);
  c.evidence = mergeEvidence(c.evidence, d, facts, ctx.names);
  if (SEVERITY_RANK[SEVERITY[plan.type]] > SEVERITY_RANK[c.severity]) c.severity = SEVERITY[plan.type];
  c.updatedAt = at;

  const effects: CaseEffect[] = [];
  if (plan.type === 'none') return { case: c, effects };
  const rank = ACTION_RANK[plan.type];
  const proposal = proposalOf(plan);
  const raises = rank > Math.max(proposedRank(c), takenRank(c)) || (c.status !== 'open' && c.status !== 'actioned' && c.status !== 'appealed');

  if (raises) {
    if (c.status === 'dismissed' || c.status === 'reinstated') step(c, at, 'reopened', auto, `reopened by a new detection (${plan.labels.join(', ')})`);
    c.status = 'open';
    c.proposedAction = proposal;
    c.clause = proposal.clause;
    c.requestsAtDetection ??= d.requests;
    step(c, at, 'proposed', auto, describeProposal(proposal), { ...proposal });
    if (!proposal.requiresApproval) {
      c.status = 'actioned';
      step(c, at, 'approved', auto, 'automatic under the playbook');
      effects.push({ kind: 'execute', action: proposal, orgIds: proposal.orgIds, actor: auto });
    }
    return { case: c, effects };
  }
  // Same action already taken on a cluster: members that joined since get it too.
  if (c.status === 'actioned' && c.proposedAction && rank === ACTION_RANK[c.proposedAction.action]) {
    const covered = new Set(c.actionsTaken.filter((t) => t.action === c.proposedAction?.action).flatMap((t) => t.orgIds));
    const fresh = plan.orgIds.filter((o) => !covered.has(o));
    if (fresh.length && !c.proposedAction.requiresApproval) {
      c.proposedAction = { ...c.proposedAction, orgIds: [...new Set([...c.proposedAction.orgIds, ...fresh])] };
      step(c, at, 'approved', auto, `${c.proposedAction.action} extended to ${fresh.length} newly linked org(s)`, { orgIds: fresh });
      effects.push({ kind: 'execute', action: c.proposedAction, orgIds: fresh, actor: auto });
    }
  }
  return { case: c, effects };
}

function need(c: Case, allowed: CaseStatus[], what: string): void {
  if (!allowed.includes(c.status)) throw new CaseTransitionError('invalid_transition', `case ${c.id} is ${c.status}; ${what} needs it to be ${allowed.join(' or ')}`);
}

function requireNote(note: string): string {
  const n = note.trim();
  if (!n) throw new CaseTransitionError('note_required', 'a note is required');
  return n;
}

/** An admin approves the proposed action (status open), or upholds it against an appeal (status appealed). */
export function approveCase(prev: Case, actor: string, note: string, now: Date): Transition {
  const text = requireNote(note);
  need(prev, ['open', 'appealed'], 'approve');
  const c = clone(prev);
  const at = now.toISOString();
  if (c.status === 'appealed') {
    c.status = 'actioned';
    step(c, at, 'appeal_rejected', actor, text);
    return { case: c, effects: [] };
  }
  const p = c.proposedAction;
  if (!p || p.action === 'none') throw new CaseTransitionError('invalid_transition', `case ${c.id} has no action to approve; dismiss it instead`);
  c.status = 'actioned';
  step(c, at, 'approved', actor, text, { action: p.action });
  return { case: c, effects: [{ kind: 'execute', action: p, orgIds: p.orgIds, actor }] };
}

export function dismissCase(prev: Case, actor: string, note: string, now: Date): Transition {
  const text = requireNote(note);
  need(prev, ['open'], 'dismiss');
  const c = clone(prev);
  c.status = 'dismissed';
  step(c, now.toISOString(), 'dismissed', actor, text);
  return { case: c, effects: [] };
}

/** Lifts the action taken: orgs return to active and throttles end. */
export function reinstateCase(prev: Case, actor: string, note: string, now: Date): Transition {
  const text = requireNote(note);
  need(prev, ['actioned', 'appealed'], 'reinstate');
  const c = clone(prev);
  c.status = 'reinstated';
  step(c, now.toISOString(), 'reinstated', actor, text);
  const orgIds = [...new Set(c.actionsTaken.filter((t) => t.action !== 'lift').flatMap((t) => t.orgIds))];
  return { case: c, effects: orgIds.length ? [{ kind: 'lift', orgIds, actor, note: text }] : [] };
}

/** Records the customer's appeal (entered by an analyst or admin). */
export function appealCase(prev: Case, actor: string, note: string, now: Date): Transition {
  const text = requireNote(note);
  need(prev, ['actioned'], 'appeal');
  const c = clone(prev);
  c.status = 'appealed';
  step(c, now.toISOString(), 'appealed', actor, text);
  return { case: c, effects: [] };
}

export function addCaseNote(prev: Case, actor: string, note: string, now: Date): Case {
  const text = requireNote(note);
  const c = clone(prev);
  const at = now.toISOString();
  c.notes.push({ at, actor, text });
  step(c, at, 'note', actor, text);
  return c;
}

/** Appends what the executor did to the case (timeline + actions taken). */
export function recordActions(prev: Case, taken: readonly ActionTaken[], failures: ReadonlyArray<{ orgId: string; error: string }>, now: Date): Case {
  const c = clone(prev);
  const at = now.toISOString();
  for (const t of taken) {
    c.actionsTaken.push(t);
    step(c, at, t.action === 'lift' ? 'lifted' : 'executed', t.by, `${t.action} ${t.orgIds.join(', ')}${t.until ? ` until ${t.until}` : ''}`, { ...t });
  }
  for (const f of failures) step(c, at, 'execution_failed', 'automation:executor', `${f.orgId}: ${f.error}`);
  return c;
}

export type { ActivityLabel };
