import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRun, median, runEval } from '../../src/detection/eval/evaluate.js';

// A small, fast version of `npm run eval:detect`: one seed, scaled-down mixed scenario, held-out corpus split.
// Labels only: detection's own eval runs without the enforcement engine (actions are detection's placeholder),
// so the "no action on a legitimate org" check lives in test/e2e/eval-playbook-actions.test.ts.
test('eval (scaled down, labels only): every misuse actor labelled, no misuse label on legitimate orgs', async () => {
  const r = await runEval({ scenario: 'mixed', seed: 7, split: 'holdout', scale: 0.3 });
  const text = formatRun(r);
  assert.ok(r.pass, text);
  const rtd = r.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.requestsToDetect);
  assert.ok(median(rtd) <= 300, text);
  assert.ok(r.actors.some((a) => a.actor === 'distillation_hydra' && a.requestsToDetect.length >= 5), text);
});
