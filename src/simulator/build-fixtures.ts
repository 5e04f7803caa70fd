// Regenerates the rule fixture traces in test/fixtures/traces from the simulator (deterministic; committed).
// Run: npx tsx src/simulator/build-fixtures.ts
import { join } from 'node:path';
import { repoRoot } from '../detection/data-path.js';
import { writeScenario } from './scenarios.js';

export const FIXTURES: Array<{ file: string; scenario: string; seed: number; scale: number }> = [
  { file: 'competitor.jsonl', scenario: 'competitor', seed: 11, scale: 0.3 },
  { file: 'slow.jsonl', scenario: 'slow', seed: 12, scale: 0.6 },
  { file: 'hydra.jsonl', scenario: 'hydra', seed: 13, scale: 1 },
  { file: 'safety-probe.jsonl', scenario: 'safety-probe', seed: 14, scale: 0.3 },
  { file: 'scope-drift.jsonl', scenario: 'scope-drift', seed: 15, scale: 0.6 },
  { file: 'enterprise.jsonl', scenario: 'enterprise', seed: 16, scale: 0.5 },
  { file: 'legit.jsonl', scenario: 'legit', seed: 17, scale: 0.12 },
];

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = join(repoRoot(), 'test', 'fixtures', 'traces');
  for (const f of FIXTURES) {
    const labels = await writeScenario({ scenario: f.scenario, seed: f.seed, scale: f.scale, split: 'all' }, join(dir, f.file));
    process.stdout.write(`${f.file}: ${labels.requests} requests\n`);
  }
}
