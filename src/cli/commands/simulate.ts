// `moat simulate`: writes a simulated trace plus its labels file (TRACE.labels.json).
import type { Command } from 'commander';
import { labelsPath, SCENARIOS, writeScenario } from '../../simulator/scenarios.js';
import type { Split } from '../../simulator/corpora.js';

export function register(program: Command): void {
  program
    .command('simulate')
    .description(`Write a simulated trace and its labels from ../shared/data corpora (scenarios: ${Object.keys(SCENARIOS).join(', ')}).`)
    .requiredOption('--scenario <name>', 'scenario name')
    .option('--seed <n>', 'random seed', '1')
    .requiredOption('--out <file>', 'trace file to write (.jsonl)')
    .option('--scale <x>', 'volume multiplier', '1')
    .option('--split <split>', 'corpus split: tune | holdout | all', 'all')
    .action(async (o: { scenario: string; seed: string; out: string; scale: string; split: string }) => {
      if (!['tune', 'holdout', 'all'].includes(o.split)) throw new Error('--split must be tune, holdout or all');
      const seed = Number(o.seed);
      const scale = Number(o.scale);
      if (!Number.isInteger(seed) || !(scale > 0)) throw new Error('--seed must be an integer and --scale positive');
      const labels = await writeScenario({ scenario: o.scenario, seed, scale, split: o.split as Split }, o.out);
      process.stderr.write(`moat simulate: ${labels.requests} requests, ${labels.actors.length} actors -> ${o.out}, ${labelsPath(o.out)}\n`);
    });
}
