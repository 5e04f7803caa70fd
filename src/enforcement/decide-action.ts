// The playbook engine: a pure function from (detection, org facts, playbooks) to an action plan. Rules are
// tried in order and the first whose conditions all hold wins; no match means "record only" (none).
import type { ActivityLabel } from '../model/activity.js';
import { parseDuration } from '../policy/duration.js';
import { grantList, holdsGrant, type Detection, type OrgFacts } from './detection-input.js';
import type { ActionType, PlaybookRule, Playbooks } from './playbook-schema.js';

export interface ActionPlan {
  type: ActionType;
  requiresApproval: boolean;
  /** The playbook rule that matched; absent when none did. */
  ruleId?: string;
  clause?: string;
  /** Labels of the activities that satisfied the rule, and their highest confidence. */
  labels: ActivityLabel[];
  confidence: number;
  /** org: one case for the detected org; cluster: one case for every member of its cluster. */
  scope: 'org' | 'cluster';
  orgIds: string[];
  /** `org:<id>` or `cluster:<id>`: the one case this detection opens or updates. */
  caseKey: string;
  /** throttle and suspend. */
  durationMs?: number;
  throttleFactor?: number;
  /** restrict: the grant purposes the org keeps. */
  keepsGrants?: string[];
  /** scope violation: record that requests outside these purposes' scope are refused. */
  purposeScopeRestriction?: string[];
  notifyCustomer: boolean;
}

const DEFAULT_THROTTLE_FACTOR = 0.1;

function attributesEqual(have: Readonly<Record<string, string | number | boolean>> | undefined, want: Record<string, string | number | boolean>): boolean {
  return Object.entries(want).every(([k, v]) => have?.[k] === v);
}

function orgConditionsHold(rule: PlaybookRule, d: Detection, facts: OrgFacts): boolean {
  const w = rule.when;
  if (w.attributes && !attributesEqual(facts.attributes, w.attributes)) return false;
  if (w.affiliated) {
    const { relations, attributes } = w.affiliated;
    const ok = facts.affiliates.some((a) => (relations as readonly string[]).includes(a.relation) && (!attributes || attributesEqual(a.attributes, attributes)));
    if (!ok) return false;
  }
  if (w.grants?.has && !w.grants.has.every((p) => holdsGrant(facts, p))) return false;
  if (w.grants?.lacks && w.grants.lacks.some((p) => holdsGrant(facts, p))) return false;
  const inCluster = d.cluster !== null && d.cluster.orgs.length >= 2;
  if (w.cluster !== undefined && w.cluster !== inCluster) return false;
  return true;
}

function noAction(d: Detection): ActionPlan {
  const labels = d.activities.map((a) => a.label);
  const confidence = Math.max(0, ...d.activities.map((a) => a.confidence));
  return { type: 'none', requiresApproval: false, labels, confidence, scope: 'org', orgIds: [d.org], caseKey: `org:${d.org}`, notifyCustomer: false };
}

export function decideAction(d: Detection, facts: OrgFacts, playbooks: Playbooks): ActionPlan {
  for (const rule of playbooks.rules) {
    const hits = d.activities.filter((a) => (rule.when.labels as readonly string[]).includes(a.label) && a.confidence >= rule.when.min_confidence);
    if (hits.length === 0 || !orgConditionsHold(rule, d, facts)) continue;
    const cluster = rule.scope === 'cluster' && d.cluster ? d.cluster : null;
    const plan: ActionPlan = {
      type: rule.action,
      requiresApproval: rule.action !== 'none' && rule.approval === 'required' && !playbooks.auto_enforce,
      ruleId: rule.id,
      clause: rule.clause,
      labels: hits.map((a) => a.label),
      confidence: Math.max(...hits.map((a) => a.confidence)),
      scope: cluster ? 'cluster' : 'org',
      orgIds: cluster ? [...cluster.orgs].sort() : [d.org],
      caseKey: cluster ? `cluster:${cluster.id}` : `org:${d.org}`,
      notifyCustomer: rule.notify_customer && rule.action !== 'none',
    };
    if (rule.duration !== undefined) plan.durationMs = parseDuration(rule.duration) as number;
    if (rule.action === 'throttle') plan.throttleFactor = rule.throttle_factor ?? DEFAULT_THROTTLE_FACTOR;
    if (rule.action === 'restrict') plan.keepsGrants = grantList(facts);
    if (rule.restrict_purpose_scope) plan.purposeScopeRestriction = grantList(facts);
    return plan;
  }
  return noAction(d);
}
