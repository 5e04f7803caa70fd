import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { decideAction } from '../../src/enforcement/decide-action.js';
import { defaultPlaybooks } from '../../src/enforcement/default-playbook.js';
import type { Detection, OrgFacts } from '../../src/enforcement/detection-input.js';
import { playbooksSchema, type PlaybooksInput } from '../../src/enforcement/playbook-schema.js';
import { playbookActionFor } from '../../src/enforcement/replay-action.js';
import type { Activity, ActivityLabel } from '../../src/model/activity.js';

const act = (label: ActivityLabel, confidence = 0.9): Activity => ({ label, confidence, first_detected: { request: 40, ts: '2026-08-01T10:00:00.000Z' }, rules: [`r.${label}`], evidence: {} });
const det = (labels: ActivityLabel[], cluster: Detection['cluster'] = null, confidence = 0.9): Detection => ({ org: 'org_a', activities: labels.map((l) => act(l, confidence)), cluster });
const facts = (o: Partial<OrgFacts> = {}): OrgFacts => ({ attributes: {}, grants: [], affiliates: [], ...o });
const competitor = (grants: string[] = []) => facts({ attributes: { competitor: true }, grants: new Set(grants) });
const hydra = { id: 'cl_1', orgs: ['org_c', 'org_a', 'org_b'] };

describe('default playbook (the 2025 case)', () => {
  const pb = defaultPlaybooks();
  const rows: Array<{ name: string; d: Detection; f: OrgFacts; type: string; approval: boolean; rule?: string; extra?: (p: ReturnType<typeof decideAction>) => void }> = [
    { name: 'competitor benchmarking with safety grant -> restrict (approval)', d: det(['benchmarking']), f: competitor(['safety_evaluation']), type: 'restrict', approval: true, rule: 'competitor-benchmarking-keeps-safety-grant',
      extra: (p) => assert.deepEqual(p.keepsGrants, ['safety_evaluation']) },
    { name: 'competitor benchmarking without grant -> revoke (approval)', d: det(['benchmarking']), f: competitor(), type: 'revoke', approval: true, rule: 'competitor-benchmarking' },
    { name: 'distillation cluster -> suspend every member automatically, one case', d: det(['distillation'], hydra), f: facts(), type: 'suspend', approval: false, rule: 'distillation-cluster',
      extra: (p) => {
        assert.deepEqual(p.orgIds, ['org_a', 'org_b', 'org_c']);
        assert.equal(p.caseKey, 'cluster:cl_1');
        assert.equal(p.durationMs, 30 * 86_400_000);
      } },
    { name: 'distillation single account -> suspend after approval', d: det(['distillation']), f: facts(), type: 'suspend', approval: true, rule: 'distillation-single-account',
      extra: (p) => assert.equal(p.caseKey, 'org:org_a') },
    { name: 'unauthorised safety probing -> throttle (notify) automatically', d: det(['safety_probing']), f: facts(), type: 'throttle', approval: false, rule: 'unauthorised-safety-probing',
      extra: (p) => {
        assert.equal(p.throttleFactor, 0.1);
        assert.equal(p.durationMs, 86_400_000);
        assert.equal(p.notifyCustomer, true);
      } },
    { name: 'safety probing by a grant holder matches no rule -> none', d: det(['safety_probing']), f: facts({ grants: ['safety_evaluation'] }), type: 'none', approval: false },
    { name: 'scope violation -> notify with a purpose-scope restriction', d: det(['scope_violation']), f: facts({ grants: ['safety_evaluation'] }), type: 'notify', approval: false, rule: 'grant-scope-violation',
      extra: (p) => assert.deepEqual(p.purposeScopeRestriction, ['safety_evaluation']) },
    { name: 'non-competitor benchmarking -> none (recorded)', d: det(['benchmarking']), f: facts({ attributes: { competitor: false } }), type: 'none', approval: false, rule: 'benchmarking-recorded',
      extra: (p) => assert.equal(p.notifyCustomer, false) },
    { name: 'no activities -> none', d: det([]), f: competitor(), type: 'none', approval: false },
    { name: 'competitor benchmarking and distillation: benchmarking rule comes first', d: det(['distillation', 'benchmarking'], hydra), f: competitor(), type: 'revoke', approval: true, rule: 'competitor-benchmarking' },
  ];
  for (const r of rows) {
    test(r.name, () => {
      const p = decideAction(r.d, r.f, pb);
      assert.equal(p.type, r.type);
      assert.equal(p.requiresApproval, r.approval);
      assert.equal(p.ruleId, r.rule);
      r.extra?.(p);
    });
  }

  test('auto_enforce: true makes the competitor rules automatic', () => {
    const auto = defaultPlaybooks({ autoEnforce: true });
    assert.equal(decideAction(det(['benchmarking']), competitor(['safety_evaluation']), auto).requiresApproval, false);
    assert.equal(decideAction(det(['benchmarking']), competitor(), auto).requiresApproval, false);
    // the default itself is untouched
    assert.equal(decideAction(det(['benchmarking']), competitor(), pb).requiresApproval, true);
  });
});

describe('playbook conditions', () => {
  const pb = (rules: PlaybooksInput['rules'], auto = false) => playbooksSchema.parse({ auto_enforce: auto, rules });
  const base = { action: 'notify' as const, clause: 'c1', approval: 'automatic' as const };

  test('min_confidence: an activity below it does not match', () => {
    const p = pb([{ id: 'a', when: { labels: ['benchmarking'], min_confidence: 0.95 }, ...base }]);
    assert.equal(decideAction(det(['benchmarking'], null, 0.9), facts(), p).type, 'none');
    assert.equal(decideAction(det(['benchmarking'], null, 0.96), facts(), p).type, 'notify');
  });

  test('affiliated: relation and affiliate attributes must both hold', () => {
    const p = pb([{ id: 'a', when: { labels: ['benchmarking'], affiliated: { relations: ['acquirer'], attributes: { competitor: true } } }, ...base }]);
    const withAff = (relation: string, competitorAff: boolean) => facts({ affiliates: [{ org: 'org_big', relation, attributes: { competitor: competitorAff } }] });
    assert.equal(decideAction(det(['benchmarking']), withAff('acquirer', true), p).type, 'notify');
    assert.equal(decideAction(det(['benchmarking']), withAff('acquirer', false), p).type, 'none');
    assert.equal(decideAction(det(['benchmarking']), withAff('partner', true), p).type, 'none');
  });

  test('cluster: false matches only orgs outside a cluster; a one-member cluster is no cluster', () => {
    const p = pb([{ id: 'a', when: { labels: ['distillation'], cluster: false }, ...base }]);
    assert.equal(decideAction(det(['distillation'], hydra), facts(), p).type, 'none');
    assert.equal(decideAction(det(['distillation'], { id: 'cl_9', orgs: ['org_a'] }), facts(), p).type, 'notify');
  });

  test('grants has/lacks', () => {
    const p = pb([{ id: 'a', when: { labels: ['benchmarking'], grants: { has: ['x'], lacks: ['y'] } }, ...base }]);
    assert.equal(decideAction(det(['benchmarking']), facts({ grants: ['x'] }), p).type, 'notify');
    assert.equal(decideAction(det(['benchmarking']), facts({ grants: ['x', 'y'] }), p).type, 'none');
    assert.equal(decideAction(det(['benchmarking']), facts({ grants: [] }), p).type, 'none');
  });

  test('the schema refuses a suspend without duration, a duration on revoke, duplicate ids and cluster scope without cluster condition', () => {
    const bad = [
      { auto_enforce: false, rules: [{ id: 'a', when: { labels: ['distillation'] }, action: 'suspend', clause: 'c' }] },
      { rules: [{ id: 'a', when: { labels: ['distillation'] }, action: 'revoke', duration: '1d', clause: 'c' }] },
      { rules: [{ id: 'a', when: { labels: ['distillation'] }, action: 'notify', clause: 'c' }, { id: 'a', when: { labels: ['benchmarking'] }, action: 'notify', clause: 'c' }] },
      { rules: [{ id: 'a', when: { labels: ['distillation'] }, action: 'notify', scope: 'cluster', clause: 'c' }] },
      { rules: [{ id: 'a', when: { labels: ['benchmarking'] }, action: 'notify' }] },
      { rules: [{ id: 'a', when: { labels: ['cheating'] }, action: 'notify', clause: 'c' }] },
    ];
    for (const b of bad) assert.equal(playbooksSchema.safeParse(b).success, false, JSON.stringify(b));
  });
});

describe('replay seam', () => {
  const input = (policy?: unknown) => ({
    org: 'org_a',
    facts: { known: true, attributes: { competitor: true }, grants: new Set(['safety_evaluation']), affiliates: [] },
    activities: [act('benchmarking', 0.97)],
    cluster: null,
    policy,
  });
  test('without a policy the default playbook decides', () => {
    assert.deepEqual(playbookActionFor(input()), { type: 'restrict', requires_approval: true });
  });
  test('a policy document with its own playbooks replaces the default', () => {
    const policy = { playbooks: { auto_enforce: true, rules: [{ id: 'x', when: { labels: ['benchmarking'] }, action: 'revoke', clause: 'c' }] } };
    assert.deepEqual(playbookActionFor(input(policy)), { type: 'revoke', requires_approval: false });
  });
  test('an org with no activities gets none', () => {
    assert.deepEqual(playbookActionFor({ ...input(), activities: [] }), { type: 'none', requires_approval: false });
  });
});

describe('playbooks in a policy file', async () => {
  const { parsePolicyFile } = await import('../../src/policy/parse-policy-file.js');
  test('a bad playbook rule is reported with file, line and path', () => {
    const text = ['playbooks:', '  rules:', '    - id: hydra', '      when: { labels: [distillation] }', '      action: suspend', '      duration: 3 days', '      clause: tos-2.3b', ''].join('\n');
    const r = parsePolicyFile({ text, file: 'p.yaml' }, { playbooks: playbooksSchema });
    assert.equal(r.ok, false);
    if (r.ok) return;
    const issue = r.issues.find((i) => i.path === 'playbooks.rules[0].duration');
    assert.ok(issue, JSON.stringify(r.issues));
    assert.equal(issue.file, 'p.yaml');
    assert.equal(issue.line, 6);
  });
  test('the default playbook is a valid policy playbooks section', async () => {
    const { readFileSync } = await import('node:fs');
    const { defaultPlaybookPath } = await import('../../src/enforcement/default-playbook.js');
    const body = readFileSync(defaultPlaybookPath(), 'utf8').split('\n').map((l) => `  ${l}`).join('\n');
    const r = parsePolicyFile({ text: `playbooks:\n${body}\n`, file: 'x.yaml' }, { playbooks: playbooksSchema });
    assert.equal(r.ok, true, r.ok ? '' : JSON.stringify(r.issues));
  });
});
