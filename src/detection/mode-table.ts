// A reusable open-addressing counter for non-zero uint32 values: the most frequent count and the number of
// distinct values of a window column, with no allocation per call (one table serves every window).
export class ModeTable {
  private readonly keys: Uint32Array;
  private readonly counts: Int32Array;
  private readonly used: Int32Array;
  private usedN = 0;
  private best = 0;
  private readonly mask: number;

  constructor(capacity: number) {
    let cap = 16;
    while (cap < capacity * 2) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.counts = new Int32Array(cap);
    this.used = new Int32Array(cap);
    this.mask = cap - 1;
  }

  clear(): void {
    for (let k = 0; k < this.usedN; k++) this.counts[this.used[k]!] = 0;
    this.usedN = 0;
    this.best = 0;
  }

  /** Counts one occurrence of `key` (non-zero). Beyond half the capacity, new keys are no longer tracked. */
  add(key: number): void {
    let i = Math.imul(key ^ (key >>> 16), 0x45d9f3b) & this.mask;
    while (this.counts[i]! > 0 && this.keys[i] !== key >>> 0) i = (i + 1) & this.mask;
    if (this.counts[i] === 0) {
      if (this.usedN * 2 >= this.keys.length) return;
      this.keys[i] = key;
      this.used[this.usedN++] = i;
    }
    const c = this.counts[i]! + 1;
    this.counts[i] = c;
    if (c > this.best) this.best = c;
  }

  top(): number {
    return this.best;
  }

  distinct(): number {
    return this.usedN;
  }
}
