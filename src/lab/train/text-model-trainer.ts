// Trains the prompt classifier (harm, harm category and topic heads) from the catalogued data sets and packs
// it as rules/models/text.json. The shipped build and every evaluation fold run this same function; a fold
// passes the data sets it must never see in `leaveOut`.
import { FeatureBuffer, hashedFeatures } from '../../detection/text/hashed-features.js';
import { contentOf } from '../../detection/signals/harness-cues.js';
import { encodeU32 } from '../../detection/signals/fingerprint-index.js';
import { buildTextClassifier, type TextClassifier, type TextModelFile } from '../../detection/signals/text-classifier.js';
import { HARM_CATEGORIES, TOPICS } from '../../detection/signals/taxonomy.js';
import { DATASETS, type LabelledText } from '../corpus-catalog.js';
import { OFFSET_EDGES, outOfRegisterExcess, type RegisterExcess } from './band-offsets.js';
import { DEFAULT_FTRL, trainBinary, type FtrlOptions, type SparseExample } from './linear-trainer.js';
import { fitPlatt, thresholdAtFpr } from './calibration.js';
import { augmentTexts } from './scaffold-augment.js';
import { loadConceptTerms } from './concept-terms.js';
import { ConceptScanner, compileConcepts, type ConceptTerms } from '../../detection/text/concept-lexicon.js';

export const TEXT_BITS = 18;
/** Largest contribution one data set makes to a head's training (bigger sets are down-weighted to this). */
const SET_CAP = 1500;
/** Benign held-back prompts per family in the false-positive pool (so no single app dominates it). */
export const FP_POOL_PER_FAMILY = 400;
export const HARM_FPR = 0.01;
/**
 * Most one feature occurrence adds to the harm logit at run time (odds x7.4): a prompt is flagged on several pieces
 * of evidence, never on one word or pair ("how do I use X in my app" once scored as harmful on the pair "i use"
 * alone). Measured leave-one-dataset-out in decision 0007: unseen-register false positives and XSTest's safe prompts
 * fall, recall on unseen harmful sets holds.
 */
export const HARM_FEATURE_CAP = 2;
/**
 * Features of the run that caps a long prompt's harm score (text-classifier.ts). Measured leave-one-dataset-out
 * (docs/detection.md, 2026-12-05): 64 lowered unseen "act as" prompts flagged from 40.8% to 29.3% and creative-
 * writing prompts from 15.3% to 13.2%, with recall on every unseen harmful-request set the same or higher (the
 * threshold falls with the long benign prompts); scoring by the run alone (not capped by the whole) raised the
 * threshold instead and lost recall; 32 flagged more creative writing.
 */
export const HARM_WINDOW = 64;
/** The benchmark-item head's threshold keeps this share of held-back application prompts below it. */
export const ITEM_FPR = 0.02;
/** Capability benchmarks, whose register the benchmark-item head learns. */
export const ITEM_SETS: ReadonlySet<string> = new Set(['humaneval', 'gsm8k_train', 'bbh', 'mt_bench', 'arena_hard_v2', 'eqbench_creative_writing']);
/** Application traffic, the item head's negatives and the prompts its threshold is set on. */
export const APP_SETS: ReadonlySet<string> = new Set(['banking77', 'snips', 'staqc_sql_questions', 'topical_chat', 'awesome_chatgpt_prompts', 'code_context_fastify', 'docs_fastify', 'qmsum_meetings']);

// Measured leave-one-dataset-out (docs/detection.md): light regularisation, many passes.
const HARM_FTRL: Omit<FtrlOptions, 'bits'> = { ...DEFAULT_FTRL, epochs: 15, alpha: 1, l1: 0.001, l2: 0.001 };
const HEAD_FTRL: Omit<FtrlOptions, 'bits'> = { ...DEFAULT_FTRL, epochs: 8, alpha: 1, l1: 0.001, l2: 0.001 };

export interface FeaturizedTexts {
  texts: LabelledText[];
  feats: Int32Array[];
  /** The harm-concept lexicon the features were computed with (shipped inside the model). */
  concepts?: ConceptTerms;
}

/**
 * Features of every item, and of the training variants augmentTexts adds (appended after the items);
 * `augment: false` leaves them out (to measure what they do). `concepts`: the harm-concept lexicon (default: the
 * shipped rules/lexicon/harm-concepts.yaml; `false` for words only, to measure what it does).
 */
export function featurize(items: LabelledText[], o: { augment?: boolean; bits?: number; concepts?: ConceptTerms | false } = {}): FeaturizedTexts {
  const bits = o.bits ?? TEXT_BITS;
  const buf = new FeatureBuffer();
  const concepts = o.concepts === false ? undefined : (o.concepts ?? loadConceptTerms());
  const scanner = concepts ? new ConceptScanner(compileConcepts(concepts)) : undefined;
  const texts = o.augment === false ? items : [...items, ...augmentTexts(items)];
  const featuresOf = (text: string) => {
    hashedFeatures(contentOf(text), bits, buf, scanner);
    return buf.idx.slice(0, buf.n);
  };
  return {
    texts,
    feats: texts.map((t) => featuresOf(t.text)),
    ...(concepts ? { concepts } : {}),
  };
}

export interface TextTrainingOptions {
  /** Data sets the model must never see (leave-one-dataset-out). */
  leaveOut?: ReadonlySet<string>;
  /**
   * Train one head only, the others left at zero: what the leave-one-out tables need, ~20x faster. `harm`: the
   * harm head; `item`: the benchmark-item head (its threshold is still set on the held-back application prompts).
   */
  only?: 'harm' | 'item';
  /** Multiplies every head's epochs (at least one each): a scaled-down build for CI, not for shipped models. */
  epochScale?: number;
  /**
   * `evidence` (default): the harm head's feature weights are kept at or above zero, so only evidence of harm
   * raises a prompt's score and text in a register the model never saw reads as benign; `signed`: words may also
   * count against harm (the earlier model, kept to measure the difference).
   */
  harmWeights?: 'evidence' | 'signed';
  /** The same choice for the benchmark-item head: `signed` (default), or `evidence` (to measure it). */
  itemWeights?: 'evidence' | 'signed';
  /** Every head trained (and run) with occurrenceValue's length knee (an ablation; not in shipped models). */
  lengthKnee?: number;
  /** A long prompt's harm score is capped by its most harmful run of this many features (text-classifier.ts); 0: off. */
  harmWindow?: number;
  /**
   * Threshold offsets per length band (band-offsets.ts), set on the benign registers the model is trained on:
   * `bandOffsetsFrom(measureExcess(...))`, measured once for the several models of a build. Absent: none.
   */
  bandOffsets?: readonly number[];
}

/** The held-back benign prompts (never trained on) the harm threshold is set on, at most FP_POOL_PER_FAMILY per family. */
export function benignPool(ft: FeaturizedTexts, leaveOut: ReadonlySet<string> = new Set()): number[] {
  const perFamily = new Map<string, number>();
  const out: number[] = [];
  ft.texts.forEach((t, i) => {
    if (t.harmful || !t.holdout || !t.family || t.family === 'xstest_safe' || leaveOut.has(t.set)) return;
    const k = perFamily.get(t.family) ?? 0;
    if (k >= FP_POOL_PER_FAMILY) return;
    perFamily.set(t.family, k + 1);
    out.push(i);
  });
  return out;
}

function setSizes(texts: LabelledText[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const t of texts) m.set(t.set, (m.get(t.set) ?? 0) + 1);
  return m;
}

/** Up-weights the positives of a one-vs-rest head so they weigh `share` of its negatives (capped). */
function balance(examples: SparseExample[], isPos: (e: SparseExample) => boolean, share: number): void {
  let pos = 0;
  let neg = 0;
  for (const e of examples) (isPos(e) ? (pos += e.w) : (neg += e.w));
  if (pos === 0) return;
  const k = Math.min(50, (neg * share) / pos);
  for (const e of examples) if (isPos(e)) e.w *= k;
}

export function trainTextModel(ft: FeaturizedTexts, o: TextTrainingOptions = {}): TextModelFile {
  const leaveOut = o.leaveOut ?? new Set<string>();
  const sizes = setSizes(ft.texts);
  const weightOf = (t: LabelledText) => Math.min(1, SET_CAP / sizes.get(t.set)!);
  const usable = (t: LabelledText) => !leaveOut.has(t.set) && t.train && !t.holdout;
  const bits = TEXT_BITS;
  const scaled = (f: Omit<FtrlOptions, 'bits'>): FtrlOptions => ({ ...f, epochs: Math.max(1, Math.round(f.epochs * (o.epochScale ?? 1))), bits, ...(o.lengthKnee ? { lengthKnee: o.lengthKnee } : {}) });
  const harmFtrl = { ...scaled(HARM_FTRL), nonNegative: o.harmWeights !== 'signed' };
  const headFtrl = scaled(HEAD_FTRL);

  // Harm: harmful requests (and jailbreaks) against everything benign.
  const harmHead = (): Head => {
    const harmEx: SparseExample[] = [];
    ft.texts.forEach((t, i) => {
      if (usable(t)) harmEx.push({ idx: ft.feats[i]!, y: t.harmful ? 1 : 0, w: weightOf(t) });
    });
    balance(harmEx, (e) => e.y === 1, 0.5);
    return { name: 'harm', ...trainBinary(harmEx, harmFtrl) };
  };
  const item = () => itemHead(ft, usable, weightOf, { ...headFtrl, nonNegative: o.itemWeights === 'evidence' });
  let heads: Head[];
  if (o.only === 'harm') heads = [harmHead(), ...zeroHeads(bits, ['item', ...SIDE_COLUMNS])];
  else if (o.only === 'item') {
    const [harm, ...side] = zeroHeads(bits, ['harm', ...SIDE_COLUMNS]);
    heads = [harm!, item(), ...side];
  } else heads = [harmHead(), item(), ...categoryHeads(ft, usable, weightOf, headFtrl), ...topicHeads(ft, usable, weightOf, headFtrl)];

  const file = pack(heads, bits, [...new Set(ft.texts.filter(usable).map((t) => t.set))].sort());
  if (ft.concepts) file.concepts = ft.concepts;
  if (o.lengthKnee) file.length_knee = o.lengthKnee;
  const harmWindow = o.harmWindow ?? HARM_WINDOW;
  if (harmWindow > 0) file.harm.window = harmWindow;
  calibrate(file, ft, leaveOut);
  if (o.bandOffsets) file.harm.band_offsets = { edges: [...OFFSET_EDGES], offsets: [...o.bandOffsets] };
  return file;
}

/**
 * Out-of-register excess of every benign register a model trained without `leaveOut` learns from, each scored by
 * a harm-only head (trained with options `o`) without it and without `leaveOut`: what band offsets are set from.
 */
export function measureExcess(ft: FeaturizedTexts, leaveOut: ReadonlySet<string>, o: TextTrainingOptions = {}): RegisterExcess {
  const { bandOffsets: _none, leaveOut: _given, ...plain } = o;
  return outOfRegisterExcess(ft, benignRegisters(ft, leaveOut), (without) => trainTextModel(ft, { ...plain, leaveOut: without, only: 'harm' }), leaveOut);
}

/** The benign registers (data sets of benign prompts only) a model trained without `leaveOut` learns from. */
export function benignRegisters(ft: FeaturizedTexts, leaveOut: ReadonlySet<string>): string[] {
  const present = new Set(ft.texts.filter((t) => t.train && !t.holdout).map((t) => t.set));
  return DATASETS.filter((d) => d.role === 'benign' && present.has(d.name) && !leaveOut.has(d.name)).map((d) => d.name);
}

type Head = { name: string; w: Float32Array; bias: number };

/** The harm-category and topic columns, after harm and item. */
const SIDE_COLUMNS = [...HARM_CATEGORIES.map((c) => `harm:${c}`), ...TOPICS.map((t) => `topic:${t}`)];

/** Zero-weight heads sharing one weight array, so a one-head model keeps the full column layout. */
function zeroHeads(bits: number, names: string[]): Head[] {
  const w = new Float32Array(1 << bits);
  return names.map((name) => ({ name, w, bias: 0 }));
}

type Usable = (t: LabelledText) => boolean;
type WeightOf = (t: LabelledText) => number;

/** Benchmark items (capability benchmarks' register) against application prompts. */
function itemHead(ft: FeaturizedTexts, usable: Usable, weightOf: WeightOf, ftrl: FtrlOptions): Head {
  const itemEx: SparseExample[] = [];
  ft.texts.forEach((t, i) => {
    if (!usable(t) || t.harmful) return;
    const item = ITEM_SETS.has(t.set);
    if (item || APP_SETS.has(t.set)) itemEx.push({ idx: ft.feats[i]!, y: item ? 1 : 0, w: weightOf(t) });
  });
  balance(itemEx, (e) => e.y === 1, 1);
  return { name: 'item', ...trainBinary(itemEx, { ...ftrl, seed: 300 }) };
}

/** Harm categories: one-vs-rest over the harmful items whose set names a category. */
function categoryHeads(ft: FeaturizedTexts, usable: Usable, weightOf: WeightOf, ftrl: FtrlOptions): Head[] {
  const catEx: SparseExample[] = [];
  ft.texts.forEach((t, i) => {
    if (usable(t) && t.harmful && t.harm) catEx.push({ idx: ft.feats[i]!, y: HARM_CATEGORIES.indexOf(t.harm), w: weightOf(t) });
  });
  return HARM_CATEGORIES.map((c, k) => {
    const ex = catEx.map((e) => ({ ...e }));
    balance(ex, (e) => e.y === k, 0.5);
    return { name: `harm:${c}`, ...trainBinary(ex, { ...ftrl, seed: 100 + k }, (e) => e.y === k) };
  });
}

/** Topics: one-vs-rest over benign items with a topic. */
function topicHeads(ft: FeaturizedTexts, usable: Usable, weightOf: WeightOf, ftrl: FtrlOptions): Head[] {
  const topEx: SparseExample[] = [];
  ft.texts.forEach((t, i) => {
    if (usable(t) && !t.harmful && t.topic) topEx.push({ idx: ft.feats[i]!, y: TOPICS.indexOf(t.topic), w: weightOf(t) });
  });
  return TOPICS.map((tp, k) => {
    const ex = topEx.map((e) => ({ ...e }));
    balance(ex, (e) => e.y === k, 0.5);
    return { name: `topic:${tp}`, ...trainBinary(ex, { ...ftrl, seed: 200 + k }, (e) => e.y === k) };
  });
}

/** Quantises every head to int8 per column and keeps only features with a non-zero weight somewhere. */
function pack(heads: Array<{ name: string; w: Float32Array; bias: number }>, bits: number, trainedOn: string[]): TextModelFile {
  const D = 1 << bits;
  const scales = heads.map((h) => {
    let m = 0;
    for (const v of h.w) m = Math.max(m, Math.abs(v));
    return m > 0 ? m / 127 : 1;
  });
  const rows: number[] = [];
  const q: number[] = [];
  for (let f = 0; f < D; f++) {
    let any = false;
    const row = heads.map((h, c) => {
      const v = Math.round(h.w[f]! / scales[c]!);
      if (v !== 0) any = true;
      return Math.max(-127, Math.min(127, v));
    });
    if (!any) continue;
    rows.push(f);
    q.push(...row);
  }
  return {
    version: 1,
    bits,
    columns: heads.map((h) => h.name),
    features: encodeU32(rows),
    weights: Buffer.from(Int8Array.from(q).buffer).toString('base64'),
    scales: scales.map((s) => Number(s.toPrecision(6))),
    biases: heads.map((h) => Number(h.bias.toPrecision(6))),
    harm: { threshold: 0, benign_fpr: 0, platt: [1, 0] },
    item: { threshold: 0, app_fpr: 0 },
    trained_on: trainedOn,
  };
}

/**
 * Sets the harm threshold at HARM_FPR of the held-back benign pool and fits Platt scaling on held-back
 * prompts of both kinds (classes weighted equally), using the quantised model as it will run.
 */
function calibrate(file: TextModelFile, ft: FeaturizedTexts, leaveOut: ReadonlySet<string>): void {
  // The threshold and the calibration are read with the cap in place, as the classifier will run.
  file.harm.feature_cap = HARM_FEATURE_CAP;
  const clf: TextClassifier = buildTextClassifier(file);
  const pool = benignPool(ft, leaveOut);
  const benign = pool.map((i) => clf.harmLogit(ft.texts[i]!.text));
  const { threshold, fpr } = thresholdAtFpr(benign, HARM_FPR);
  const harmful: number[] = [];
  ft.texts.forEach((t, i) => {
    if (t.harmful && t.holdout && t.train && !leaveOut.has(t.set)) harmful.push(clf.harmLogit(t.text));
  });
  file.harm = { ...file.harm, threshold: Number(threshold.toPrecision(6)), benign_fpr: Number(fpr.toPrecision(4)), platt: fitPlatt(benign, harmful) };
  const app = pool.filter((i) => APP_SETS.has(ft.texts[i]!.set)).map((i) => clf.itemLogit(ft.texts[i]!.text));
  const it = thresholdAtFpr(app, ITEM_FPR);
  file.item = { threshold: Number(it.threshold.toPrecision(6)), app_fpr: Number(it.fpr.toPrecision(4)) };
}
