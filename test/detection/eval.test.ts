import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatRun, median, runEval } from '../../src/detection/eval/evaluate.js';

// A small, fast version of `npm run eval:detect`: one seed, scaled-down mixed scenario, held-out corpus split.
test('eval (scaled down): every misuse actor labelled, no false labels or actions on legitimate orgs', async () => {
  const r = await runEval({ scenario: 'mixed', seed: 7, split: 'holdout', scale: 0.3 });
  const text = formatRun(r);
  assert.ok(r.pass, text);
  const rtd = r.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.requestsToDetect);
  assert.ok(median(rtd) <= 300, text);
  assert.ok(r.actors.some((a) => a.actor === 'distillation_hydra' && a.requestsToDetect.length >= 5), text);
});
