// The prompt classifier: linear heads over hashed word features (src/detection/text/hashed-features.ts) of
// what a prompt asks without its harness scaffolding (contentOf),
// trained in-repo by scripts/build-models.ts and shipped as derived weights only (rules/models/text.json):
//   harm       P(the prompt asks for harmful content), calibrated; `harmful` at the shipped threshold
//   harm:<c>   one-vs-rest heads over the harm taxonomy (argmax names the category of a harmful prompt)
//   topic:<t>  one-vs-rest heads over application topics (coding, math, creative, support, chat...)
//   item       P(the prompt is written like a benchmark item: a context-free, self-contained exercise in a
//              textbook register) rather than like application traffic
// One pass reads each feature's row once and updates the harm and topic heads (the category heads run only
// for harmful prompts), so classification costs a few microseconds per prompt.
import { readFileSync } from 'node:fs';
import { ConceptScanner, compileConcepts, type ConceptTerms } from '../text/concept-lexicon.js';
import { FeatureBuffer, hashedFeatures, MAX_FEATURES, occurrenceValue } from '../text/hashed-features.js';
import { contentOf } from './harness-cues.js';
import { decodeU32 } from './fingerprint-index.js';
import { CAPABILITY_TOPICS, HARM_CATEGORIES, TOPICS } from './taxonomy.js';
import { createTextMemo } from '../text/text-memo.js';

export interface TextModelFile {
  version: 1;
  bits: number;
  /** Column names: 'harm', 'item', 'harm:<category>'..., 'topic:<topic>'... */
  columns: string[];
  /** base64 little-endian Uint32: the hashed features that carry weights (the vocabulary), sorted. */
  features: string;
  /** base64 Int8, row-major [feature][column]; a weight is int8 * scales[column]. */
  weights: string;
  scales: number[];
  biases: number[];
  harm: {
    /** Logit at or above which a prompt counts as harmful (the benign false-positive rate below). */
    threshold: number;
    /** Share of held-back benign prompts at or above the threshold. */
    benign_fpr: number;
    /** P(harmful) = 1 / (1 + exp(-(a * logit + b))), fitted on held-back prompts of both kinds. */
    platt: [number, number];
    /** Most one feature occurrence may add to the harm logit: no single word or pair decides alone. Absent: no cap. */
    feature_cap?: number;
    /**
     * Features per window. A prompt longer than this scores no higher than its most harmful run of that many
     * consecutive features: with every harm weight at or above zero, a long text whose words each carry a little
     * weight would otherwise score higher the longer it is (role-play instructions, story prompts). A run is
     * read as a short prompt is, so harm said in a few words keeps its score. Absent: whole prompts only.
     */
    window?: number;
    /**
     * Logits added to the threshold by the length of the text judged (its features; a closing request's own when
     * that is what was judged): `offsets[k]` for texts of at least `edges[k - 1]` features, `offsets[0]` below
     * `edges[0]`. Set on registers each model was trained without (src/lab/train/band-offsets.ts): a register the
     * model never saw reads as more harmful the longer its prompts, which nothing in-sample shows. Absent: none.
     */
    band_offsets?: { edges: number[]; offsets: number[] };
  };
  /** Logit at or above which a prompt reads as a benchmark item (at the false-positive rate below on app prompts). */
  item: { threshold: number; app_fpr: number };
  /** Data sets the heads were trained on (documentation; the eval trains its own without the held-out ones). */
  trained_on: string[];
  /** The harm-concept lexicon the model was trained with (rules/lexicon/harm-concepts.yaml); absent: words only. */
  concepts?: ConceptTerms;
  /** occurrenceValue's length knee the heads were trained with; absent: none (what ships). */
  length_knee?: number;
}

export interface TextVerdict {
  /** Calibrated P(harmful request). */
  harmP: number;
  harmful: boolean;
  /** Index into HARM_CATEGORIES of the most likely category (meaningful when harmful), -1 when none. */
  harmCategory: number;
  /** Index into TOPICS. */
  topic: number;
  /** The topic head's own logit for that topic (one-vs-rest: below 0, the head does not claim the prompt). */
  topicLogit: number;
  capability: boolean;
  /** Written like a benchmark item. */
  evalItem: boolean;
}

export interface TextClassifier {
  readonly bits: number;
  readonly harmThreshold: number;
  readonly benignFpr: number;
  /**
   * `cues`: the prompt's harness cues when already known (skips looking for scaffolding that is not there). The
   * verdict of an identical recent prompt is returned as it was (shared: do not modify it).
   */
  classify(text: string, cues?: number): Readonly<TextVerdict>;
  /** Raw harm logit (the evaluation sets thresholds on it). */
  harmLogit(text: string): number;
  /** The raw harm logit and the feature count of the text it judged (the closing request's when that won). */
  harmReading(text: string): { logit: number; features: number };
  /** What the harm threshold is raised by for a judged text of this many features (band_offsets; 0 without). */
  bandOffset(features: number): number;
  /** Raw benchmark-item logit. */
  itemLogit(text: string): number;
}

const MIN_KNOWN = 4;
/**
 * Verdicts of recent prompts kept for identical ones (text-memo.ts; at most 2 x 1,024 texts of up to 2,048
 * characters). In the simulated `mixed` trace 40% of the classifier's calls repeat an earlier text and 28% one of
 * the last 1,024 (agent loops resending their user turn, retries, follow-ups read with their question); a repeat
 * costs a map lookup instead of ~25 µs.
 */
const VERDICT_MEMO_ENTRIES = 1024;
const VERDICT_MEMO_CHARS = 2048;
const EMPTY_VERDICT: Readonly<TextVerdict> = Object.freeze({ harmP: 0, harmful: false, harmCategory: -1, topic: TOPICS.indexOf('chat'), topicLogit: 0, capability: false, evalItem: false });
/** A closing request is read on its own only after this much context, and only when it is this short. */
const CONTEXT_CHARS = 300;
const CLOSING_MIN = 20;
const CLOSING_MAX = 600;
/**
 * A closing request that reads as more harmful than its prompt lifts the prompt's logit part of the way, not to
 * its own: a short question alone ("How do I use hooks in my app?") has too few words for the threshold set on
 * whole prompts. Measured with a model trained without HarmBench: taking the closing request's own logit flagged
 * 63% of documentation questions asked after their page; weight 0.6 flags 0.9% of them and 55% of HarmBench's
 * contextual behaviours (9% when only the whole prompt is read).
 */
const CLOSING_WEIGHT = 0.6;

/**
 * The request that closes a long prompt ("<pasted article, code or notes>\n\nRewrite this to suggest that …"):
 * its last paragraph, when a long context comes before it. Read on its own too, because a request of a few words
 * after pages of ordinary text is drowned out when the whole prompt is scored as one bag of words.
 */
export function closingRequest(text: string): string | undefined {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) <= 32) end--;
  const k = text.lastIndexOf('\n\n', end);
  if (k < CONTEXT_CHARS) return undefined;
  const len = end - (k + 2);
  return len >= CLOSING_MIN && len <= CLOSING_MAX ? text.slice(k + 2, end) : undefined;
}

/** Index of the length band a text of `features` features falls in: how many of the ascending `edges` it reaches. */
export function bandIndex(features: number, edges: readonly number[]): number {
  let k = 0;
  while (k < edges.length && features >= edges[k]!) k++;
  return k;
}

export function buildTextClassifier(file: TextModelFile): TextClassifier {
  const vocab = decodeU32(file.features);
  const C = file.columns.length;
  const raw = Buffer.from(file.weights, 'base64');
  const w8file = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  if (w8file.length !== vocab.length * C) throw new Error(`text model: ${w8file.length} weights for ${vocab.length} features x ${C} columns`);
  const fileCol = (name: string) => file.columns.indexOf(name);
  const need = ['harm', 'item', ...TOPICS.map((t) => `topic:${t}`), ...HARM_CATEGORIES.map((c) => `harm:${c}`)];
  const missing = need.filter((n) => fileCol(n) < 0);
  if (missing.length) throw new Error(`text model: missing columns ${missing.join(', ')}`);
  // Columns every prompt needs (harm, item, topics) first, then the harm categories (summed only for harmful
  // prompts): each feature's row is read as one contiguous run.
  const order = [...need.map(fileCol), ...file.columns.map((_, i) => i).filter((i) => !need.includes(file.columns[i]!))];
  const H = 2 + TOPICS.length;
  const K = HARM_CATEGORIES.length;
  // Rows indexed by the feature itself (the space is 2^bits): one memory access per feature instead of a
  // table probe and then the row. Columns every prompt needs (harm, item, topics) in one array, the harm
  // categories (summed only for harmful prompts) in another; `known` marks the features the model has.
  const space = 2 ** file.bits;
  const hotW = new Int8Array(space * H);
  const harmW = new Int8Array(space * K);
  const known = new Uint8Array(space >>> 3);
  for (let r = 0; r < vocab.length; r++) {
    const f = vocab[r]!;
    if (f >= space) throw new Error(`text model: feature ${f} outside 2^${file.bits}`);
    known[f >>> 3] = known[f >>> 3]! | (1 << (f & 7));
    for (let j = 0; j < H; j++) hotW[f * H + j] = w8file[r * C + order[j]!]!;
    for (let j = 0; j < K; j++) harmW[f * K + j] = w8file[r * C + order[H + j]!]!;
  }
  const scales = Float64Array.from(order, (i) => file.scales[i]!);
  const biases = Float64Array.from(order, (i) => file.biases[i]!);
  const harmCol = 0;
  const itemCol = 1;
  const topicCols = TOPICS.map((_, i) => 2 + i);
  const harmCols = HARM_CATEGORIES.map((_, i) => H + i);
  const capabilityTopic = new Uint8Array(TOPICS.length);
  for (const t of CAPABILITY_TOPICS) capabilityTopic[TOPICS.indexOf(t)] = 1;
  const [pa, pb] = file.harm.platt;
  const harmCap = file.harm.feature_cap ?? 0;
  const knee = file.length_knee ?? 0;
  const harmWindow = file.harm.window ?? 0;
  if (!Number.isInteger(harmWindow) || harmWindow < 0) throw new Error(`text model: harm.window must be a whole number of features, got ${harmWindow}`);
  const bands = file.harm.band_offsets;
  if (bands) {
    const { edges, offsets } = bands;
    const ascending = edges.every((e, k) => Number.isInteger(e) && e > 0 && (k === 0 || e > edges[k - 1]!));
    if (!ascending || offsets.length !== edges.length + 1 || !offsets.every((o) => Number.isFinite(o) && o >= 0))
      throw new Error('text model: harm.band_offsets needs ascending whole-number edges and one offset (>= 0) per band');
  }
  const bandOffset = (features: number): number => (bands ? bands.offsets[bandIndex(features, bands.edges)]! : 0);
  const harmRun = new Float64Array(MAX_FEATURES + 1);
  // A run's features each carry 1/sqrt(window) and are capped as a prompt of that many features is.
  const winNorm = harmWindow > 0 ? 1 / Math.sqrt(harmWindow) : 0;
  const capW = harmCap > 0 && winNorm > 0 ? harmCap / (scales[harmCol]! * winNorm) : Infinity;
  const buf = new FeatureBuffer();
  const memo = createTextMemo<TextVerdict>(VERDICT_MEMO_ENTRIES, VERDICT_MEMO_CHARS);
  const scanner = file.concepts ? new ConceptScanner(compileConcepts(file.concepts)) : undefined;
  const acc = new Float64Array(C);
  const hitFeatures = new Int32Array(buf.idx.length);
  let hits = 0;
  let twoWords = false;
  let norm = 0;
  /** Features of the text last scored. */
  let scoredN = 0;

  /**
   * Fills acc for the hot columns; returns how many of the text's features the model knows, or 0 when it knows
   * fewer than two distinct content words (function-word pairs alone are no evidence).
   */
  function score(text: string, cues?: number): number {
    const n = hashedFeatures(contentOf(text, cues), file.bits, buf, scanner);
    scoredN = n;
    norm = occurrenceValue(n, knee);
    const windowed = harmWindow > 0 && n > harmWindow;
    // The cap in int8 units of the harm column for this text (a feature adds scale * weight * norm to the logit).
    const capQ = harmCap > 0 && norm > 0 ? harmCap / (scales[harmCol]! * norm) : Infinity;
    acc.fill(0, 0, H);
    hits = 0;
    let firstWord = -1;
    twoWords = false;
    let run = 0;
    if (windowed) harmRun[0] = 0;
    for (let k = 0; k < n; k++) {
      const f = buf.idx[k]!;
      if ((known[f >>> 3]! & (1 << (f & 7))) === 0) {
        if (windowed) harmRun[k + 1] = run;
        continue;
      }
      hitFeatures[hits++] = f;
      if (buf.word[k] === 1 && !twoWords) {
        if (firstWord < 0) firstWord = f;
        else if (f !== firstWord) twoWords = true;
      }
      const base = f * H;
      // harmCol is the first hot column; only it is capped.
      const hw = hotW[base + harmCol]!;
      acc[harmCol] = acc[harmCol]! + (hw > capQ ? capQ : hw);
      if (windowed) harmRun[k + 1] = run += hw > capW ? capW : hw;
      for (let j = harmCol + 1; j < H; j++) acc[j] = acc[j]! + hotW[base + j]!;
    }
    for (let j = 0; j < H; j++) acc[j] = biases[j]! + scales[j]! * acc[j]! * norm;
    if (windowed) {
      // harmRun[k] is the harm sum of the first k features: a window's sum is a difference of two.
      let best = -Infinity;
      for (let k = harmWindow; k <= n; k++) best = Math.max(best, harmRun[k]! - harmRun[k - harmWindow]!);
      const zWin = biases[harmCol]! + scales[harmCol]! * best * winNorm;
      if (zWin < acc[harmCol]!) acc[harmCol] = zWin;
    }
    return twoWords ? hits : 0;
  }
  function scoreHarmCategories(): void {
    acc.fill(0, H, H + K);
    for (let k = 0; k < hits; k++) {
      const base = hitFeatures[k]! * K;
      for (let j = 0; j < K; j++) acc[H + j] = acc[H + j]! + harmW[base + j]!;
    }
    for (let j = H; j < H + K; j++) acc[j] = biases[j]! + scales[j]! * acc[j]! * norm;
  }
  const argmax = (cols: number[]): number => {
    let best = 0;
    for (let i = 1; i < cols.length; i++) if (acc[cols[i]!]! > acc[cols[best]!]!) best = i;
    return best;
  };

  /**
   * The harm logit of the prompt, lifted towards its closing request's when that reads as more harmful, with the known-feature
   * count of the text judged in judgedKnown; leaves acc holding the whole prompt's hot columns (topic, item) and wholeKnown its
   * count. `fromClosing` says which text won.
   */
  let fromClosing = false;
  let closingKnown = 0;
  let wholeKnown = 0;
  let judgedKnown = 0;
  let closingN = 0;
  let judgedN = 0;
  function harmOf(text: string, cues?: number): number {
    const closing = closingRequest(text);
    let zc = -Infinity;
    if (closing !== undefined) {
      closingKnown = score(closing);
      closingN = scoredN;
      if (closingKnown >= MIN_KNOWN) zc = acc[harmCol]!;
    }
    wholeKnown = score(text, cues);
    const zw = acc[harmCol]!;
    fromClosing = zc > zw;
    judgedKnown = fromClosing ? closingKnown : wholeKnown;
    judgedN = fromClosing ? closingN : scoredN;
    return fromClosing ? CLOSING_WEIGHT * zc + (1 - CLOSING_WEIGHT) * zw : zw;
  }

  return {
    bits: file.bits,
    harmThreshold: file.harm.threshold,
    benignFpr: file.harm.benign_fpr,
    harmLogit(text) {
      return harmOf(text);
    },
    harmReading(text) {
      const logit = harmOf(text);
      return { logit, features: judgedN };
    },
    bandOffset,
    itemLogit(text) {
      score(text);
      return acc[itemCol]!;
    },
    classify(text, cues) {
      if (!text) return EMPTY_VERDICT;
      const tag = cues ?? -1;
      const known = memo.get(text, tag);
      if (known !== undefined) return known;
      const v = classifyText(text, cues);
      memo.set(text, tag, v);
      return v;
    },
  };

  function classifyText(text: string, cues: number | undefined): TextVerdict {
    // The logit as read against the threshold: less the offset of the judged text's length band.
    const z = harmOf(text, cues) - bandOffset(judgedN);
    const known = judgedKnown;
    // A prompt with few content words the model knows ("hi", "User post:", "not ( True ) and False is")
    // carries no evidence either way: its score would come from the bias and function-word pairs alone.
    const harmful = known >= MIN_KNOWN && z >= file.harm.threshold;
    const topic = argmax(topicCols);
    const topicLogit = acc[topicCols[topic]!]!;
    const evalItem = wholeKnown >= MIN_KNOWN && acc[itemCol]! >= file.item.threshold;
    if (harmful) {
      // The category is read from whichever text was judged harmful.
      if (fromClosing) score(closingRequest(text)!);
      scoreHarmCategories();
    }
    return {
      harmP: 1 / (1 + Math.exp(-(pa * z + pb))),
      harmful,
      harmCategory: harmful ? argmax(harmCols) : -1,
      topic,
      topicLogit,
      capability: capabilityTopic[topic] === 1,
      evalItem,
    };
  }
}

export function loadTextClassifier(path: string): TextClassifier {
  return buildTextClassifier(JSON.parse(readFileSync(path, 'utf8')) as TextModelFile);
}
