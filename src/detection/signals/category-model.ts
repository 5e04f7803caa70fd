// Capability/sensitive category classifier: multinomial naive Bayes over hashed word tokens, trained offline
// from shared/data by scripts/build-fingerprints.ts and shipped as rules/models/categories.json.
import { readFileSync } from 'node:fs';
import { decodeU32 } from './fingerprint-index.js';
import { U32Table } from './u32-table.js';

export interface CategoryModelFile {
  version: 1;
  classes: string[];
  /** Classes that count as model capabilities an evaluation sweep covers. */
  capability: string[];
  /** base64 Uint32: sorted token hashes. */
  vocab: string;
  /** base64 Int16 LE: log P(token|class) * scale, row-major [token][class]. */
  weights: string;
  /** log P(unseen token|class) * scale. */
  unknown: number[];
  scale: number;
}

export interface CategoryModel {
  classes: readonly string[];
  capability: ReadonlySet<number>;
  safetyClass: number;
  /** Returns the class index and its posterior probability. */
  classify(tokenHashes: readonly number[]): { cls: number; p: number };
}

// The first 200 tokens decide the category well enough; longer prompts (pasted documents) only add cost.
const MAX_TOKENS = 200;

export function buildCategoryModel(file: CategoryModelFile): CategoryModel {
  const vocab = decodeU32(file.vocab);
  const wbuf = Buffer.from(file.weights, 'base64');
  const C = file.classes.length;
  // Bulk copy into an aligned Int16Array (the file is little-endian, like every platform Node runs on here).
  const raw = new Int16Array(vocab.length * C);
  new Uint8Array(raw.buffer).set(wbuf.subarray(0, raw.length * 2));
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] !== 1) for (let i = 0; i < raw.length; i++) raw[i] = wbuf.readInt16LE(i * 2);
  const weights = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; i++) weights[i] = raw[i]! / file.scale;
  const row = new U32Table(vocab.length);
  vocab.forEach((h, i) => row.set(h, i));
  const scores = new Float64Array(C);
  const capability = new Set(file.capability.map((c) => file.classes.indexOf(c)).filter((i) => i >= 0));
  return {
    classes: file.classes,
    capability,
    safetyClass: file.classes.indexOf('safety'),
    classify(hashes) {
      scores.fill(0);
      const n = Math.min(hashes.length, MAX_TOKENS);
      let known = 0;
      for (let t = 0; t < n; t++) {
        const r = row.get(hashes[t]!);
        if (r < 0) continue;
        known++;
        const base = r * C;
        for (let c = 0; c < C; c++) scores[c] = scores[c]! + weights[base + c]!;
      }
      if (known === 0) return { cls: file.classes.indexOf('general'), p: 0 };
      let best = 0;
      for (let c = 1; c < C; c++) if (scores[c]! > scores[best]!) best = c;
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(scores[c]! - scores[best]!);
      return { cls: best, p: 1 / z };
    },
  };
}

export function loadCategoryModel(path: string): CategoryModel {
  return buildCategoryModel(JSON.parse(readFileSync(path, 'utf8')) as CategoryModelFile);
}
