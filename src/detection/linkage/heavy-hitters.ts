// Misra-Gries summary of the most frequent uint32 values (k counters in typed arrays): mergeable, so a
// cluster's summary is the merge of its members'. top() underestimates the true top count by at most n/(k+1).
export const HH_SLOTS = 8;

export class HeavyHitters {
  readonly keys = new Uint32Array(HH_SLOTS);
  readonly counts = new Float64Array(HH_SLOTS);

  add(key: number, c = 1): void {
    if (key === 0) return;
    let free = -1;
    for (let i = 0; i < HH_SLOTS; i++) {
      if (this.counts[i]! > 0 && this.keys[i] === key) {
        this.counts[i] = this.counts[i]! + c;
        return;
      }
      if (free < 0 && this.counts[i]! <= 0) free = i;
    }
    if (free >= 0) {
      this.keys[free] = key;
      this.counts[free] = c;
      return;
    }
    // Full: decrement every counter by the smallest of them and the new count (Misra-Gries).
    let m = c;
    for (let i = 0; i < HH_SLOTS; i++) m = Math.min(m, this.counts[i]!);
    for (let i = 0; i < HH_SLOTS; i++) this.counts[i] = this.counts[i]! - m;
    if (c > m) this.add(key, c - m);
  }

  merge(o: HeavyHitters): void {
    for (let i = 0; i < HH_SLOTS; i++) if (o.counts[i]! > 0) this.add(o.keys[i]!, o.counts[i]!);
  }

  top(): number {
    let m = 0;
    for (let i = 0; i < HH_SLOTS; i++) if (this.counts[i]! > m) m = this.counts[i]!;
    return m;
  }
}
