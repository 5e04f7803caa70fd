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

/** Hashes of all word n-grams (a single hash of the whole sequence when it is shorter than n). */
export function shingleHashes(tokenHashes: readonly number[], n: number): number[] {
  const out: number[] = [];
  if (tokenHashes.length === 0) return out;
  const count = Math.max(1, tokenHashes.length - n + 1);
  for (let i = 0; i < count; i++) {
    let h = 0x9747b28c;
    const end = Math.min(tokenHashes.length, i + n);
    for (let j = i; j < end; j++) h = mixHash(h, tokenHashes[j]!);
    out.push(h);
  }
  return out;
}

export function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}
