// Novelty sketch: one-permutation MinHash of a prompt's word bigrams (16 slots). Comparing two sketches
// estimates the Jaccard similarity of the prompts at a cost of 16 comparisons, which is what makes a
// PRADA/SEAT-style "distance to the closest earlier query" affordable per request.
import { mixHash } from '../text/hash.js';

export const SKETCH_SLOTS = 16;
const EMPTY = 0xffffffff;

export function minhashSketch(tokenHashes: readonly number[]): Uint32Array {
  const s = new Uint32Array(SKETCH_SLOTS).fill(EMPTY);
  const n = Math.min(tokenHashes.length, 1000);
  if (n === 1) {
    const h = mixHash(tokenHashes[0]!, 0x27d4eb2f);
    s[h & (SKETCH_SLOTS - 1)] = h >>> 4;
    return s;
  }
  for (let i = 1; i < n; i++) {
    const h = mixHash(mixHash(tokenHashes[i - 1]!, 0x27d4eb2f), tokenHashes[i]!);
    const slot = h & (SKETCH_SLOTS - 1);
    const v = h >>> 4;
    if (v < s[slot]!) s[slot] = v;
  }
  return s;
}

/** Estimated Jaccard similarity: share of equal slots among slots filled in either sketch. */
export function sketchSimilarity(a: Uint32Array, b: Uint32Array, bOffset = 0): number {
  let eq = 0;
  let filled = 0;
  for (let i = 0; i < SKETCH_SLOTS; i++) {
    const x = a[i]!;
    const y = b[bOffset + i]!;
    if (x === EMPTY && y === EMPTY) continue;
    filled++;
    if (x === y) eq++;
  }
  return filled ? eq / filled : 1;
}
