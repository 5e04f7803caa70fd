// npm run eval:detect — the generalisation evaluation of detection (docs/detection.md).
//   For each fold (src/lab/eval/generalisation-eval.ts): models built without the fold's held-out data sets,
//   scores fitted on other seeds and other data, then the `mixed` scenario over --seeds with misuse drawn only
//   from the held-out sets; actions from the enforcement engine with the default playbook (approval and
//   automatic). Prints the per-family tables and the targets not met (the classifier's table: npm run eval:classifier).
//   --quick            one fold, 2 seeds, smaller scale (what CI's scaled-down test does, a bit bigger)
//   --seeds 1,2,3      evaluation seeds (default 1-5)
//   --folds A,B        which folds (default A,B; R = fold A with three application registers unseen by the classifier)
//   --scale X          volume of each run (default 1)
//   --ablation         also rerun fold A seed 1 with each signal group switched off
//   --json FILE        write every run's results as JSON
//   --reuse DIR        development only: reuse (or save) fold models in DIR instead of rebuilding them
//   --train-seeds N    simulated runs the fold's scores are fitted on (default 20; 6 with --quick)
//   --perturb a,b      send the misuse traffic differently (PERTURBATIONS in src/lab/eval/perturbations.ts names
//                      them; an unknown name lists them); legitimate traffic is unchanged
//   --perturb-legit a,b  the same changes to the legitimate actors' traffic (false positives when real
//                      applications send differently from the simulated ones); misuse traffic is unchanged
import { writeFileSync } from 'node:fs';
import { rulesDir, sharedDataDir } from '../src/detection/data-path.js';
import { SIGNAL_NAMES } from '../src/detection/signals/request-signals.js';
import { defaultPlaybooks } from '../src/enforcement/default-playbook.js';
import { playbookActionFor } from '../src/enforcement/replay-action.js';
import { labelledTexts } from '../src/lab/corpus-catalog.js';
import { buildFoldAssets, familyRows, FOLDS, formatFamilyTables, runGeneralisationEval, UNSEEN_APPS_FOLD, unmetTargets } from '../src/lab/eval/generalisation-eval.js';
import { median, runEval, type ActionMode } from '../src/lab/eval/run-eval.js';
import { featurize } from '../src/lab/train/text-model-trainer.js';

const modes: ActionMode[] = [
  { name: 'approval', actionFor: playbookActionFor, policy: { playbooks: defaultPlaybooks({ autoEnforce: false }) } },
  { name: 'automatic', actionFor: playbookActionFor, policy: { playbooks: defaultPlaybooks({ autoEnforce: true }) } },
];

const args = process.argv.slice(2);
const opt = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const seeds = (opt('--seeds') ?? (quick ? '1,2' : '1,2,3,4,5')).split(',').map(Number);
const folds = [...FOLDS, UNSEEN_APPS_FOLD].filter((f) => (opt('--folds') ?? (quick ? 'A' : 'A,B')).split(',').includes(f.name));
const scale = Number(opt('--scale') ?? (quick ? 0.5 : 1));
const log = (l: string) => process.stderr.write(l + '\n');
const cfg = {
  dataDir: sharedDataDir(),
  rulesDir: rulesDir(),
  folds,
  seeds,
  scale,
  trainSeeds: Array.from({ length: Number(opt('--train-seeds') ?? (quick ? 6 : 20)) }, (_, i) => 3000 + i),
  trainScale: 0.5,
  modes,
  log,
  ...(opt('--reuse') ? { reuseDir: opt('--reuse')! } : {}),
  ...(opt('--perturb') ? { perturb: opt('--perturb')!.split(',') } : {}),
  ...(opt('--perturb-legit') ? { perturbLegit: opt('--perturb-legit')!.split(',') } : {}),
};
const t0 = Date.now();
const runs = await runGeneralisationEval(cfg);
const rows = familyRows(runs);
process.stdout.write(`## Generalisation eval${cfg.perturb ? ` (misuse traffic perturbed: ${cfg.perturb.join(', ')})` : ''}${cfg.perturbLegit ? ` (legitimate traffic perturbed: ${cfg.perturbLegit.join(', ')})` : ''}: folds ${folds.map((f) => `${f.name} (held out: ${f.heldOut.join(', ')}${f.unseenApps ? `; classifier without ${f.unseenApps.join(', ')}` : ''})`).join('; ')}; seeds ${seeds.join(',')}; scale ${scale}\n\n`);
process.stdout.write(formatFamilyTables(rows) + '\n\n');
const unmet = unmetTargets(rows);
process.stdout.write(unmet.length ? `Targets not met:\n${unmet.map((u) => `- ${u}`).join('\n')}\n` : 'All targets met.\n');
if (opt('--json')) writeFileSync(opt('--json')!, JSON.stringify(runs, null, 1));

if (args.includes('--ablation')) {
  const ft = featurize(labelledTexts(cfg.dataDir));
  const { assets } = buildFoldAssets(cfg, folds[0]!, ft);
  process.stdout.write(`\n## Ablation (fold ${folds[0]!.name}, seed ${seeds[0]}): what is lost when one signal group is off\n\n| without | misuse families missed | legitimate families with a false label or action | median requests-to-detect |\n| --- | --- | --- | ---: |\n`);
  for (const g of SIGNAL_NAMES) {
    const r = await runEval({ scenario: 'mixed', seed: seeds[0]!, scale, plan: { split: 'holdout', misuse: new Set(folds[0]!.heldOut) }, disabled: [g] }, assets, modes);
    const missed = r.actors.filter((a) => a.kind === 'misuse' && !a.caught).map((a) => a.family);
    const fp = r.actors.filter((a) => a.kind === 'legit' && (a.falseLabels || a.actions)).map((a) => a.family);
    const rtd = median(r.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.requestsAfterStart));
    process.stdout.write(`| ${g} | ${missed.join(', ') || 'none'} | ${fp.join(', ') || 'none'} | ${rtd} |\n`);
  }
}
log(`eval:detect: ${Math.round((Date.now() - t0) / 1000)} s`);
process.exitCode = unmet.length ? 1 : 0;
