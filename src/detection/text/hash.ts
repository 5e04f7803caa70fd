// Stable 32-bit hashes. Fingerprints, templates and sketches only ever store these, never raw text, and the
// build script and the runtime must agree bit for bit, so both use these functions.

/** FNV-1a over UTF-16 code units. */
export function fnv1a(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Combines an accumulator with one more 32-bit value (order-sensitive); used to hash token n-grams. */
export function mixHash(acc: number, v: number): number {
  let h = (acc ^ v) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Hashes of all word n-grams (a single hash of the whole sequence when it is shorter than n): a polynomial
 * rolling hash over the tokens' hashes, finished by one mix, so each n-gram costs O(1) whatever n is.
 */
export function shingleHashes(tokenHashes: readonly number[], n: number): number[] {
  const out: number[] = [];
  const len = tokenHashes.length;
  if (len === 0) return out;
  const w = Math.min(n, len);
  // B^(w-1), to take the oldest token out of the window.
  let top = 1;
  for (let j = 1; j < w; j++) top = Math.imul(top, ROLL_BASE);
  let h = 0;
  for (let j = 0; j < w; j++) h = (Math.imul(h, ROLL_BASE) + tokenHashes[j]!) | 0;
  out.push(mixHash(h, SHINGLE_SEED));
  for (let i = w; i < len; i++) {
    h = (Math.imul((h - Math.imul(tokenHashes[i - w]!, top)) | 0, ROLL_BASE) + tokenHashes[i]!) | 0;
    out.push(mixHash(h, SHINGLE_SEED));
  }
  return out;
}
const ROLL_BASE = 0x01000193;
const SHINGLE_SEED = 0x9747b28c;

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
