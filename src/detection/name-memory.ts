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
    const known = Math.min(this.n, this.capacity);
    let fresh = 0;
    for (let i = 0; i < names.length; i++) if (this.remember(names[i]!, known)) fresh++;
    return fresh > 0;
  }

  /** Whether this one name is new, remembering it. */
  offerOne(name: number): boolean {
    return this.remember(name, Math.min(this.n, this.capacity));
  }

  /** Remembers a name not among the first `known` slots; whether it was new. */
  private remember(h: number, known: number): boolean {
    const mem = (this.mem ??= new Uint32Array(this.capacity));
    for (let j = 0; j < known; j++) if (mem[j] === h) return false;
    mem[this.n % this.capacity] = h;
    this.n++;
    return true;
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
