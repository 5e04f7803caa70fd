// Applies plan steps to a PolicyState in memory. This is the reference semantics every store's applyPlan must
// match (the store does the same inside one transaction, writing audit entries), and it is what tests and
// `moat replay --policy` use to evaluate a policy without a database.
import { affiliationIdentity, keyIdentity, type PolicyState } from './policy-state.js';
import type { PlanStep } from './plan-policy.js';

function applyTo<T>(list: readonly T[], identity: (t: T) => string, step: { action: string; id: string; after?: T }): T[] {
  const rest = list.filter((t) => identity(t) !== step.id);
  if (step.action === 'delete') return rest;
  if (!step.after) throw new Error(`${step.action} step ${step.id} has no "after"`);
  const i = list.findIndex((t) => identity(t) === step.id);
  if (step.action === 'create' && i >= 0) throw new Error(`create step ${step.id}: already exists`);
  if (step.action === 'update' && i < 0) throw new Error(`update step ${step.id}: does not exist`);
  const out = [...list];
  if (i >= 0) out[i] = step.after;
  else out.push(step.after);
  return out;
}

export function applyPlanToState(state: PolicyState, steps: readonly PlanStep[]): PolicyState {
  let s: PolicyState = { ...state };
  for (const step of steps) {
    switch (step.kind) {
      case 'rules':
        if (!step.after) throw new Error('rules step has no "after"');
        s = { ...s, rules: step.after };
        break;
      case 'org':
        s = { ...s, orgs: applyTo(s.orgs, (o) => o.id, step) };
        break;
      case 'affiliation':
        s = { ...s, affiliations: applyTo(s.affiliations, affiliationIdentity, step) };
        break;
      case 'grant':
        s = { ...s, grants: applyTo(s.grants, (g) => g.id, step) };
        break;
      case 'key':
        s = { ...s, keys: applyTo(s.keys, keyIdentity, step) };
        break;
      case 'admin':
        s = { ...s, admins: applyTo(s.admins, (a) => a.name, step) };
        break;
    }
  }
  return s;
}
