// Detection quality with real actions: simulator traffic is replayed with the shipped models and its labels are
// turned into actions by the enforcement engine with the default playbook (approval and automatic mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ActionInput } from '../../src/detection/action-for.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import type { Activity } from '../../src/model/activity.js';
import { defaultPlaybooks } from '../../src/enforcement/default-playbook.js';
import { playbookActionFor } from '../../src/enforcement/replay-action.js';
import { formatRun, runEval, type ActionMode } from '../../src/lab/eval/run-eval.js';

const approval = { playbooks: defaultPlaybooks({ autoEnforce: false }) };
const automatic = { playbooks: defaultPlaybooks({ autoEnforce: true }) };
const modes: ActionMode[] = [
  { name: 'approval', actionFor: playbookActionFor, policy: approval },
  { name: 'automatic', actionFor: playbookActionFor, policy: automatic },
];
const assets = loadDetectionAssets();

const benchmarking: Activity = { label: 'benchmarking', confidence: 0.95, first_detected: { request: 40, ts: '2026-08-01T10:00:00.000Z' }, rules: ['bench.evaluation-sweep'], evidence: {} };

function input(attributes: Record<string, boolean>, grants: string[], affiliates: ActionInput['facts']['affiliates'] = []): ActionInput {
  return { org: 'org_x', facts: { known: true, attributes, grants: new Set(grants), affiliates }, activities: [benchmarking], cluster: null };
}

test('playbook actions: benchmarking by a non-competitor is recorded only; by a competitor or its affiliate it restricts or revokes', () => {
  for (const policy of [approval, automatic]) {
    assert.equal(playbookActionFor({ ...input({}, []), policy }).type, 'none');
    assert.equal(playbookActionFor({ ...input({ competitor: false }, ['safety_evaluation']), policy }).type, 'none');
    assert.equal(playbookActionFor({ ...input({}, [], [{ org: 'p', relation: 'partner', attributes: { competitor: true } }]), policy }).type, 'none');
  }
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, ['safety_evaluation']), policy: approval }), { type: 'restrict', requires_approval: true });
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, ['safety_evaluation']), policy: automatic }), { type: 'restrict', requires_approval: false });
  assert.deepEqual(playbookActionFor({ ...input({ competitor: true }, []), policy: automatic }), { type: 'revoke', requires_approval: false });
  const acquired = [{ org: 'org_parent', relation: 'acquirer', attributes: { competitor: true } }];
  assert.deepEqual(playbookActionFor({ ...input({}, ['safety_evaluation'], acquired), policy: automatic }), { type: 'restrict', requires_approval: false });
  assert.deepEqual(playbookActionFor({ ...input({}, [], acquired), policy: approval }), { type: 'revoke', requires_approval: true });
});

test('eval with the default playbook (scaled down): misuse acted on, no action against any legitimate org', async () => {
  const r = await runEval({ scenario: 'mixed', seed: 5, scale: 0.3, plan: { split: 'holdout' } }, assets, modes);
  const text = formatRun(r);
  for (const a of r.actors.filter((x) => x.kind === 'legit')) assert.equal(a.actions, 0, `${a.family}\n${text}`);
  for (const a of r.actors.filter((x) => x.kind === 'misuse')) assert.ok(a.caught, `${a.family}\n${text}`);
  const actor = (name: string) => r.actors.find((a) => a.family === name)!;
  // The 2025 case: the competitor is restricted (it keeps its safety grant) or revoked (it has none); approval mode waits.
  const rival = actor('competitor_sweep').actionsByMode;
  assert.ok(['restrict', 'revoke'].includes(Object.keys(rival.automatic ?? {})[0]!), text);
  assert.ok(Object.keys(rival.approval ?? {})[0]!.endsWith('?'), text);
  const hydra = actor('hydra');
  assert.equal(hydra.actionsByMode.automatic?.suspend, hydra.detected, text);
  // A non-competitor's own evaluation is labelled benchmarking, and that label stays without consequence.
  assert.ok((actor('vendor_eval').found.benchmarking ?? 0) > 0, text);
});

test('eval fails when a playbook acts on a legitimate org (the check can fail)', async () => {
  const strict = structuredClone(defaultPlaybooks({ autoEnforce: true }));
  strict.rules = strict.rules.map((rule) => (rule.id === 'benchmarking-recorded' ? { ...rule, action: 'notify' as const } : rule));
  const r = await runEval({ scenario: 'mixed', seed: 5, scale: 0.3, plan: { split: 'holdout' } }, assets, [{ name: 'strict', actionFor: playbookActionFor, policy: { playbooks: strict } }]);
  const vendor = r.actors.find((a) => a.family === 'vendor_eval')!;
  assert.ok(vendor.actions > 0 && vendor.problems.some((p) => p.startsWith('action on')), formatRun(r));
});
