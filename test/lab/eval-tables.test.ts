// The generalisation eval's tables (docs/detection.md quotes them): per family over runs, with the targets that
// are not met, and for linked legitimate orgs the highest score of their clusters under both fits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { familyRows, formatFamilyTables, unmetTargets, type FoldRun } from '../../src/lab/eval/generalisation-eval.js';
import type { ActorResult } from '../../src/lab/eval/run-eval.js';

function actor(over: Partial<ActorResult> & Pick<ActorResult, 'family' | 'kind'>): ActorResult {
  return {
    orgs: 1, expected: [], found: {}, detected: 0, requestsToDetect: [], requestsAfterStart: [], falseLabels: 0, actions: 0, actionsByMode: {},
    linkedIntoMisuse: 0, linked: 0, caught: false, maxScores: {}, maxClusterScores: {}, problems: [], ...over,
  };
}

function run(seed: number, actors: ActorResult[]): FoldRun {
  return { fold: 'A', run: { spec: { scenario: 'mixed', seed, plan: { split: 'holdout', misuse: new Set() } }, requests: 100, actors } };
}

test('eval tables: a network caught in one run of two misses the target; linked legitimate orgs show both fits of their clusters', () => {
  const runs = [
    run(1, [
      actor({ family: 'hydra', kind: 'misuse', orgs: 10, detected: 10, caught: true, requestsToDetect: [3, 5], requestsAfterStart: [3, 5], largestClusterShare: 1 }),
      actor({ family: 'university_lab', kind: 'legit', orgs: 20, linked: 20, maxScores: { benchmarking: 0.1 }, maxClusterScores: { benchmarking: 0.08, distillation: 0.65, 'network.benchmarking': 0.41, 'network.distillation': 0.48 } }),
      actor({ family: 'support_bot', kind: 'legit' }),
    ]),
    run(2, [
      actor({ family: 'hydra', kind: 'misuse', orgs: 10, detected: 0, caught: false, largestClusterShare: 0.8 }),
      actor({ family: 'university_lab', kind: 'legit', orgs: 20, linked: 20, maxClusterScores: { benchmarking: 0.2, distillation: 0.5, 'network.benchmarking': 0.3, 'network.distillation': 0.6 } }),
      actor({ family: 'support_bot', kind: 'legit' }),
    ]),
  ];
  const rows = familyRows(runs);
  const text = formatFamilyTables(rows);
  const line = (family: string) => text.split('\n').find((l) => l.startsWith(`| ${family} |`))!;
  assert.match(line('hydra'), /\| 1\/2 \(50%\) \| 10\/20 \| 4 \(5\) \| 4 \| 80% \|/);
  // Highest over runs, label by label, for each fit.
  assert.match(line('university_lab'), /\| 0\.20 \/ 0\.65 \/ 0\.00 \(cluster fit 0\.41 \/ 0\.60 \/ 0\.00\) \|$/);
  assert.match(line('support_bot'), /\| 0\.00 \/ 0\.00 \/ 0\.00 \|  \|$/, 'no cluster, no cluster scores');
  const unmet = unmetTargets(rows);
  assert.ok(unmet.some((u) => u.startsWith('hydra: caught in 1/2 runs')), unmet.join('\n'));
  assert.ok(unmet.some((u) => u.startsWith('hydra: as little as 80% of members in one cluster')), unmet.join('\n'));
  assert.ok(!unmet.some((u) => u.startsWith('university_lab')), 'linked legitimate orgs with no label are no unmet target');
});
