// Detection quality with real actions: the eval replays simulator traffic and turns its labels into actions with
// the enforcement engine and the default playbook (approval and automatic mode), as `npm run eval:detect` does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionInput } from '../../src/detection/action-for.js';
import { formatRun, runEval, type ActionMode } from '../../src/detection/eval/evaluate.js';
import type { Activity } from '../../src/detection/org-record.js';
import { defaultPlaybooks } from '../../src/enforcement/default-playbook.js';
import { playbookActionFor } from '../../src/enforcement/replay-action.js';

const approval = { playbooks: defaultPlaybooks({ autoEnforce: false }) };
const automatic = { playbooks: defaultPlaybooks({ autoEnforce: true }) };
const modes: ActionMode[] = [
  { name: 'approval', actionFor: playbookActionFor, policy: approval },
  { name: 'automatic', actionFor: playbookActionFor, policy: automatic },
];

const benchmarking: Activity = {
  label: 'benchmarking',
  confidence: 0.95,
  first_detected: { request: 40, ts: '2026-08-01T10:00:00.000Z' },
  rules: ['bench.known-items'],
  evidence: {},
};

function input(attributes: Record<string, boolean>, grants: string[]): ActionInput {
  return { org: 'org_x', facts: { known: true, attributes, grants: new Set(grants), affiliates: [] }, activities: [benchmarking], cluster: null };
}

test('playbook actions: a benchmarking label on a non-competitor is recorded only; on a competitor it restricts or revokes', () => {
  for (const policy of [approval, automatic]) {
    assert.equal(playbookActionFor({ ...input({}, []), policy }).type, 'none');
    assert.equal(playbookActionFor({ ...input({ competitor: false }, ['safety_evaluation']), policy }).type, 'none');
  }
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, ['safety_evaluation']), policy: approval }), { type: 'restrict', requires_approval: true });
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, ['safety_evaluation']), policy: automatic }), { type: 'restrict', requires_approval: false });
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, []), policy: automatic }), { type: 'revoke', requires_approval: false });
});

test('eval with the default playbook (scaled down): misuse actors acted on, no action against any legitimate org', async () => {
  const r = await runEval({ scenario: 'mixed', seed: 5, split: 'holdout', scale: 0.3 }, { actions: modes });
  const text = formatRun(r);
  assert.ok(r.pass, text);
  for (const a of r.actors.filter((x) => x.kind === 'legit')) assert.equal(a.actions, 0, `${a.actor}\n${text}`);
  const actor = (name: string) => r.actors.find((a) => a.actor === name)!;
  // The 2025 case: the competitor keeps its safety grant, restricted; approval mode waits for an admin.
  assert.deepEqual(actor('competitor_sweep').actionsByMode, { approval: { 'restrict?': 1 }, automatic: { restrict: 1 } }, text);
  const hydra = actor('distillation_hydra');
  assert.deepEqual(hydra.actionsByMode.automatic, { suspend: hydra.orgs }, text);
  // A non-competitor's own evaluation is labelled benchmarking, and that label must stay without consequence.
  assert.ok((actor('enterprise_eval').found.benchmarking ?? 0) > 0, text);
});

test('eval fails when a playbook acts on a legitimate org (the check can fail)', async () => {
  const strict = structuredClone(defaultPlaybooks({ autoEnforce: true }));
  strict.rules = strict.rules.map((rule) => (rule.id === 'benchmarking-recorded' ? { ...rule, action: 'notify' as const } : rule));
  const r = await runEval({ scenario: 'mixed', seed: 5, split: 'holdout', scale: 0.3 }, { actions: [{ name: 'strict', actionFor: playbookActionFor, policy: { playbooks: strict } }] });
  const ent = r.actors.find((a) => a.actor === 'enterprise_eval')!;
  assert.equal(ent.pass, false, formatRun(r));
  assert.ok(ent.problems.some((p) => p.startsWith('action on')), formatRun(r));
  assert.equal(r.pass, false);
});
