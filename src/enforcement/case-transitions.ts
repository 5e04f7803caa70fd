// The case lifecycle as pure functions: open -> action proposed -> actioned (approved or automatic) |
// dismissed; actioned -> appealed -> actioned (appeal rejected) | reinstated. Each returns the next case and
// what must happen outside (execute an action, lift it); the service persists, executes and notifies.
import type { ActivityLabel } from '../model/activity.js';
import type { ActionPlan } from './decide-action.js';
import type { Detection, OrgFacts } from './detection-input.js';
import { emptyEvidence, foldEvidence, mergeEvidence } from './case-evidence.js';
import type { ActionClaim, ActionTaken, Case, CaseStatus, ProposedAction, Severity } from './case-model.js';
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
  | { kind: 'execute'; action: ProposedAction; orgIds: string[]; actor: string; /** The case's claim on these orgs (claimEffects). */ claim?: string }
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

/**
 * How long a claim holds its orgs without the worker that made it recording what it did: the executor takes
 * milliseconds to seconds; past this, that worker is taken to have died, and the next detection or approval
 * carries the action out.
 */
export const CLAIM_LEASE_MS = 5 * 60_000;
const liveClaims = (c: Case, now: number): ActionClaim[] => (c.claims ?? []).filter((k) => Date.parse(k.at) + CLAIM_LEASE_MS > now);

/**
 * The rank of the strongest action in force on each org of the case at `now`: taken, not lifted since, not
 * expired; or claimed by a worker carrying it out now (newer than anything taken).
 */
function inForce(c: Case, now: number, withClaims = true): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of c.actionsTaken)
    for (const o of t.orgIds) {
      if (t.action === 'lift') m.delete(o);
      else if (!t.until || Date.parse(t.until) > now) m.set(o, Math.max(m.get(o) ?? 0, ACTION_RANK[t.action as ActionType]));
    }
  if (withClaims) for (const k of liveClaims(c, now)) for (const o of k.orgIds) m.set(o, Math.max(m.get(o) ?? 0, ACTION_RANK[k.action]));
  return m;
}

/**
 * Saves the transition's actions as claims on its case, so they are carried out once: a worker whose save comes
 * after this one reads the orgs as under the action. Expired claims are dropped. Pure; ids stay unique when a
 * fold moves claims to another case (the case's id, the version it is saved over, the effect's place).
 */
export function claimEffects(t: Transition, now: Date): Transition {
  // Most transitions carry nothing out and hold no claim: no copy of the case for them.
  if (!t.case.claims && !t.effects.some((e) => e.kind === 'execute')) return t;
  const c = clone(t.case);
  const at = now.toISOString();
  const claims = liveClaims(c, now.getTime());
  const effects = t.effects.map((e, i): CaseEffect => {
    if (e.kind !== 'execute') return e;
    const id = `${c.id}/${c.version}.${i}@${at}`;
    claims.push({ id, at, action: e.action.action, orgIds: [...e.orgIds] });
    return { ...e, claim: id };
  });
  if (claims.length) c.claims = claims;
  else delete c.claims;
  return { case: c, effects };
}
const takenRank = (c: Case, now: number) => Math.max(0, ...inForce(c, now).values());
/** Of `orgIds`, those no action of at least `rank` holds yet: an action is not carried out again on an org it holds. */
function notYetUnder(c: Case, orgIds: readonly string[], rank: number, now: number): string[] {
  const held = inForce(c, now);
  return orgIds.filter((o) => (held.get(o) ?? 0) < rank);
}
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

/** A new, empty case for a detection's org or cluster (version 0: saving it inserts it). */
export function newCase(ctx: DetectionContext): Case {
  const { detection: d, facts, plan } = ctx;
  const at = ctx.now.toISOString();
  return {
    id: ctx.newId, key: plan.caseKey, kind: plan.scope, title: titleFor(plan, d, facts), orgIds: [...plan.orgIds], severity: SEVERITY[plan.type],
    status: 'open', labels: [], confidence: 0, clause: plan.clause ?? '', actionsTaken: [], timeline: [], notes: [], evidence: emptyEvidence(),
    detections: 0, openedAt: at, updatedAt: at, version: 0,
  };
}

/** A detection opens the case for its org/cluster, or updates the existing one (never a duplicate). */
export function applyDetection(existing: Case | undefined, ctx: DetectionContext): Transition {
  const { detection: d, facts, plan } = ctx;
  const at = ctx.now.toISOString();
  const auto = automationActor(plan.ruleId);
  const c: Case = existing ? clone(existing) : newCase(ctx);
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
  const nowMs = ctx.now.getTime();
  const raises = rank > Math.max(proposedRank(c), takenRank(c, nowMs)) || (c.status !== 'open' && c.status !== 'actioned' && c.status !== 'appealed');

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
      const orgIds = notYetUnder(c, proposal.orgIds, rank, nowMs);
      if (orgIds.length) effects.push({ kind: 'execute', action: proposal, orgIds, actor: auto });
    }
    return { case: c, effects };
  }
  // Same action already taken on a cluster: members that joined since (or came with a folded case) get it too.
  if (c.status === 'actioned' && c.proposedAction && rank === ACTION_RANK[c.proposedAction.action]) {
    const fresh = notYetUnder(c, [...new Set([...c.proposedAction.orgIds, ...plan.orgIds])], rank, nowMs);
    if (fresh.length && !c.proposedAction.requiresApproval) {
      c.proposedAction = { ...c.proposedAction, orgIds: [...new Set([...c.proposedAction.orgIds, ...fresh])] };
      step(c, at, 'approved', auto, `${c.proposedAction.action} extended to ${fresh.length} newly linked org(s)`, { orgIds: fresh });
      effects.push({ kind: 'execute', action: c.proposedAction, orgIds: fresh, actor: auto });
    }
  }
  return { case: c, effects };
}

const LINKAGE_ACTOR = 'automation:linkage';
const STANDING: readonly CaseStatus[] = ['open', 'actioned', 'appealed'];
/** How far a case's decision stands: the rank of its proposal or of the actions in force, 0 once dismissed or reinstated. */
const standingRank = (c: Case, now: number) => (STANDING.includes(c.status) ? Math.max(proposedRank(c), takenRank(c, now)) : 0);

/**
 * Two clusters linked into one: the absorbed cluster's case (`from`) is folded into the survivor's (`into`), so
 * one network ends under one case. `into` takes its accounts, the actions in force on them (a later reinstatement
 * lifts them too), labels and evidence and, when `from`'s decision stands further (a stronger proposal or action,
 * or `into` was dismissed or reinstated), its proposal and status; `from` keeps its history, turns `merged` and
 * points to `into`. No action runs here: the detection applied next extends the case's action to members not yet
 * under it, and an approval never repeats an action an org is already under.
 */
export function foldCase(into: Case, from: Case, now: Date): { into: Case; from: Case } {
  const at = now.toISOString();
  const c = clone(into);
  for (const o of from.orgIds) if (!c.orgIds.includes(o)) c.orgIds.push(o);
  for (const l of from.labels) if (!c.labels.includes(l)) c.labels.push(l);
  c.confidence = Math.max(c.confidence, from.confidence);
  if (SEVERITY_RANK[from.severity] > SEVERITY_RANK[c.severity]) c.severity = from.severity;
  // Only what is in force: an action `from` took and lifted since is its history, not this case's.
  const nowMs = now.getTime();
  // What was taken, not what is claimed: the claims move whole below, and a claim that fails must not hide a
  // weaker action taken before it, which a reinstatement of this case must still lift.
  const held = inForce(from, nowMs, false);
  for (const t of from.actionsTaken) {
    if (t.action === 'lift') continue;
    const orgIds = t.orgIds.filter((o) => held.get(o) === ACTION_RANK[t.action as ActionType]);
    if (orgIds.length) c.actionsTaken.push({ ...structuredClone(t), orgIds });
  }
  // A worker still carrying out the absorbed case's action records it on this one (the case that holds it).
  if (from.claims?.length) c.claims = [...(c.claims ?? []), ...structuredClone(from.claims)];
  c.detections += from.detections;
  if (from.requestsAtDetection !== undefined) c.requestsAtDetection = Math.min(c.requestsAtDetection ?? Infinity, from.requestsAtDetection);
  c.evidence = foldEvidence(c.evidence, from.evidence);
  const p = from.proposedAction;
  if (p && STANDING.includes(from.status)) {
    if (standingRank(from, nowMs) > standingRank(into, nowMs)) {
      c.proposedAction = { ...structuredClone(p), orgIds: [...new Set([...(STANDING.includes(into.status) ? (c.proposedAction?.orgIds ?? []) : []), ...p.orgIds])] };
      c.clause = from.clause;
      c.status = from.status;
    } else if (c.proposedAction?.action === p.action) {
      c.proposedAction.orgIds = [...new Set([...c.proposedAction.orgIds, ...p.orgIds])];
      // The absorbed part's appeal stays open on the case that holds it.
      if (from.status === 'appealed' && c.status === 'actioned') c.status = 'appealed';
    }
    // Accounts the proposal names that its action does not hold yet, when it needs an admin: the case waits for
    // the approval again (which acts on those accounts only) rather than stand as done.
    const pending = c.proposedAction;
    if (pending?.requiresApproval && c.status === 'actioned' && notYetUnder(c, pending.orgIds, ACTION_RANK[pending.action], nowMs).length) c.status = 'open';
  }
  step(c, at, 'merged', LINKAGE_ACTOR, `case ${from.id} folded in: its cluster of ${from.orgIds.length} accounts (${from.status}) was linked to this one`, {
    caseId: from.id, orgIds: [...from.orgIds], status: from.status,
  });
  const f = clone(from);
  delete f.claims;
  f.status = 'merged';
  f.mergedInto = c.id;
  step(f, at, 'merged', LINKAGE_ACTOR, `folded into case ${c.id}: this cluster was linked to that one`, { caseId: c.id });
  return { into: c, from: f };
}

function need(c: Case, allowed: CaseStatus[], what: string): void {
  if (!allowed.includes(c.status)) throw new CaseTransitionError('invalid_transition', `case ${c.id} is ${c.status}; ${what} needs it to be ${allowed.join(' or ')}`);
}

function requireNote(note: string): string {
  const n = note.trim();
  if (!n) throw new CaseTransitionError('note_required', 'a note is required');
  return n;
}

/**
 * An admin approves the proposed action (status open), upholds it against an appeal (status appealed), or
 * approves an actioned case again to carry its action out on accounts it does not hold.
 */
export function approveCase(prev: Case, actor: string, note: string, now: Date): Transition {
  const text = requireNote(note);
  // Approving an actioned case again carries its action out on the accounts it does not hold: those the executor
  // failed on, or whose claim expired with the worker that made it.
  const p0 = prev.proposedAction;
  const unheld = prev.status === 'actioned' && p0 && p0.action !== 'none' ? notYetUnder(prev, p0.orgIds, ACTION_RANK[p0.action], now.getTime()) : [];
  if (unheld.length) {
    const c = clone(prev);
    step(c, now.toISOString(), 'approved', actor, text, { action: p0!.action, orgIds: unheld });
    return { case: c, effects: [{ kind: 'execute', action: p0!, orgIds: unheld, actor }] };
  }
  need(prev, ['open', 'appealed'], 'approve');
  const c = clone(prev);
  const at = now.toISOString();
  const p = c.proposedAction;
  if (c.status === 'appealed') {
    c.status = 'actioned';
    step(c, at, 'appeal_rejected', actor, text);
    // Upholding also covers accounts a folded case added to the proposal.
    const pending = p && p.action !== 'none' ? notYetUnder(c, p.orgIds, ACTION_RANK[p.action], now.getTime()) : [];
    return { case: c, effects: pending.length ? [{ kind: 'execute', action: p!, orgIds: pending, actor }] : [] };
  }
  if (!p || p.action === 'none') throw new CaseTransitionError('invalid_transition', `case ${c.id} has no action to approve; dismiss it instead`);
  c.status = 'actioned';
  step(c, at, 'approved', actor, text, { action: p.action });
  const orgIds = notYetUnder(c, p.orgIds, ACTION_RANK[p.action], now.getTime());
  return { case: c, effects: orgIds.length ? [{ kind: 'execute', action: p, orgIds, actor }] : [] };
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
  // Also a case still open or dismissed that holds actions a folded case brought: they must be liftable.
  if (!(prev.status !== 'merged' && inForce(prev, now.getTime()).size > 0)) need(prev, ['actioned', 'appealed'], 'reinstate');
  // Lifting now would come before the action being carried out lands, and leave its orgs under it.
  const busy = liveClaims(prev, now.getTime());
  if (busy.length)
    throw new CaseTransitionError('invalid_transition', `case ${prev.id} has an action being carried out (${busy[0]!.action} since ${busy[0]!.at}); reinstate it once that is recorded`);
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

/**
 * Appends what the executor did to the case (timeline + actions taken) and ends its claim: orgs it failed on are
 * no longer held, so the next detection or approval tries them again.
 */
export function recordActions(prev: Case, taken: readonly ActionTaken[], failures: ReadonlyArray<{ orgId: string; error: string }>, now: Date, claim?: string): Case {
  const c = clone(prev);
  if (claim && c.claims) {
    c.claims = c.claims.filter((k) => k.id !== claim);
    if (!c.claims.length) delete c.claims;
  }
  const at = now.toISOString();
  for (const t of taken) {
    c.actionsTaken.push(t);
    step(c, at, t.action === 'lift' ? 'lifted' : 'executed', t.by, `${t.action} ${t.orgIds.join(', ')}${t.until ? ` until ${t.until}` : ''}`, { ...t });
  }
  for (const f of failures) step(c, at, 'execution_failed', 'automation:executor', `${f.orgId}: ${f.error}`);
  return c;
}

export type { ActivityLabel };
