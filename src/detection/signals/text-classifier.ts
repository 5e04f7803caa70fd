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
import { FeatureBuffer, hashedFeatures } from '../text/hashed-features.js';
import { contentOf } from './harness-cues.js';
import { decodeU32 } from './fingerprint-index.js';
import { CAPABILITY_TOPICS, HARM_CATEGORIES, TOPICS } from './taxonomy.js';
import { U32Table } from './u32-table.js';

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
  };
  /** Logit at or above which a prompt reads as a benchmark item (at the false-positive rate below on app prompts). */
  item: { threshold: number; app_fpr: number };
  /** Data sets the heads were trained on (documentation; the eval trains its own without the held-out ones). */
  trained_on: string[];
}

export interface TextVerdict {
  /** Calibrated P(harmful request). */
  harmP: number;
  harmful: boolean;
  /** Index into HARM_CATEGORIES of the most likely category (meaningful when harmful), -1 when none. */
  harmCategory: number;
  /** Index into TOPICS. */
  topic: number;
  capability: boolean;
  /** Written like a benchmark item. */
  evalItem: boolean;
}

export interface TextClassifier {
  readonly bits: number;
  readonly harmThreshold: number;
  readonly benignFpr: number;
  /** `cues`: the prompt's harness cues when already known (skips looking for scaffolding that is not there). */
  classify(text: string, cues?: number): TextVerdict;
  /** Raw harm logit (the evaluation sets thresholds on it). */
  harmLogit(text: string): number;
  /** Raw benchmark-item logit. */
  itemLogit(text: string): number;
}

const MIN_KNOWN = 4;

export function buildTextClassifier(file: TextModelFile): TextClassifier {
  const vocab = decodeU32(file.features);
  const C = file.columns.length;
  const raw = Buffer.from(file.weights, 'base64');
  const w8 = new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  if (w8.length !== vocab.length * C) throw new Error(`text model: ${w8.length} weights for ${vocab.length} features x ${C} columns`);
  const rows = new U32Table(vocab.length);
  vocab.forEach((f, i) => rows.set(f, i));
  const col = (name: string) => file.columns.indexOf(name);
  const harmCol = col('harm');
  const itemCol = col('item');
  const harmCols = HARM_CATEGORIES.map((c) => col(`harm:${c}`));
  const topicCols = TOPICS.map((t) => col(`topic:${t}`));
  if (harmCol < 0 || itemCol < 0 || harmCols.some((c) => c < 0) || topicCols.some((c) => c < 0)) throw new Error('text model: missing columns');
  const capabilityTopic = new Uint8Array(TOPICS.length);
  for (const t of CAPABILITY_TOPICS) capabilityTopic[TOPICS.indexOf(t)] = 1;
  const scales = Float64Array.from(file.scales);
  const biases = Float64Array.from(file.biases);
  const [pa, pb] = file.harm.platt;
  const buf = new FeatureBuffer();
  const acc = new Float64Array(C);
  // Columns every prompt needs (harm, topics) are summed in one pass; harm categories only for harmful prompts.
  const hot = Int32Array.from([harmCol, itemCol, ...topicCols]);
  const H = hot.length;
  const harmColsArr = Int32Array.from(harmCols);
  const hitRows = new Int32Array(buf.idx.length);
  let hits = 0;
  let norm = 0;

  /** Fills acc for the hot columns; returns how many of the text's features the model knows. */
  function score(text: string, cues?: number): number {
    const n = hashedFeatures(contentOf(text, cues), file.bits, buf);
    for (let j = 0; j < H; j++) acc[hot[j]!] = 0;
    hits = 0;
    for (let k = 0; k < n; k++) {
      const r = rows.get(buf.idx[k]!);
      if (r < 0) continue;
      hitRows[hits++] = r;
      const base = r * C;
      for (let j = 0; j < H; j++) {
        const c = hot[j]!;
        acc[c] = acc[c]! + w8[base + c]!;
      }
    }
    norm = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let j = 0; j < H; j++) {
      const c = hot[j]!;
      acc[c] = biases[c]! + scales[c]! * acc[c]! * norm;
    }
    return hits;
  }
  function scoreHarmCategories(): void {
    const K = harmColsArr.length;
    for (let j = 0; j < K; j++) acc[harmColsArr[j]!] = 0;
    for (let k = 0; k < hits; k++) {
      const base = hitRows[k]! * C;
      for (let j = 0; j < K; j++) {
        const c = harmColsArr[j]!;
        acc[c] = acc[c]! + w8[base + c]!;
      }
    }
    for (let j = 0; j < K; j++) {
      const c = harmColsArr[j]!;
      acc[c] = biases[c]! + scales[c]! * acc[c]! * norm;
    }
  }
  const argmax = (cols: number[]): number => {
    let best = 0;
    for (let i = 1; i < cols.length; i++) if (acc[cols[i]!]! > acc[cols[best]!]!) best = i;
    return best;
  };

  return {
    bits: file.bits,
    harmThreshold: file.harm.threshold,
    benignFpr: file.harm.benign_fpr,
    harmLogit(text) {
      score(text);
      return acc[harmCol]!;
    },
    itemLogit(text) {
      score(text);
      return acc[itemCol]!;
    },
    classify(text, cues) {
      if (!text) return { harmP: 0, harmful: false, harmCategory: -1, topic: TOPICS.indexOf('chat'), capability: false, evalItem: false };
      const known = score(text, cues);
      const z = acc[harmCol]!;
      // A prompt of a few words the model knows ("hi", "User post:") carries no evidence either way.
      const harmful = known >= MIN_KNOWN && z >= file.harm.threshold;
      const topic = argmax(topicCols);
      if (harmful) scoreHarmCategories();
      return {
        harmP: 1 / (1 + Math.exp(-(pa * z + pb))),
        harmful,
        harmCategory: harmful ? argmax(harmCols) : -1,
        topic,
        capability: capabilityTopic[topic] === 1,
        evalItem: known >= MIN_KNOWN && acc[itemCol]! >= file.item.threshold,
      };
    },
  };
}

export function loadTextClassifier(path: string): TextClassifier {
  return buildTextClassifier(JSON.parse(readFileSync(path, 'utf8')) as TextModelFile);
}
