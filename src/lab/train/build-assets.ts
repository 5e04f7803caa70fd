// Builds a complete set of detection assets from ../shared/data: the prompt classifier, the known-item
// fingerprints and the scores fitted on simulated traffic. The shipped build (scripts/build-models.ts) and every
// evaluation fold run this one function; a fold passes the data sets its models must never see.
import { join } from 'node:path';
import { loadBaselines, type DetectionAssets } from '../../detection/assets.js';
import { loadLinkage, loadRules } from '../../detection/rules/load-rules.js';
import { buildFingerprintIndex, type FingerprintFile } from '../../detection/signals/fingerprint-index.js';
import { loadScoreSpec, scoreModelsFrom, type ScoreModelFile } from '../../detection/scores/score-model.js';
import { buildTextClassifier, type TextModelFile } from '../../detection/signals/text-classifier.js';
import { HARMFUL_SOURCES, type Split } from '../../simulator/corpora.js';
import { TRAINING_ANSWER_SCALE } from '../../simulator/answer-length.js';
import type { SimulateOptions } from '../../simulator/scenarios.js';
import { labelledTexts } from '../corpus-catalog.js';
import { buildFingerprints } from './fingerprint-builder.js';
import { collectRows, fitScores, trainingSummary } from './score-trainer.js';
import { APP_SETS, featurize, measureExcess, trainTextModel, type FeaturizedTexts } from './text-model-trainer.js';
import { bandOffsetsFrom } from './band-offsets.js';

/** Every data set misuse actors draw from (capability benchmarks, safety sets, jailbreak templates). */
export const MISUSE_SETS = [
  'humaneval', 'gsm8k_train', 'bbh', 'mt_bench', 'arena_hard_v2', 'eqbench_creative_writing',
  ...HARMFUL_SOURCES, 'inthewild_jailbreaks',
];

/**
 * Splits data sets in two halves that each keep some of every kind (alternating within capability and within
 * safety sets), for cross-fitting.
 */
export function halves(sets: readonly string[]): [string[], string[]] {
  const cap = sets.filter((s) => !HARMFUL_SOURCES.includes(s) && s !== 'inthewild_jailbreaks');
  const harm = sets.filter((s) => HARMFUL_SOURCES.includes(s) || s === 'inthewild_jailbreaks');
  const a: string[] = [];
  const b: string[] = [];
  cap.forEach((s, i) => (i % 2 ? b : a).push(s));
  harm.forEach((s, i) => (i % 2 ? a : b).push(s));
  return [a, b];
}

export interface AssetBuildOptions {
  dataDir: string;
  rulesDir: string;
  /** Data sets no model may see (the fold's held-out sets). */
  leaveOut?: ReadonlySet<string>;
  /**
   * Application data sets the shipped classifier is trained without while the scores are fitted with one that knows
   * them: legitimate traffic in a register none of the deployment's models saw, as a provider's own customers' is.
   */
  unseenApps?: ReadonlySet<string>;
  /** Simulation runs the scores are fitted on (seeds disjoint from any evaluation's). */
  scoreSeeds: number[];
  scoreScale: number;
  /** Item split of the app corpora in those runs. */
  split: Split;
  featurized?: FeaturizedTexts;
  /** Scaled-down text models (fewer epochs) for the CI version of the eval; shipped models use 1. */
  textEpochScale?: number;
  log?: (line: string) => void;
}

export interface BuiltAssets {
  text: TextModelFile;
  fingerprints: FingerprintFile;
  scores: ScoreModelFile;
  assets: DetectionAssets;
  summary: string;
}

export function buildAssets(o: AssetBuildOptions): BuiltAssets {
  const log = o.log ?? (() => {});
  const leaveOut = o.leaveOut ?? new Set<string>();
  const t0 = Date.now();
  const ft = o.featurized ?? featurize(labelledTexts(o.dataDir));
  const epochs = o.textEpochScale !== undefined ? { epochScale: o.textEpochScale } : {};
  // Every classifier built here carries threshold offsets per length band, set on the benign registers it is
  // trained on, each scored by a harm head trained without it: measured once, and each classifier pools only the
  // registers it learns from (the cross-fitted ones below leave out half of the application registers).
  const textLeaveOut = new Set([...leaveOut, ...(o.unseenApps ?? [])]);
  const excess = measureExcess(ft, textLeaveOut, epochs);
  const text = trainTextModel(ft, { leaveOut: textLeaveOut, bandOffsets: bandOffsetsFrom(excess), ...epochs });
  log(`text model: ${text.trained_on.length} sets, threshold ${text.harm.threshold} (benign FP ${text.harm.benign_fpr}), band offsets ${text.harm.band_offsets!.offsets.join(', ')} in ${Math.round((Date.now() - t0) / 1000)} s`);
  const fingerprints = buildFingerprints(o.dataDir, leaveOut);
  const base = {
    rules: loadRules(o.rulesDir),
    linkage: loadLinkage(o.rulesDir),
    fingerprints: buildFingerprintIndex(fingerprints),
    text: buildTextClassifier(text),
    baselines: loadBaselines(o.rulesDir),
  };
  const spec = loadScoreSpec(join(o.rulesDir, 'scores', 'scores.yaml'));
  // Cross-fitting: the scores must learn what misuse looks like when the classifier and fingerprints have never
  // seen its data sets, as in production. The training runs are split in two; each half's misuse comes from half
  // of the usable data sets, judged by a classifier and fingerprints built without that half. The same classifier
  // is also built without half of the application registers, so the scores also learn how ordinary traffic in a
  // register the classifier never saw reads (a provider's customers write like nothing in the training data):
  // its benchmark-item and harm shares are noisy, and a score that trusted them as they read on known registers
  // labels such customers. Registers the fold keeps from the runtime classifier are kept out of this too, so the
  // fit never learns how those particular registers read unseen.
  const usable = MISUSE_SETS.filter((s) => !leaveOut.has(s));
  const apps = halves([...APP_SETS].filter((s) => !leaveOut.has(s) && !o.unseenApps?.has(s)));
  const misuse = halves(usable);
  const rows = misuse.flatMap((half, h) => {
    const inner = new Set([...leaveOut, ...half, ...apps[h]!]);
    const innerText = trainTextModel(ft, { leaveOut: inner, bandOffsets: bandOffsetsFrom(excess, inner), ...epochs });
    const innerBase = { ...base, text: buildTextClassifier(innerText), fingerprints: buildFingerprintIndex(buildFingerprints(o.dataDir, inner)) };
    const runs: SimulateOptions[] = o.scoreSeeds
      .filter((_, i) => i % 2 === h)
      .map((seed) => ({ scenario: 'training', seed, scale: o.scoreScale, plan: { split: o.split, misuse: new Set(half) }, answerScale: TRAINING_ANSWER_SCALE }));
    log(`scores: half ${h + 1} draws misuse from ${half.join(', ')}; its classifier never saw ${apps[h]!.join(', ')}`);
    return collectRows(innerBase, spec, runs);
  });
  const scores = fitScores(spec, rows, { runs: o.scoreSeeds.length, scale: o.scoreScale, rows: rows.length, left_out: [...leaveOut].sort(), cross_fitted: misuse, cross_fitted_apps: apps, answer_scale: TRAINING_ANSWER_SCALE });
  const summary = trainingSummary(scores, rows);
  log(`scores: ${rows.length} rows from ${o.scoreSeeds.length} runs in ${Math.round((Date.now() - t0) / 1000)} s`);
  return { text, fingerprints, scores, assets: { ...base, scores: scoreModelsFrom(scores) }, summary };
}
