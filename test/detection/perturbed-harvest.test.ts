// A harvest sent after made-up turns on every request must still read as a harvest (the eval's
// `preamble` and `histories` perturbations, docs/detection.md). Shipped models; what is tested is how the traffic is sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { formatRun, runEval } from '../../src/lab/eval/run-eval.js';

const assets = loadDetectionAssets();
const families = ['distiller', 'hydra', 'support_bot', 'coding_agent', 'small_developers', 'vendor_eval', 'fiction_app'];

test('a distiller that puts a fixed conversation preamble before every item is still caught; ordinary apps are not labelled', async () => {
  // Seeds 2 and 3 both missed the distiller before a repeated history was read as single-turn traffic.
  for (const seed of [2, 3]) {
    const r = await runEval({ scenario: 'mixed', seed, scale: 0.4, plan: { split: 'holdout' }, perturb: ['preamble'], families }, assets, []);
    const text = formatRun(r);
    for (const a of r.actors) {
      if (a.kind === 'misuse') assert.ok(a.caught, `seed ${seed}: ${a.family} missed\n${text}`);
      else assert.equal(a.falseLabels, 0, `seed ${seed}: ${a.family}\n${text}`);
    }
  }
});

test('a distiller that invents a new conversation before every item is still caught; ordinary apps are not labelled', async () => {
  // No history repeats, so no request reads as single-turn. Seeds 2, 3 and 8 missed the distiller before its score
  // was fitted to do without the single-turn share (the `turns` robustness group in rules/scores/scores.yaml).
  for (const seed of [2, 3, 8]) {
    const r = await runEval({ scenario: 'mixed', seed, scale: 0.4, plan: { split: 'holdout' }, perturb: ['histories'], families }, assets, []);
    const text = formatRun(r);
    for (const a of r.actors) {
      if (a.kind === 'misuse') assert.ok(a.caught, `seed ${seed}: ${a.family} missed\n${text}`);
      else assert.equal(a.falseLabels, 0, `seed ${seed}: ${a.family}\n${text}`);
    }
  }
});
