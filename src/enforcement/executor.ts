// Turns an approved or automatic action into org changes through the injected target, one org at a time,
// auditing each step. A failure on one org is recorded and does not stop the others (a cluster suspension
// must not stay half-done because one member was deleted meanwhile).
import type { ActionTaken } from './case-model.js';
import type { CaseEffect } from './case-transitions.js';
import type { AuditAppender, EnforcementTarget } from './enforcement-target.js';

export interface ExecutorDeps {
  target: EnforcementTarget;
  audit: AuditAppender;
}

export interface ExecutionResult {
  taken: ActionTaken[];
  failures: Array<{ orgId: string; error: string }>;
}

export async function executeEffect(effect: CaseEffect, ctx: { caseId: string; reason: string; now: Date }, deps: ExecutorDeps): Promise<ExecutionResult> {
  const at = ctx.now.toISOString();
  const taken: ActionTaken[] = [];
  const failures: ExecutionResult['failures'] = [];
  const done: string[] = [];
  const action = effect.kind === 'lift' ? 'lift' : effect.action.action;
  const clause = effect.kind === 'execute' ? effect.action.clause : undefined;
  const until = effect.kind === 'execute' && effect.action.durationMs !== undefined ? new Date(ctx.now.getTime() + effect.action.durationMs).toISOString() : undefined;
  for (const orgId of effect.orgIds) {
    try {
      if (effect.kind === 'lift') {
        await deps.target.setOrgStatus(orgId, { status: 'active', reason: `reinstated: ${effect.note}`, caseId: ctx.caseId }, effect.actor);
        await deps.target.setThrottle(orgId, null, effect.actor);
      } else {
        const p = effect.action;
        const reason = ctx.reason;
        if (p.action === 'restrict') await deps.target.setOrgStatus(orgId, { status: 'restricted', reason, clause: p.clause, caseId: ctx.caseId }, effect.actor);
        else if (p.action === 'revoke') await deps.target.setOrgStatus(orgId, { status: 'revoked', reason, clause: p.clause, caseId: ctx.caseId }, effect.actor);
        else if (p.action === 'suspend') await deps.target.setOrgStatus(orgId, { status: 'suspended', reason, clause: p.clause, caseId: ctx.caseId, until: until as string }, effect.actor);
        else if (p.action === 'throttle') await deps.target.setThrottle(orgId, { factor: p.throttleFactor ?? 0.1, until: until as string, clause: p.clause, caseId: ctx.caseId }, effect.actor);
        // notify changes nothing on the org; a purpose-scope restriction is recorded on the case and audited.
      }
      done.push(orgId);
      await deps.audit.append({
        actor: effect.actor,
        action: `enforcement.${action}`,
        target: orgId,
        data: {
          caseId: ctx.caseId,
          ...(clause ? { clause } : {}),
          ...(until ? { until } : {}),
          ...(effect.kind === 'execute' && effect.action.purposeScopeRestriction ? { purposeScopeRestriction: effect.action.purposeScopeRestriction } : {}),
        },
      });
    } catch (e) {
      failures.push({ orgId, error: (e as Error).message });
      await deps.audit.append({ actor: effect.actor, action: `enforcement.${action}.failed`, target: orgId, data: { caseId: ctx.caseId, error: (e as Error).message } }).catch(() => undefined);
    }
  }
  if (done.length) taken.push({ at, action, orgIds: done, by: effect.actor, ...(clause ? { clause } : {}), ...(until ? { until } : {}) });
  return { taken, failures };
}
