// The replay seam: detection's report computes each org's `action` through an ActionFor function; this one
// runs the playbook engine, so `moat replay --policy NEW.yaml` previews exactly what enforcement would do.
import type { ActionFor, ActionInput, ReportAction } from '../detection/action-for.js';
import { decideAction } from './decide-action.js';
import type { OrgFacts } from './detection-input.js';
import { playbooksFromPolicy } from './playbooks-from-policy.js';

export function factsFromDetection(input: ActionInput): OrgFacts {
  const f = input.facts;
  return { ...(f.name !== undefined ? { name: f.name } : {}), attributes: f.attributes, grants: f.grants, affiliates: f.affiliates };
}

/** ActionFor over the playbooks of `input.policy` (a parsed policy file / rules document), default playbook otherwise. */
export const playbookActionFor: ActionFor = (input: ActionInput): ReportAction => {
  if (input.activities.length === 0) return { type: 'none', requires_approval: false };
  const plan = decideAction({ org: input.org, activities: input.activities, cluster: input.cluster }, factsFromDetection(input), playbooksFromPolicy(input.policy));
  return { type: plan.type, requires_approval: plan.requiresApproval };
};
