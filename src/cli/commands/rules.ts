// `moat rules validate|test`: schema-checks the rules and runs their positive/negative fixture traces.
import type { Command } from 'commander';
import { loadDetectionAssets } from '../../detection/assets.js';
import { repoRoot, rulesDir } from '../../detection/data-path.js';
import { runRuleFixtures } from '../../detection/rules/run-fixtures.js';
import { ensureFixtureTraces } from '../../simulator/build-fixtures.js';

export function register(program: Command): void {
  const rules = program.command('rules').description('Detection rules (rules/*.yaml).');
  rules
    .command('validate')
    .description('Validate every rule against rules/schema.json and compile its condition.')
    .option('--dir <dir>', 'rules directory', rulesDir())
    .action((o: { dir: string }) => {
      const a = loadDetectionAssets(o.dir);
      process.stdout.write(`${a.rules.length} rules valid: ${a.rules.map((r) => r.spec.id).join(', ')}\n`);
    });
  rules
    .command('test')
    .description('Replay each rule\'s positive and negative fixtures; exit non-zero on any failure.')
    .option('--dir <dir>', 'rules directory', rulesDir())
    .option('--root <dir>', 'directory fixture paths are relative to', repoRoot())
    .action(async (o: { dir: string; root: string }) => {
      // Fixture traces are built from ../shared/data on first use (they are not committed).
      ensureFixtureTraces(o.root);
      const results = await runRuleFixtures(o.root, loadDetectionAssets(o.dir));
      for (const r of results) process.stdout.write(`${r.pass ? 'ok  ' : 'FAIL'} ${r.rule} ${r.kind} ${r.trace}: ${r.detail}\n`);
      const failed = results.filter((r) => !r.pass).length;
      process.stdout.write(`${results.length - failed}/${results.length} fixture checks passed\n`);
      if (failed) process.exitCode = 1;
    });
}
