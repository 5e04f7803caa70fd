// The honest generalisation evaluation: leave-data-sets-out folds. For each fold, every model (prompt
// classifier, fingerprints, scores) is built without the fold's held-out data sets, the scores are fitted on
// simulated traffic from other seeds and other data, and the misuse traffic of the evaluated runs is drawn only
// from the held-out sets, over several randomised seeds.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBaselines, type DetectionAssets } from '../../detection/assets.js';
import { loadLinkage, loadRules } from '../../detection/rules/load-rules.js';
import { buildFingerprintIndex, type FingerprintFile } from '../../detection/signals/fingerprint-index.js';
import { buildTextClassifier, type TextModelFile } from '../../detection/signals/text-classifier.js';
import { scoreModelsFrom, type ScoreModelFile } from '../../detection/scores/score-model.js';
import { labelledTexts } from '../corpus-catalog.js';
import { buildAssets } from '../train/build-assets.js';
import { featurize, type FeaturizedTexts } from '../train/text-model-trainer.js';
import { median, quantile, raisePeaks, runEval, type ActionMode, type RunResult } from './run-eval.js';

export interface FoldSpec {
  name: string;
  /** Data sets the fold's models never see; its misuse actors draw only from them. */
  heldOut: string[];
  /** Application data sets the fold's classifier never sees (legitimate traffic in unseen registers; see buildAssets). */
  unseenApps?: string[];
}


/** Two folds that split every benchmark and safety set between them, each with coding, maths, creative and harmful items. */
export const FOLDS: FoldSpec[] = [
  { name: 'A', heldOut: ['arena_hard_v2', 'bbh', 'harmbench', 'strongreject', 'past_tense_harmful', 'jailbreakbench_behaviors', 'inthewild_jailbreaks'] },
  { name: 'B', heldOut: ['humaneval', 'gsm8k_train', 'eqbench_creative_writing', 'mt_bench', 'advbench', 'harmful_questions', 'donotanswer', 'xstest'] },
];

/**
 * Fold A again, with the classifier also trained without three application registers (support utterances, SQL
 * questions, "act as" prompt collections) that legitimate families send: how detection treats customers whose
 * ordinary traffic looks like nothing the models were built from. Run with `--folds R`.
 */
export const UNSEEN_APPS_FOLD: FoldSpec = { ...FOLDS[0]!, name: 'R', unseenApps: ['banking77', 'staqc_sql_questions', 'awesome_chatgpt_prompts'] };

export interface EvalConfig {
  dataDir: string;
  rulesDir: string;
  folds: FoldSpec[];
  seeds: number[];
  scale: number;
  trainSeeds: number[];
  trainScale: number;
  modes: ActionMode[];
  log?: (line: string) => void;
  /** Scenario families to run (default: every family of `mixed`). */
  families?: string[];
  /** Development only: reuse fold models saved in this folder by an earlier run (stale after code changes). */
  reuseDir?: string;
  /** Perturbations applied to the misuse actors' requests (perturbations.ts). */
  perturb?: string[];
  /** Perturbations applied to the legitimate actors' requests. */
  perturbLegit?: string[];
}

export interface FoldRun {
  fold: string;
  run: RunResult;
}

export interface FoldAssets {
  fold: FoldSpec;
  assets: DetectionAssets;
}

function foldFile(dir: string, fold: FoldSpec): string {
  return join(dir, `fold-${fold.name}.json`);
}

function loadFoldFiles(cfg: EvalConfig, fold: FoldSpec): DetectionAssets | undefined {
  const file = foldFile(cfg.reuseDir!, fold);
  if (!existsSync(file)) return undefined;
  const f = JSON.parse(readFileSync(file, 'utf8')) as { text: TextModelFile; fingerprints: FingerprintFile; scores: ScoreModelFile };
  cfg.log?.(`fold ${fold.name}: reusing models from ${file}`);
  return {
    rules: loadRules(cfg.rulesDir),
    linkage: loadLinkage(cfg.rulesDir),
    fingerprints: buildFingerprintIndex(f.fingerprints),
    text: buildTextClassifier(f.text),
    scores: scoreModelsFrom(f.scores),
    baselines: loadBaselines(cfg.rulesDir),
  };
}

export function buildFoldAssets(cfg: Pick<EvalConfig, 'dataDir' | 'rulesDir' | 'trainSeeds' | 'trainScale' | 'log'> & { textEpochScale?: number }, fold: FoldSpec, ft?: FeaturizedTexts, saveDir?: string): FoldAssets {
  const heldOut = new Set(fold.heldOut);
  const built = buildAssets({
    dataDir: cfg.dataDir,
    rulesDir: cfg.rulesDir,
    leaveOut: heldOut,
    ...(fold.unseenApps ? { unseenApps: new Set(fold.unseenApps) } : {}),
    scoreSeeds: cfg.trainSeeds,
    scoreScale: cfg.trainScale,
    split: 'tune',
    ...(ft ? { featurized: ft } : {}),
    ...(cfg.textEpochScale !== undefined ? { textEpochScale: cfg.textEpochScale } : {}),
    ...(cfg.log ? { log: (l: string) => cfg.log!(`fold ${fold.name}: ${l}`) } : {}),
  });
  if (saveDir) {
    mkdirSync(saveDir, { recursive: true });
    writeFileSync(foldFile(saveDir, fold), JSON.stringify({ text: built.text, fingerprints: built.fingerprints, scores: built.scores }));
  }
  cfg.log?.(built.summary);
  return { fold, assets: built.assets };
}

export async function runGeneralisationEval(cfg: EvalConfig): Promise<FoldRun[]> {
  let ft: FeaturizedTexts | undefined;
  const out: FoldRun[] = [];
  for (const fold of cfg.folds) {
    const cached = cfg.reuseDir ? loadFoldFiles(cfg, fold) : undefined;
    const assets = cached ?? buildFoldAssets(cfg, fold, (ft ??= featurize(labelledTexts(cfg.dataDir))), cfg.reuseDir).assets;
    for (const seed of cfg.seeds) {
      const run = await runEval({ scenario: 'mixed', seed, scale: cfg.scale, plan: { split: 'holdout', misuse: new Set(fold.heldOut) }, ...(cfg.families ? { families: cfg.families } : {}), ...(cfg.perturb?.length ? { perturb: cfg.perturb } : {}), ...(cfg.perturbLegit?.length ? { perturbLegit: cfg.perturbLegit } : {}) }, assets, cfg.modes);
      cfg.log?.(`fold ${fold.name} seed ${seed}: ${run.requests} requests, ${run.actors.filter((a) => a.problems.length).map((a) => `${a.family}: ${a.problems.join(', ')}`).join('; ') || 'no problems'}`);
      out.push({ fold: fold.name, run });
    }
  }
  return out;
}

export interface FamilyRow {
  family: string;
  kind: 'legit' | 'misuse';
  runs: number;
  /** Misuse: runs in which the family was caught. */
  caught: number;
  orgs: number;
  detectedOrgs: number;
  rtdMedian: number;
  rtdP90: number;
  afterStartMedian: number;
  falseLabels: number;
  actions: number;
  linkedIntoMisuse: number;
  linked: number;
  /** Networks: the smallest share of members in one cluster over the runs. */
  minClusterShare?: number;
  actionsByMode: Record<string, Record<string, number>>;
  maxScores: Record<string, number>;
  /** The same for the combined traffic of clusters holding the family's orgs (legitimate networks' margins). */
  maxClusterScores: Record<string, number>;
}

export function familyRows(runs: FoldRun[]): FamilyRow[] {
  const by = new Map<string, FamilyRow & { rtd: number[]; after: number[] }>();
  for (const { run } of runs)
    for (const a of run.actors) {
      let r = by.get(a.family);
      if (!r)
        by.set(a.family, (r = { family: a.family, kind: a.kind, runs: 0, caught: 0, orgs: 0, detectedOrgs: 0, rtdMedian: NaN, rtdP90: NaN, afterStartMedian: NaN, falseLabels: 0, actions: 0, linkedIntoMisuse: 0, linked: 0, actionsByMode: {}, maxScores: {}, maxClusterScores: {}, rtd: [], after: [] }));
      r.runs++;
      if (a.caught) r.caught++;
      r.orgs += a.orgs;
      r.detectedOrgs += a.detected;
      r.rtd.push(...a.requestsToDetect);
      r.after.push(...a.requestsAfterStart);
      r.falseLabels += a.falseLabels;
      r.actions += a.actions;
      r.linkedIntoMisuse += a.linkedIntoMisuse;
      r.linked += a.linked;
      raisePeaks(r.maxScores, a.maxScores);
      raisePeaks(r.maxClusterScores, a.maxClusterScores ?? {});
      if (a.largestClusterShare !== undefined) r.minClusterShare = Math.min(r.minClusterShare ?? 1, a.largestClusterShare);
      for (const [mode, byType] of Object.entries(a.actionsByMode))
        for (const [t, n] of Object.entries(byType)) {
          const row = (r.actionsByMode[mode] ??= {});
          row[t] = (row[t] ?? 0) + n;
        }
    }
  return [...by.values()].map(({ rtd, after, ...r }) => ({ ...r, rtdMedian: median(rtd), rtdP90: quantile(rtd, 0.9), afterStartMedian: median(after) }));
}

/** The issue's targets; returns what is not met. */
export function unmetTargets(rows: FamilyRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.kind === 'misuse') {
      if (r.caught < 0.95 * r.runs) out.push(`${r.family}: caught in ${r.caught}/${r.runs} runs (target 95%)`);
      const limit = r.family === 'slow_sweep' ? 300 : r.family === 'hydra' ? 30 : 150;
      if (!(r.afterStartMedian <= limit)) out.push(`${r.family}: median requests-to-detect ${r.afterStartMedian} after the misuse starts (target <= ${limit})`);
      if (r.minClusterShare !== undefined && r.minClusterShare < 0.9) out.push(`${r.family}: as little as ${Math.round(r.minClusterShare * 100)}% of members in one cluster (target 90%)`);
    } else {
      if (r.falseLabels) out.push(`${r.family}: ${r.falseLabels} orgs with a label they are not allowed`);
      if (r.actions) out.push(`${r.family}: ${r.actions} orgs acted on`);
      if (r.linkedIntoMisuse) out.push(`${r.family}: ${r.linkedIntoMisuse} orgs linked into a misuse cluster`);
    }
  }
  return out;
}

const pct = (a: number, b: number) => (b ? `${Math.round((100 * a) / b)}%` : '-');
const n = (x: number) => (Number.isNaN(x) ? '-' : String(Math.round(x)));

const scoresOf = (m: Record<string, number>) => ['benchmarking', 'distillation', 'safety_probing'].map((l) => (m[l] ?? 0).toFixed(2)).join(' / ');
const scores = (r: FamilyRow) => scoresOf(r.maxScores);
const clusterScores = (r: FamilyRow) => {
  const m = r.maxClusterScores;
  if (!Object.keys(m).length) return '';
  const network = Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith('network.')).map(([k, v]) => [k.slice('network.'.length), v]));
  return `${scoresOf(m)} (cluster fit ${scoresOf(network)})`;
};

export function formatFamilyTables(rows: FamilyRow[]): string {
  const misuse = rows.filter((r) => r.kind === 'misuse');
  const legit = rows.filter((r) => r.kind === 'legit');
  const modes = (r: FamilyRow) =>
    Object.entries(r.actionsByMode)
      .map(([m, t]) => `${m}: ${Object.entries(t).map(([k, v]) => `${k} ${v}`).join(', ')}`)
      .join('; ') || 'none';
  return [
    '| misuse family | runs caught | orgs labelled | requests-to-detect median (p90) | after misuse starts, median | largest cluster (min) | actions (orgs, over runs) | highest scores |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...misuse.map((r) => `| ${r.family} | ${r.caught}/${r.runs} (${pct(r.caught, r.runs)}) | ${r.detectedOrgs}/${r.orgs} | ${n(r.rtdMedian)} (${n(r.rtdP90)}) | ${n(r.afterStartMedian)} | ${r.minClusterShare === undefined ? '' : `${Math.round(r.minClusterShare * 100)}%`} | ${modes(r)} | ${scores(r)} |`),
    '',
    '| legitimate family | runs | orgs | orgs with a disallowed label | orgs acted on | orgs linked into a misuse cluster | orgs linked with each other | highest scores (bench/distill/safety) | highest cluster scores |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...legit.map((r) => `| ${r.family} | ${r.runs} | ${r.orgs} | ${r.falseLabels} | ${r.actions} | ${r.linkedIntoMisuse} | ${r.linked} | ${scores(r)} | ${clusterScores(r)} |`),
  ].join('\n');
}
