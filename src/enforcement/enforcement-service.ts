// The enforcement application: detection -> playbook -> case -> (approval) -> execution -> notices. Pure
// pieces (decideAction, case transitions) do the deciding; this wires them to the case store, the executor
// and the webhook outbox, retrying optimistic-save conflicts so concurrent workers and admins compose.
import { randomBytes } from 'node:crypto';
import type { Clock } from '../ops/clock.js';
import type { Case, ActionTaken } from './case-model.js';
import { CaseConflictError, type CaseQuery, type CaseStore } from './case-store.js';
import {
  addCaseNote, appealCase, applyDetection, approveCase, claimEffects, dismissCase, foldCase, newCase, recordActions, reinstateCase, type CaseEffect, type DetectionContext, type Transition,
} from './case-transitions.js';
import { decideAction } from './decide-action.js';
import type { Detection, OrgFacts } from './detection-input.js';
import type { AuditAppender, AuditRecord, EnforcementTarget } from './enforcement-target.js';
import { executeEffect } from './executor.js';
import { customerNotice, opsNotice, type NoticeEvent } from './notices.js';
import type { Playbooks } from './playbook-schema.js';
import type { WebhookNotifier } from './webhook-notifier.js';
import type { OperationsMetrics } from '../ops/metrics.js';
import { DomainError } from '../errors/domain-error.js';

export interface EnforcementServiceDeps {
  store: CaseStore;
  target: EnforcementTarget;
  audit: AuditAppender;
  /** Playbooks in force now (e.g. playbooksFromPolicy(view.current().rules)). */
  playbooks(): Playbooks;
  /** Attributes, grants, affiliates and contact webhook of an org, from the store or view. */
  orgFacts(orgId: string): Promise<OrgFacts | undefined>;
  /** Caller-facing text of a clause id (policy `clauses:`), for customer notices. */
  clauseText?(ref: string): string;
  notifier?: WebhookNotifier;
  opsWebhookUrl?: string;
  clock: Clock;
  newCaseId?: () => string;
  /** Case events and actions carried out, counted for /metrics. */
  metrics?: Pick<OperationsMetrics, 'cases' | 'enforcementActions'>;
}

const MAX_CONFLICT_RETRIES = 5;
/** Merged cases followed to the one holding them (each merge is a cluster absorbed; far more than a network sees). */
const MAX_MERGE_HOPS = 256;
/** Other clusters' cases one detection folds in. */
const MAX_FOLDED = 50;

export function newCaseId(): string {
  return `case_${randomBytes(8).toString('hex')}`;
}

/** Audit entries for the timeline steps added between `before` and `after`. */
function auditSteps(before: Case | undefined, after: Case): AuditRecord[] {
  return after.timeline.slice(before?.timeline.length ?? 0).map((s) => ({
    actor: s.actor,
    action: `case.${s.kind}`,
    target: after.id,
    data: { key: after.key, status: after.status, orgIds: after.orgIds, text: s.text, ...(s.data ? { step: s.data } : {}) },
  }));
}

export class EnforcementService {
  constructor(private readonly deps: EnforcementServiceDeps) {}

  private now(): Date {
    return new Date(this.deps.clock.now());
  }

  get(id: string): Promise<Case | undefined> {
    return this.deps.store.get(id);
  }

  list(q?: CaseQuery): Promise<Case[]> {
    return this.deps.store.list(q);
  }

  private async facts(orgId: string): Promise<OrgFacts> {
    return (await this.deps.orgFacts(orgId)) ?? { attributes: {}, grants: [], affiliates: [] };
  }

  /** Opens or updates the case for a detection and carries out an automatic action. */
  async onDetection(d: Detection, knownFacts?: OrgFacts): Promise<Case> {
    const facts = knownFacts ?? (await this.facts(d.org));
    const plan = decideAction(d, facts, this.deps.playbooks());
    for (let i = 0; ; i++) {
      const ctx = { detection: d, facts, plan, now: this.now(), newId: (this.deps.newCaseId ?? newCaseId)() };
      const { stored: existing, base, folded } = await this.caseFor(ctx);
      // The actions are claimed in the same save as the case: a second worker's retry reads them as under way.
      const t = claimEffects(applyDetection(base, ctx), ctx.now);
      try {
        // The case and the cases folded into it are written together or not at all (a lost race is retried whole).
        const saved = (
          await this.deps.store.saveAll([
            { case: t.case, audit: auditSteps(existing, t.case) },
            ...folded.map((f) => ({ case: f.after, audit: auditSteps(f.before, f.after) })),
          ])
        )[0]!;
        if (!existing) this.deps.metrics?.cases.inc({ event: 'opened' });
        const newlyProposed = saved.proposedAction && saved.status === 'open' && saved.timeline.slice(existing?.timeline.length ?? 0).some((s) => s.kind === 'proposed');
        if (newlyProposed) await this.notifyOps('action.proposed', saved);
        return await this.runEffects(saved, t.effects);
      } catch (e) {
        if (!(e instanceof CaseConflictError) || i >= MAX_CONFLICT_RETRIES) throw e;
      }
    }
  }

  /** The case that holds `c`: itself, or the case a merged one was folded into (followed along a chain). */
  private async holderOf(c: Case | undefined): Promise<Case | undefined> {
    const seen = new Set<string>();
    while (c?.status === 'merged') {
      seen.add(c.id);
      const next = c.mergedInto && !seen.has(c.mergedInto) && seen.size < MAX_MERGE_HOPS ? await this.deps.store.get(c.mergedInto) : undefined;
      if (!next) throw new MergedCaseError(c.id, c.mergedInto, c.mergedInto !== undefined && seen.has(c.mergedInto) ? 'a loop' : 'no case');
      c = next;
    }
    return c;
  }

  /**
   * The case a detection updates: its org's or cluster's, following a merged case to the one that holds it. A
   * cluster's detection also gathers the cases of clusters since linked into it (they share accounts with it) and
   * folds them into its case, opened for the purpose when it has none yet.
   */
  private async caseFor(ctx: DetectionContext): Promise<{ stored: Case | undefined; base: Case | undefined; folded: Array<{ before: Case; after: Case }> }> {
    const { plan } = ctx;
    const stored = await this.holderOf(await this.deps.store.getByKey(plan.caseKey));
    if (plan.scope !== 'cluster') return { stored, base: stored, folded: [] };
    const others = (await this.deps.store.list({ kind: 'cluster', anyOrg: plan.orgIds, excludeStatus: 'merged', limit: MAX_FOLDED })).filter((c) => c.id !== stored?.id);
    if (!others.length) return { stored, base: stored, folded: [] };
    let base = stored ?? newCase(ctx);
    const folded: Array<{ before: Case; after: Case }> = [];
    for (const o of others) {
      const f = foldCase(base, o, ctx.now);
      base = f.into;
      folded.push({ before: o, after: f.from });
    }
    return { stored, base, folded };
  }

  private async decision(id: string, fn: (c: Case, now: Date) => Transition, event?: NoticeEvent, counted?: string): Promise<Case> {
    for (let i = 0; ; i++) {
      const cur = await this.deps.store.get(id);
      if (!cur) throw new CaseNotFoundError(id);
      const now = this.now();
      const t = claimEffects(fn(cur, now), now);
      try {
        const saved = await this.deps.store.save(t.case, auditSteps(cur, t.case));
        if (counted) this.deps.metrics?.cases.inc({ event: counted });
        if (event) await this.notifyOps(event, saved);
        return await this.runEffects(saved, t.effects);
      } catch (e) {
        if (!(e instanceof CaseConflictError) || i >= MAX_CONFLICT_RETRIES) throw e;
      }
    }
  }

  approve(id: string, actor: string, note: string): Promise<Case> {
    return this.decision(id, (c, now) => approveCase(c, actor, note, now), undefined, 'approved');
  }
  dismiss(id: string, actor: string, note: string): Promise<Case> {
    return this.decision(id, (c, now) => dismissCase(c, actor, note, now), 'case.dismissed', 'dismissed');
  }
  reinstate(id: string, actor: string, note: string): Promise<Case> {
    return this.decision(id, (c, now) => reinstateCase(c, actor, note, now), undefined, 'reinstated');
  }
  appeal(id: string, actor: string, note: string): Promise<Case> {
    return this.decision(id, (c, now) => appealCase(c, actor, note, now), 'case.appealed', 'appealed');
  }
  addNote(id: string, actor: string, note: string): Promise<Case> {
    return this.decision(id, (c, now) => ({ case: addCaseNote(c, actor, note, now), effects: [] }));
  }

  /** Executes effects, sends notices, and records both on the case. */
  private async runEffects(c: Case, effects: readonly CaseEffect[]): Promise<Case> {
    let current = c;
    for (const effect of effects) {
      const now = this.now();
      const res = await executeEffect(effect, { caseId: c.id, reason: c.title, now }, { target: this.deps.target, audit: this.deps.audit });
      for (const t of res.taken) this.deps.metrics?.enforcementActions.inc({ action: t.action });
      // What was done is recorded even when its notices cannot be queued: left unrecorded, the action would be
      // carried out again once its claim expired.
      let notified: string[] = [];
      let noticeError: string | undefined;
      try {
        notified = await this.notifyExecution(current, effect, res.taken);
      } catch (e) {
        noticeError = (e as Error).message;
      }
      for (let i = 0; ; i++) {
        // A case folded into another meanwhile: what was done is recorded on the case that holds it now.
        const base = i === 0 ? current : ((await this.holderOf(await this.deps.store.get(c.id))) as Case);
        let next = recordActions(base, res.taken, res.failures, now, effect.kind === 'execute' ? effect.claim : undefined);
        if (notified.length || noticeError) {
          next = structuredClone(next);
          for (const n of notified) next.timeline.push({ at: now.toISOString(), kind: 'notified', actor: 'automation:notifier', text: n });
          if (noticeError) next.timeline.push({ at: now.toISOString(), kind: 'notice_failed', actor: 'automation:notifier', text: `notices could not be queued: ${noticeError}` });
        }
        try {
          current = await this.deps.store.save(next, auditSteps(base, next));
          break;
        } catch (e) {
          if (!(e instanceof CaseConflictError) || i >= MAX_CONFLICT_RETRIES) throw e;
        }
      }
    }
    return current;
  }

  private async notifyOps(event: NoticeEvent, c: Case): Promise<string | undefined> {
    const { notifier, opsWebhookUrl } = this.deps;
    if (!notifier || !opsWebhookUrl) return undefined;
    await notifier.enqueue({ target: 'ops', url: opsWebhookUrl, event, caseId: c.id, body: opsNotice(event, c, this.now().toISOString()) });
    return `${event} notice queued for operations`;
  }

  private async notifyExecution(c: Case, effect: CaseEffect, taken: readonly ActionTaken[]): Promise<string[]> {
    const out: string[] = [];
    if (taken.length === 0) return out;
    const ops = await this.notifyOps(effect.kind === 'lift' ? 'case.reinstated' : 'action.executed', c);
    if (ops) out.push(ops);
    const notifier = this.deps.notifier;
    const tellCustomer = effect.kind === 'lift' || effect.action.notifyCustomer;
    if (!notifier || !tellCustomer) return out;
    const clauseId = effect.kind === 'execute' ? effect.action.clause : c.clause;
    const clause = { id: clauseId, text: this.deps.clauseText?.(clauseId) ?? clauseId };
    for (const t of taken) {
      for (const orgId of t.orgIds) {
        const url = (await this.deps.orgFacts(orgId))?.contactWebhook;
        if (!url) continue;
        await notifier.enqueue({ target: `customer:${orgId}`, url, event: 'customer.notice', caseId: c.id, body: customerNotice(orgId, c, t, clause, this.now().toISOString()) });
        out.push(`customer notice queued for ${orgId}`);
      }
    }
    return out;
  }
}

/** A merged case whose chain does not end at a case that holds it (a missing case, or a loop). */
export class MergedCaseError extends DomainError {
  constructor(readonly caseId: string, readonly mergedInto: string | undefined, found: string) {
    super('conflict', `case ${caseId} is merged into ${mergedInto ?? 'nothing'}, and following it finds ${found}`);
    this.name = 'MergedCaseError';
  }
}

export class CaseNotFoundError extends DomainError {
  constructor(readonly caseId: string) {
    super('not_found', `no case ${caseId}`);
    this.name = 'CaseNotFoundError';
  }
}

export type { AuditRecord };
