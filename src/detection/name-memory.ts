// The distinct names (hashes) an org has offered or named before, oldest first out: what makes a request's
// tools or biased tokens new to the org. Bounded, and kept in the org window's checkpoint.
import { packArray, unpackInto } from './checkpoint/codec.js';

export class NameMemory {
  private mem: Uint32Array | undefined;
  private n = 0;

  constructor(private readonly capacity: number) {}

  /**
   * Whether any of these names is new, remembering the new ones. Any new one counts, so a constant list of decoys
   * beside each request's own names does not hide them. No names: nothing new.
   */
  offerNew(names: Uint32Array | undefined): boolean {
    if (!names || names.length === 0) return false;
    const mem = (this.mem ??= new Uint32Array(this.capacity));
    const known = Math.min(this.n, this.capacity);
    let fresh = 0;
    for (let i = 0; i < names.length; i++) {
      const h = names[i]!;
      let seen = false;
      for (let j = 0; j < known && !seen; j++) seen = mem[j] === h;
      if (seen) continue;
      fresh++;
      mem[this.n % this.capacity] = h;
      this.n++;
    }
    return fresh > 0;
  }

  /** Undefined until a name was remembered. */
  toState(): { names: string; n: number } | undefined {
    return this.mem ? { names: packArray(this.mem), n: this.n } : undefined;
  }

  restore(names: string | undefined, n: number | undefined): void {
    this.mem = names ? unpackInto(names, new Uint32Array(this.capacity)) : undefined;
    this.n = n ?? 0;
  }
}
