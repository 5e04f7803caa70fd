// A harvest sent after made-up turns on every request must still read as a harvest (the eval's
// `preamble` and `histories` perturbations, docs/detection.md). Shipped models; what is tested is how the traffic is
// sent, so each seed is judged against the same seed sent plainly: whatever is caught plainly is caught perturbed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { formatRun, runEval } from '../../src/lab/eval/run-eval.js';

const assets = loadDetectionAssets();
const families = ['distiller', 'hydra', 'support_bot', 'coding_agent', 'small_developers', 'vendor_eval', 'fiction_app'];

async function assertSurvives(perturb: string, seeds: number[]): Promise<void> {
  let caughtPlain = 0;
  for (const seed of seeds) {
    const spec = { scenario: 'mixed', seed, scale: 0.4, plan: { split: 'holdout' as const }, families };
    const plain = await runEval(spec, assets, []);
    const r = await runEval({ ...spec, perturb: [perturb] }, assets, []);
    const text = formatRun(r);
    for (const a of r.actors) {
      const before = plain.actors.find((x) => x.family === a.family)!;
      if (a.kind === 'misuse') {
        if (before.caught) caughtPlain++;
        assert.ok(a.caught || !before.caught, `seed ${seed}: ${a.family} caught plainly, missed with ${perturb}\n${text}`);
      } else assert.equal(a.falseLabels, 0, `seed ${seed}: ${a.family}\n${text}`);
    }
  }
  // Every misuse actor of these seeds is caught plainly, so the comparison above is never vacuous.
  assert.equal(caughtPlain, 2 * seeds.length, 'misuse actors caught without the perturbation');
}

test('a distiller that puts a fixed conversation preamble before every item is still caught; ordinary apps are not labelled', async () => {
  // Before a repeated history was read as single-turn traffic, a fixed preamble took distillers out of the eval.
  await assertSurvives('preamble', [1, 4]);
});

test('a distiller that invents a new conversation before every item is still caught; ordinary apps are not labelled', async () => {
  // No history repeats. Distillers were missed this way before the score was fitted to do without the single-turn
  // share (the `turns` robustness group in rules/scores/scores.yaml); since the account never sent the turns its
  // items follow, they now read as single-turn as well (conversation-history.test.ts). Seed 5's
  // distiller, since harvest styles draw graded answer forms, asks for a graded form on most of its items, and with
  // invented histories too it reads as an evaluation (docs/detection.md, Known limits).
  await assertSurvives('histories', [4, 8]);
});
