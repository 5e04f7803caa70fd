// The notices enforcement sends. The provider's operations get the case summary; the customer gets only
// what it needs to understand and contest the decision: action, clause, case id, dates. Never evidence.
import type { Case } from './case-model.js';
import type { ActionTaken } from './case-model.js';

export type NoticeEvent = 'case.opened' | 'action.proposed' | 'action.executed' | 'case.dismissed' | 'case.reinstated' | 'case.appealed';

export function opsNotice(event: NoticeEvent, c: Case, at: string): string {
  return JSON.stringify({
    type: `moat.${event}`,
    at,
    case: {
      id: c.id, title: c.title, status: c.status, severity: c.severity, kind: c.kind, orgIds: c.orgIds, labels: c.labels, confidence: c.confidence,
      clause: c.clause, proposedAction: c.proposedAction ?? null, actionsTaken: c.actionsTaken,
    },
  });
}

const VERB: Record<string, string> = {
  notify: 'is notified of a breach of the terms',
  throttle: 'has temporarily reduced rate limits',
  restrict: 'is restricted to what its grants allow',
  suspend: 'is suspended',
  revoke: 'has had its access revoked',
  lift: 'has had its access reinstated',
};

export function customerNotice(orgId: string, c: Case, taken: Pick<ActionTaken, 'action' | 'until'>, clause: { id: string; text: string }, at: string): string {
  const until = taken.until ? ` until ${taken.until}` : '';
  return JSON.stringify({
    type: taken.action === 'lift' ? 'moat.access.reinstated' : 'moat.enforcement.notice',
    at,
    org: orgId,
    action: taken.action,
    ...(taken.until ? { until: taken.until } : {}),
    clause,
    caseId: c.id,
    message: `Your organization ${VERB[taken.action] ?? taken.action}${until} under ${clause.text} (case ${c.id}). To appeal, contact the provider citing the case id.`,
  });
}
