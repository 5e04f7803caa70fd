// Known-benchmark fingerprints: for each public benchmark/safety item, the k smallest hashes of its word
// 5-grams (after dropping n-grams shared by several items or seen in ordinary app traffic). A prompt matches an
// item when it contains most of that item's sampled n-grams: a containment test that survives templates
// wrapped around the item. Only hashes are shipped (rules/fingerprints/benchmarks.json).
import { readFileSync } from 'node:fs';
import { U32Table } from './u32-table.js';

export interface FingerprintSource {
  name: string;
  kind: string;
  category: string;
  items: number;
}

export interface FingerprintFile {
  version: 1;
  n: number;
  k: number;
  sources: FingerprintSource[];
  /** base64 Uint8Array: source index of each item. */
  itemSource: string;
  /** base64 Uint8Array: number of hashes of each item. */
  counts: string;
  /** base64 little-endian Uint32Array: the items' hashes, concatenated in item order. */
  hashes: string;
}

export interface BenchmarkMatch {
  source: string;
  /** Position of the item in its source (the `N` of `<source>-N`). */
  item: number;
  /** Global item index, stable within one fingerprint file. */
  key: number;
  sourceIndex: number;
  category: string;
  kind: string;
}

export interface FingerprintIndex {
  n: number;
  sources: FingerprintSource[];
  match(shingles: readonly number[]): BenchmarkMatch | undefined;
}

export function encodeU32(values: readonly number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => buf.writeUInt32LE(v >>> 0, i * 4));
  return buf.toString('base64');
}

/** Little-endian bytes to a Uint32Array with one bulk copy (a per-element readUInt32LE loop cost ~15 ms at start). */
export function decodeU32(b64: string): Uint32Array {
  const buf = Buffer.from(b64, 'base64');
  const out = new Uint32Array(buf.length >>> 2);
  new Uint8Array(out.buffer).set(buf.subarray(0, out.length * 4));
  if (!LITTLE_ENDIAN) for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

const FILTER_BITS = 1 << 21;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export function buildFingerprintIndex(file: FingerprintFile): FingerprintIndex {
  const itemSource = Buffer.from(file.itemSource, 'base64');
  const counts = Buffer.from(file.counts, 'base64');
  const hashes = decodeU32(file.hashes);
  const owner = new U32Table(hashes.length);
  const itemPos = new Uint32Array(itemSource.length);
  const seenPerSource = new Array<number>(file.sources.length).fill(0);
  let off = 0;
  for (let item = 0; item < itemSource.length; item++) {
    const s = itemSource[item]!;
    itemPos[item] = seenPerSource[s]!;
    seenPerSource[s] = seenPerSource[s]! + 1;
    for (let j = 0; j < counts[item]!; j++) owner.set(hashes[off + j]!, item);
    off += counts[item]!;
  }
  // A bitset of the stored hashes in front of the table: most n-grams of a prompt are no item's, and the
  // bitset (256 KiB, cache-resident) turns them away without probing the table.
  const filter = new Uint32Array(FILTER_BITS >>> 5);
  for (let i = 0; i < hashes.length; i++) {
    const b = hashes[i]! & (FILTER_BITS - 1);
    filter[b >>> 5] = filter[b >>> 5]! | (1 << (b & 31));
  }
  // Items hit by the current prompt: counts per item in a typed array, reset through the list of items touched.
  const hitCount = new Uint16Array(itemSource.length);
  const touched = new Int32Array(4096);
  return {
    n: file.n,
    sources: file.sources,
    match(shingles) {
      let nTouched = 0;
      let best = -1;
      let bestScore = 0;
      for (const h of shingles) {
        const b = h & (FILTER_BITS - 1);
        if ((filter[b >>> 5]! & (1 << (b & 31))) === 0) continue;
        const item = owner.get(h);
        if (item < 0) continue;
        if (hitCount[item] === 0) {
          if (nTouched === touched.length) continue; // a prompt touching thousands of items matches none of them well
          touched[nTouched++] = item;
        }
        const c = Math.min(hitCount[item]! + 1, 0xffff);
        hitCount[item] = c;
        const need = counts[item]!;
        // Containment: at least half of the item's sampled n-grams, and at least min(need, 2) of them.
        if (c >= Math.min(need, 2) && c * 2 >= need && c / need > bestScore) {
          best = item;
          bestScore = c / need;
        }
      }
      for (let i = 0; i < nTouched; i++) hitCount[touched[i]!] = 0;
      if (best < 0) return undefined;
      const src = file.sources[itemSource[best]!]!;
      return { source: src.name, item: itemPos[best]!, key: best, sourceIndex: itemSource[best]!, category: src.category, kind: src.kind };
    },
  };
}

export function loadFingerprintIndex(path: string): FingerprintIndex {
  return buildFingerprintIndex(JSON.parse(readFileSync(path, 'utf8')) as FingerprintFile);
}
