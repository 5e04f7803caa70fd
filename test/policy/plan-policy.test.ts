// planPolicy: a pure diff, idempotent after apply, ordered by dependencies, guarded against lock-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { applyPlanToState } from '../../src/policy/apply-plan-to-state.js';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import { planPolicy } from '../../src/policy/plan-policy.js';
import { emptyPolicyState, type PolicyState } from '../../src/policy/policy-state.js';

const example = loadPolicyFile(join(import.meta.dirname, '../../examples/policy.yaml'));
const story = loadPolicyFile(join(import.meta.dirname, 'stories/affiliate-cut-off.yaml'));

test('from an empty store, everything is created in dependency order', () => {
  const plan = planPolicy(emptyPolicyState(), example);
  assert.deepEqual(plan.steps.map((s) => `${s.action} ${s.kind} ${s.id}`), ['update rules rules', 'create org org_example', 'create key org_example/default', 'create admin ops']);
  assert.match(plan.text, /^\+ org org_example$/m);
  assert.match(plan.text, /features: \+batch \+coding_tools \+creative \+extended_thinking \+logprobs \+remote_tools \+skills \+web_search/);
  assert.match(plan.text, /Plan: 3 to create, 1 to update, 0 to delete\./);
});

test('planning the applied state again yields no steps', () => {
  for (const desired of [example, story]) {
    const applied = applyPlanToState(emptyPolicyState(), planPolicy(emptyPolicyState(), desired).steps);
    const again = planPolicy(applied, desired);
    assert.deepEqual(again.steps, []);
    assert.equal(again.text, 'No changes. The store matches the policy file.\n');
  }
});

test('store read-back differences that are not changes plan to nothing (key order, label order, prefix)', () => {
  const applied = applyPlanToState(emptyPolicyState(), planPolicy(emptyPolicyState(), example).steps);
  const readBack: PolicyState = JSON.parse(JSON.stringify(applied));
  readBack.orgs[0]!.attributes = Object.fromEntries(Object.entries(readBack.orgs[0]!.attributes).reverse());
  readBack.keys[0]!.prefix = 'moat_live_abcdefgh';
  readBack.rules = Object.fromEntries(Object.entries(readBack.rules).reverse());
  assert.deepEqual(planPolicy(readBack, example).steps, []);
});

test('updates name the changed fields with before and after; deletes come last, in reverse order', () => {
  const current = applyPlanToState(emptyPolicyState(), planPolicy(emptyPolicyState(), story).steps);
  const desired: PolicyState = structuredClone(story);
  desired.orgs = desired.orgs.filter((o) => o.id !== 'org_partner');
  desired.affiliations = desired.affiliations.filter((a) => a.orgId !== 'org_partner');
  const startup = desired.orgs.find((o) => o.id === 'org_startup')!;
  Object.assign(startup, { status: 'restricted', statusReason: 'affiliation', statusClause: 'tos-2.3a' });
  const plan = planPolicy(current, desired, { prune: true });
  assert.deepEqual(plan.steps.map((s) => `${s.action} ${s.kind} ${s.id}`), [
    'update org org_startup',
    'delete affiliation org_partner->org_bigrival:partner',
    'delete org org_partner',
  ]);
  assert.deepEqual(plan.steps[0]!.fields, ['status', 'statusClause', 'statusReason']);
  assert.match(plan.text, /^ {4}status: "active" -> "restricted"$/m);
  assert.deepEqual(applyPlanToState(current, plan.steps), { ...desired, orgs: desired.orgs });
});

test('deletes only what the file owns: manage: globs own an org with its affiliations, grants and keys; prune deletes all', () => {
  const current = applyPlanToState(emptyPolicyState(), planPolicy(emptyPolicyState(), story).steps);
  const desired: PolicyState = { ...structuredClone(story), orgs: [], affiliations: [], grants: [], keys: [] };
  const ids = (p: ReturnType<typeof planPolicy>) => p.steps.map((s) => `${s.action} ${s.kind} ${s.id}`);
  const none = planPolicy(current, desired);
  assert.deepEqual(none.steps, []);
  assert.equal(none.unmanaged.length, current.orgs.length + current.affiliations.length + current.grants.length + current.keys.length);
  assert.match(none.text, /^No changes\.[^]*Kept \d+ objects not in the file and not owned by it/);

  const partner = planPolicy(current, desired, { manage: { orgs: ['org_part*'], admins: [] } });
  assert.deepEqual(ids(partner), ['delete affiliation org_partner->org_bigrival:partner', 'delete org org_partner']);
  assert.ok(partner.unmanaged.every((u) => !u.id.startsWith('org_partner')));

  const pruned = planPolicy(current, desired, { prune: true });
  assert.deepEqual(pruned.unmanaged, []);
  assert.equal(pruned.steps.filter((s) => s.action === 'delete').length, none.unmanaged.length);
});

test('a plan that revokes every org is refused unless forced', () => {
  const current = applyPlanToState(emptyPolicyState(), planPolicy(emptyPolicyState(), example).steps);
  const desired: PolicyState = structuredClone(current);
  desired.orgs = desired.orgs.map((o) => ({ ...o, status: 'revoked', statusReason: 'x', statusClause: 'tos-2.3a' }));
  const refused = planPolicy(current, desired);
  assert.equal(refused.refused, true);
  assert.match(refused.text, /Refused: this plan would leave no org with access .* Repeat with --force/);
  const forced = planPolicy(current, desired, { force: true });
  assert.equal(forced.refused, false);
  assert.equal(forced.steps.length, 1);
  // Deleting every org is the same lock-out.
  assert.equal(planPolicy(current, { ...current, orgs: [], keys: [] }, { prune: true }).refused, true);
  // Without prune or ownership nothing is deleted, so nothing is locked out.
  assert.equal(planPolicy(current, { ...current, orgs: [], keys: [] }).refused, false);
  // Revoking some orgs is not guarded.
  const two: PolicyState = structuredClone(story);
  assert.equal(planPolicy(two, { ...two, orgs: two.orgs.map((o) => (o.id === 'org_partner' ? { ...o, status: 'revoked' as const } : o)) }).refused, false);
});

test('a plan that removes the last admin is refused unless forced; demoting one of two is fine', () => {
  const current: PolicyState = { ...emptyPolicyState(), admins: [{ name: 'ops', role: 'admin' }, { name: 'sec', role: 'admin' }] };
  assert.equal(planPolicy(current, { ...current, admins: [{ name: 'ops', role: 'admin' }, { name: 'sec', role: 'viewer' }] }).refused, false);
  assert.equal(planPolicy(current, { ...current, admins: [{ name: 'ops', role: 'analyst' }] }).refused, false, 'sec is kept: the file does not own it');
  const none = planPolicy(current, { ...current, admins: [{ name: 'ops', role: 'analyst' }] }, { manage: { orgs: [], admins: ['*'] } });
  assert.equal(none.refused, true);
  assert.match(none.text, /remove the last admin/);
  assert.equal(planPolicy(current, { ...current, admins: [] }, { force: true }).refused, false);
});

test('property: applying any plan reaches the desired state, and a second plan is empty', () => {
  const org = fc.record({ id: fc.constantFrom('a', 'b', 'c', 'd'), name: fc.constantFrom('A', 'B'), tier: fc.constantFrom('free', 'pro'), attributes: fc.dictionary(fc.constantFrom('x', 'y'), fc.boolean()), labels: fc.uniqueArray(fc.constantFrom('l1', 'l2')), status: fc.constantFrom('active' as const, 'revoked' as const) });
  const stateArb = fc.record({
    orgs: fc.uniqueArray(org, { selector: (o) => o.id, maxLength: 4 }),
    admins: fc.uniqueArray(fc.record({ name: fc.constantFrom('p', 'q', 'r'), role: fc.constantFrom('viewer' as const, 'admin' as const) }), { selector: (a) => a.name }),
    rules: fc.record({ clauses: fc.dictionary(fc.constantFrom('c1', 'c2'), fc.record({ text: fc.constantFrom('t1', 't2') })) }),
  }).map((s): PolicyState => ({ ...emptyPolicyState(), ...s }));
  fc.assert(
    fc.property(stateArb, stateArb, (cur, des) => {
      const applied = applyPlanToState(cur, planPolicy(cur, des, { force: true }).steps);
      return planPolicy(applied, des).steps.length === 0;
    }),
    { numRuns: 200 },
  );
});
