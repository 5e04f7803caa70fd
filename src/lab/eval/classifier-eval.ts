// Leave-one-dataset-out evaluation of the prompt classifier: for each safety set X, a model trained without X
// is scored on X at its own threshold (<= 1% false positives on held-back benign prompts); for each benign set Y,
// a model trained without Y says how much of Y it flags (benign traffic of a kind it never saw).
import { bandIndex, buildTextClassifier, type TextClassifier, type TextVerdict } from '../../detection/signals/text-classifier.js';
import { TOPICS } from '../../detection/signals/taxonomy.js';
import { HARMFUL_REQUEST_SETS } from '../corpus-catalog.js';
import { bestOfNNoise, characterObfuscation, encodedObfuscation } from './obfuscations.js';
import { APP_SETS, benignPool, ITEM_SETS, trainTextModel, type FeaturizedTexts, type TextTrainingOptions } from '../train/text-model-trainer.js';

export interface FoldRow {
  set: string;
  /** Share of the set's harmful items flagged by a model that never saw the set. */
  recall: number;
  /** The same with Best-of-N noise on each item (inner letters shuffled, case flipped): a jailbreak search's tries. */
  noisedRecall: number;
  /** The same with leetspeak, zero-width splits or letters spaced out (one per item, in turn): red-team converters. */
  obfuscatedRecall: number;
  /** The same in another script, style or encoding (look-alike letters, marks, base64, a cipher, Morse...; one per item, in turn). */
  encodedRecall: number;
  harmful: number;
  /** HarmBench only: recall without its copyright behaviours (requests for protected text, in no other set). */
  recallExCopyright?: number;
  /** Both-ways sets: share of their safe items flagged. */
  safeFlagged?: number;
  safe?: number;
  /** False-positive rate of this fold's model on each benign family of the held-back pool. */
  benignFpr: Record<string, number>;
  pooledFpr: number;
}

/** A benign set left out: the share of its items flagged harmful by a model that never saw it. */
export interface BenignFoldRow {
  set: string;
  items: number;
  flagged: number;
  /** The same by the prompt's feature count (LENGTH_BANDS): a new register's long prompts are the ones misread. */
  byLength: { items: number; flagged: number }[];
}

/** Feature counts that start the second and third length bands of the unseen-benign table. */
export const LENGTH_BANDS = [32, 128];

/** A set left out of the benchmark-item head: the share of its prompts the head reads as benchmark items. */
export interface ItemFoldRow {
  set: string;
  kind: 'application' | 'benchmark';
  items: number;
  readAsItems: number;
}

export interface ClassifierReport {
  folds: FoldRow[];
  benignFolds?: BenignFoldRow[];
  itemFolds?: ItemFoldRow[];
  /** Topic accuracy of the full model on held-back benign items, per topic. */
  topicAccuracy: Record<string, { n: number; correct: number }>;
}

export const DEFAULT_FOLDS = [
  ...HARMFUL_REQUEST_SETS,
  'donotanswer',
  'inthewild_jailbreaks',
  'xstest',
  'openai_moderation',
];

/**
 * How a fold's model is trained: `lengthKnee`, `harmWindow`, and `bandOffsets` (the threshold offsets per length
 * band the model carries and the classifier applies, src/lab/train/band-offsets.ts).
 */
export type FoldOptions = Pick<TextTrainingOptions, 'lengthKnee' | 'harmWindow' | 'bandOffsets'>;

/** Whether the harm head's logit, less its band's offset, reaches the threshold (`classify` also asks for four known features). */
function harmFlag(clf: TextClassifier, text: string): boolean {
  const r = clf.harmReading(text);
  return r.logit - clf.bandOffset(r.features) >= clf.harmThreshold;
}

export function evaluateFold(ft: FeaturizedTexts, set: string, copyrightIds?: ReadonlySet<string>, o: FoldOptions = {}): FoldRow {
  const leaveOut = new Set([set]);
  const clf = buildTextClassifier(trainTextModel(ft, { ...o, leaveOut, only: 'harm' }));
  const flagged = (i: number) => harmFlag(clf, ft.texts[i]!.text);
  let harmful = 0;
  let hit = 0;
  let safe = 0;
  let safeHit = 0;
  let exN = 0;
  let exHit = 0;
  let noisedHit = 0;
  let obfuscatedHit = 0;
  let encodedHit = 0;
  ft.texts.forEach((t, i) => {
    if (t.set !== set || t.augmented) return;
    const f = flagged(i);
    if (t.harmful) {
      harmful++;
      if (f) hit++;
      if (harmFlag(clf, bestOfNNoise(t.text, i + 1))) noisedHit++;
      if (harmFlag(clf, characterObfuscation(t.text, i + 1))) obfuscatedHit++;
      if (harmFlag(clf, encodedObfuscation(t.text, i + 1))) encodedHit++;
      if (copyrightIds && !copyrightIds.has(t.id)) {
        exN++;
        if (f) exHit++;
      }
    } else {
      safe++;
      if (f) safeHit++;
    }
  });
  const fam = new Map<string, [number, number]>();
  let pooled = 0;
  const pool = benignPool(ft, leaveOut);
  for (const i of pool) {
    const t = ft.texts[i]!;
    const r = fam.get(t.family!) ?? [0, 0];
    r[0]++;
    if (flagged(i)) {
      r[1]++;
      pooled++;
    }
    fam.set(t.family!, r);
  }
  return {
    set,
    recall: hit / Math.max(1, harmful),
    noisedRecall: noisedHit / Math.max(1, harmful),
    obfuscatedRecall: obfuscatedHit / Math.max(1, harmful),
    encodedRecall: encodedHit / Math.max(1, harmful),
    harmful,
    ...(copyrightIds ? { recallExCopyright: exHit / Math.max(1, exN) } : {}),
    ...(safe ? { safeFlagged: safeHit / safe, safe } : {}),
    benignFpr: Object.fromEntries([...fam].map(([k, [n, c]]) => [k, c / n])),
    pooledFpr: pooled / Math.max(1, pool.length),
  };
}

/** Benign sets whose unseen items show how the classifier treats benign traffic of a new kind. */
export const BENIGN_FOLDS = ['humaneval', 'gsm8k_train', 'bbh', 'mt_bench', 'arena_hard_v2', 'eqbench_creative_writing', 'awesome_chatgpt_prompts', 'topical_chat', 'staqc_sql_questions', 'banking77'];

export function evaluateBenignFold(ft: FeaturizedTexts, set: string, o: FoldOptions = {}): BenignFoldRow {
  const { items, share, byLength } = unseenShare(ft, set, { ...o, only: 'harm' }, (v) => v.harmful);
  return { set, items, flagged: share, byLength };
}

/** A model trained without `set` (with options `o`): how many of the set's benign prompts there are, and the share `hit` picks. */
function unseenShare(ft: FeaturizedTexts, set: string, o: TextTrainingOptions, hit: (v: TextVerdict) => boolean): { items: number; share: number; byLength: BenignFoldRow['byLength'] } {
  const clf = buildTextClassifier(trainTextModel(ft, { ...o, leaveOut: new Set([set]) }));
  let items = 0;
  let hits = 0;
  const bands = [0, ...LENGTH_BANDS].map(() => ({ items: 0, hits: 0 }));
  ft.texts.forEach((t, i) => {
    if (t.set !== set || t.augmented || t.harmful) return;
    const band = bands[bandIndex(ft.feats[i]!.length, LENGTH_BANDS)]!;
    items++;
    band.items++;
    if (hit(clf.classify(t.text))) {
      hits++;
      band.hits++;
    }
  });
  return { items, share: hits / Math.max(1, items), byLength: bands.map((b) => ({ items: b.items, flagged: b.hits / Math.max(1, b.items) })) };
}

/** Every application register and capability benchmark, left out of the item head one at a time. */
export const ITEM_FOLDS = [...APP_SETS, ...ITEM_SETS];

/**
 * The benchmark-item head trained without `set` (its threshold set on the other registers' held-back prompts, as
 * shipped): how much of an application register it never saw reads as benchmark items (it should be little), and
 * how much of a benchmark it never saw does (it should be most). Every prompt of the set is unseen, so all count.
 */
export function evaluateItemFold(ft: FeaturizedTexts, set: string, o: Pick<TextTrainingOptions, 'itemWeights'> = {}): ItemFoldRow {
  const { items, share } = unseenShare(ft, set, { ...o, only: 'item' }, (v) => v.evalItem);
  return { set, kind: APP_SETS.has(set) ? 'application' : 'benchmark', items, readAsItems: share };
}

export function topicAccuracy(ft: FeaturizedTexts): ClassifierReport['topicAccuracy'] {
  const clf = buildTextClassifier(trainTextModel(ft));
  const out: ClassifierReport['topicAccuracy'] = {};
  ft.texts.forEach((t) => {
    if (t.harmful || !t.holdout || !t.topic || t.augmented) return;
    const r = (out[t.topic] ??= { n: 0, correct: 0 });
    r.n++;
    if (TOPICS[clf.classify(t.text).topic] === t.topic) r.correct++;
  });
  return out;
}

const pct = (x: number | undefined) => (x === undefined ? '' : `${(x * 100).toFixed(1)}%`);

export function formatClassifierTable(r: ClassifierReport): string {
  const fams = [...new Set(r.folds.flatMap((f) => Object.keys(f.benignFpr)))].sort();
  const lines = [
    '| left-out set | harmful items | recall (unseen set) | with Best-of-N noise | leetspeak, zero-width or spaced out | other scripts and encodings | safe items flagged | pooled benign FP | ' + fams.map((f) => `FP ${f}`).join(' | ') + ' |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ' + fams.map(() => '---:').join(' | ') + ' |',
  ];
  for (const f of r.folds) {
    const recall = pct(f.recall) + (f.recallExCopyright !== undefined ? ` (${pct(f.recallExCopyright)} without copyright)` : '');
    lines.push(
      `| ${f.set} | ${f.harmful} | ${recall} | ${pct(f.noisedRecall)} | ${pct(f.obfuscatedRecall)} | ${pct(f.encodedRecall)} | ${f.safe ? `${pct(f.safeFlagged)} of ${f.safe}` : ''} | ${pct(f.pooledFpr)} | ` +
        fams.map((k) => pct(f.benignFpr[k])).join(' | ') +
        ' |',
    );
  }
  if (r.benignFolds?.length) {
    const bandNames = [`< ${LENGTH_BANDS[0]} features`, ...LENGTH_BANDS.map((b, k) => (k + 1 < LENGTH_BANDS.length ? `${b}–${LENGTH_BANDS[k + 1]! - 1}` : `≥ ${b}`))];
    lines.push('', `| left-out benign set | items | flagged harmful (unseen set) | ${bandNames.join(' | ')} |`, `| --- | ---: | ---: |${bandNames.map(() => ' ---: |').join('')}`);
    for (const b of r.benignFolds) lines.push(`| ${b.set} | ${b.items} | ${pct(b.flagged)} | ${b.byLength.map((l) => (l.items ? `${pct(l.flagged)} of ${l.items}` : '')).join(' | ')} |`);
  }
  if (r.itemFolds?.length) {
    lines.push('', '| left out of the benchmark-item head | kind | prompts | read as benchmark items (unseen set) |', '| --- | --- | ---: | ---: |');
    for (const b of r.itemFolds) lines.push(`| ${b.set} | ${b.kind} | ${b.items} | ${pct(b.readAsItems)} |`);
  }
  lines.push('', '| topic | held-back items | accuracy |', '| --- | ---: | ---: |');
  for (const [t, { n, correct }] of Object.entries(r.topicAccuracy)) lines.push(`| ${t} | ${n} | ${pct(correct / n)} |`);
  return lines.join('\n');
}
