// Open-addressing hash table from uint32 keys to non-negative int32 values. The fingerprint and vocabulary
// lookups run once per token of every request; a typed-array table is several times faster than a Map there.
export class U32Table {
  private readonly keys: Uint32Array;
  private readonly vals: Int32Array;
  private readonly mask: number;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap <<= 1;
    this.keys = new Uint32Array(cap);
    this.vals = new Int32Array(cap).fill(-1);
    this.mask = cap - 1;
  }

  private slot(k: number): number {
    return Math.imul(k ^ (k >>> 16), 0x45d9f3b) & this.mask;
  }

  set(k: number, v: number): void {
    let i = this.slot(k);
    while (this.vals[i]! >= 0 && this.keys[i] !== k) i = (i + 1) & this.mask;
    this.keys[i] = k;
    this.vals[i] = v;
  }

  /** The value, or -1 when absent. */
  get(k: number): number {
    let i = this.slot(k);
    while (true) {
      const v = this.vals[i]!;
      if (v < 0) return -1;
      if (this.keys[i] === k >>> 0) return v;
      i = (i + 1) & this.mask;
    }
  }
}
