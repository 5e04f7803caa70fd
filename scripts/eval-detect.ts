// npm run eval:detect — detection quality over simulated scenarios.
//   tuning runs:   scenario mixed, seeds 1-3, corpus split `tune` (what the thresholds were tuned on)
//   held-out runs: scenario mixed, seeds 101-102, corpus split `holdout` (items the classifier never saw,
//                  seeds never used while tuning), reported separately
//   ablation:      seed 1 with each signal group switched off, to measure what each contributes
// Exits non-zero if a misuse actor is missed, a legitimate org gets a misuse label it is not allowed, or a
// legitimate org gets an action. Actions come from the enforcement engine with the default playbook, in both
// approval mode (the shipped setting) and automatic mode; an action awaiting approval still counts as an action
// against a legitimate org. Goal: median requests-to-detect <= 300.
import { formatRun, median, runEval, type ActionMode, type RunResult } from '../src/detection/eval/evaluate.js';
import type { SignalName } from '../src/detection/signals/request-signals.js';
import { defaultPlaybooks } from '../src/enforcement/default-playbook.js';
import { playbookActionFor } from '../src/enforcement/replay-action.js';

const actions: ActionMode[] = [
  { name: 'approval', actionFor: playbookActionFor, policy: { playbooks: defaultPlaybooks({ autoEnforce: false }) } },
  { name: 'automatic', actionFor: playbookActionFor, policy: { playbooks: defaultPlaybooks({ autoEnforce: true }) } },
];

const args = new Set(process.argv.slice(2));
const quick = args.has('--quick');
const tune = quick ? [1] : [1, 2, 3];
const holdout = quick ? [101] : [101, 102];

function summary(name: string, runs: RunResult[]): boolean {
  const rtd = runs.flatMap((r) => r.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.requestsToDetect));
  const misses = runs.flatMap((r) => r.actors.filter((a) => a.kind === 'misuse' && !a.pass));
  const legitBad = runs.flatMap((r) => r.actors.filter((a) => a.kind === 'legit' && !a.pass));
  const medianRtd = median(rtd);
  process.stdout.write(
    `== ${name}: ${runs.length} runs; misuse actors missed: ${misses.length}; legitimate actors with false labels/actions: ${legitBad.length}; ` +
      `requests-to-detect median=${medianRtd} p90=${rtd.sort((a, b) => a - b)[Math.floor(rtd.length * 0.9)] ?? 'n/a'} (n=${rtd.length} misuse orgs)\n`,
  );
  // Hydra members joining an already-labelled cluster are labelled at their first request, which pulls the
  // pooled median down; the per-actor medians show each behaviour on its own.
  const perActor = new Map<string, number[]>();
  for (const r of runs) for (const a of r.actors) if (a.kind === 'misuse') perActor.set(a.actor, [...(perActor.get(a.actor) ?? []), ...a.requestsToDetect]);
  process.stdout.write(`   per actor: ${[...perActor].map(([k, v]) => `${k} median=${median(v)} max=${Math.max(...v)}`).join('; ')}\n`);
  return misses.length === 0 && legitBad.length === 0 && medianRtd <= 300;
}

let ok = true;
const tuneRuns: RunResult[] = [];
for (const seed of tune) {
  const r = await runEval({ scenario: 'mixed', seed, split: 'tune' }, { actions });
  process.stdout.write(formatRun(r) + '\n');
  tuneRuns.push(r);
}
ok = summary('tuning seeds (split tune)', tuneRuns) && ok;
const holdRuns: RunResult[] = [];
for (const seed of holdout) {
  const r = await runEval({ scenario: 'mixed', seed, split: 'holdout' }, { actions });
  process.stdout.write(formatRun(r) + '\n');
  holdRuns.push(r);
}
ok = summary('held-out seeds and corpus split', holdRuns) && ok;

if (!quick) {
  process.stdout.write('== signal ablation (seed 1, split tune): what is lost when one signal group is off\n');
  const groups: SignalName[] = ['fingerprints', 'templates', 'categories', 'cot', 'novelty', 'shape', 'timing', 'linkage'];
  for (const g of groups) {
    const r = await runEval({ scenario: 'mixed', seed: 1, split: 'tune', disabled: [g] }, { actions });
    const missed = r.actors.filter((a) => a.kind === 'misuse' && !a.pass).map((a) => `${a.actor}(${a.problems.join(',')})`);
    const fp = r.actors.filter((a) => a.kind === 'legit' && !a.pass).map((a) => a.actor);
    const rtd = median(r.actors.filter((a) => a.kind === 'misuse').flatMap((a) => a.requestsToDetect));
    process.stdout.write(`  without ${g.padEnd(12)} missed: ${missed.join(' ') || 'none'}; false on legit: ${fp.join(' ') || 'none'}; rtd median=${rtd}\n`);
  }
}
process.stdout.write(ok ? 'eval:detect PASS\n' : 'eval:detect FAIL\n');
process.exitCode = ok ? 0 : 1;
