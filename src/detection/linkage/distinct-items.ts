// How many different items a body of traffic holds, estimated from the K smallest item hashes seen (a KMV
// sketch): bounded, and mergeable, so a cluster's union is the merge of its members' sketches. Its use is
// overlap: a network harvesting a model splits its items between its accounts, so the union of their items is
// about the sum of each account's; a class whose students each run the same evaluation sends every account the
// same items, so the union is about one account's.
import { packArray, unpackInto } from '../checkpoint/codec.js';

/** Hashes kept: the estimate's relative error is about 1/sqrt(K - 2), ~9% at 128. */
export const DISTINCT_SLOTS = 128;
const SPACE = 2 ** 32;

export class DistinctItems {
  /** The smallest distinct hashes seen, ascending; only the first `n` are meaningful. */
  readonly mins = new Uint32Array(DISTINCT_SLOTS);
  n = 0;
  /**
   * The sum of the distinct counts of the parts merged into this one (each part's own estimate at the time), and
   * how many were merged: a leaf's parts are itself.
   */
  partsSum = 0;
  parts = 0;

  /** Adds one item hash (uniformly distributed; 0 means no item); returns how much the estimate grew. */
  add(h: number): number {
    if (h === 0) return 0;
    const m = this.mins;
    let n = this.n;
    if (n === DISTINCT_SLOTS && h >= m[n - 1]!) return 0;
    // Binary search for the insertion point; equal means already held.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && m[lo] === h) return 0;
    const before = this.estimate();
    if (n === DISTINCT_SLOTS) n--;
    m.copyWithin(lo + 1, lo, n);
    m[lo] = h;
    this.n = n + 1;
    return this.estimate() - before;
  }

  /**
   * Counts growth of one part's own estimate (a member's new item, added to this union as well), so the parts'
   * sum stays the sum of their current counts between merges.
   */
  partGrew(by: number): void {
    if (this.parts > 0) this.partsSum += by;
  }

  /** The estimated number of different items (exact below DISTINCT_SLOTS). */
  estimate(): number {
    if (this.n < DISTINCT_SLOTS) return this.n;
    return (DISTINCT_SLOTS - 1) / ((this.mins[DISTINCT_SLOTS - 1]! + 1) / SPACE);
  }

  /** Folds another sketch in: the union's smallest hashes, and the other's parts (or itself) counted as parts. */
  merge(o: DistinctItems): void {
    if (this.parts === 0 && this.n > 0) {
      this.partsSum = this.estimate();
      this.parts = 1;
    }
    this.partsSum += o.parts > 0 ? o.partsSum : o.estimate();
    this.parts += o.parts > 0 ? o.parts : o.n > 0 ? 1 : 0;
    for (let i = 0; i < o.n; i++) this.add(o.mins[i]!);
  }

  /** For checkpoints: the held hashes (packed), the parts' sum and count. */
  toState(): [string, number, number] {
    return [packArray(this.mins.subarray(0, this.n)), this.partsSum, this.parts];
  }

  static fromState([mins, partsSum, parts]: [string, number, number]): DistinctItems {
    const d = new DistinctItems();
    const held = Buffer.from(mins, 'base64').length / 4;
    if (!Number.isInteger(held) || held > DISTINCT_SLOTS) throw new Error(`checkpoint: distinct items of ${held} hashes`);
    unpackInto(mins, d.mins.subarray(0, held));
    d.n = held;
    d.partsSum = partsSum;
    d.parts = parts;
    return d;
  }

  /**
   * Of the items the merged parts sent, the share another part also sent: 1 - union / sum of the parts' own
   * counts. 0 when the parts' items are disjoint, (k - 1) / k when k parts each sent the same set; undefined for
   * fewer than two parts.
   */
  overlap(): number | undefined {
    if (this.parts < 2 || this.partsSum <= 0) return undefined;
    return Math.max(0, Math.min(1, 1 - this.estimate() / this.partsSum));
  }
}
