// Counts keys inside a sliding window (add on enter, remove on evict) and knows the most frequent count.
// Size is bounded by the window length, since every key present has at least one occurrence in it.
export class TopCounter<K> {
  private readonly counts = new Map<K, number>();
  private topCount = 0;

  add(key: K): void {
    const c = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, c);
    if (c > this.topCount) this.topCount = c;
  }

  remove(key: K): void {
    const c = this.counts.get(key);
    if (c === undefined) return;
    if (c <= 1) this.counts.delete(key);
    else this.counts.set(key, c - 1);
    if (c === this.topCount) {
      // Rare: the evicted key held the maximum; rescan (bounded by the window length).
      let m = 0;
      for (const v of this.counts.values()) if (v > m) m = v;
      this.topCount = m;
    }
  }

  top(): number {
    return this.topCount;
  }

  distinct(): number {
    return this.counts.size;
  }

  entries(): IterableIterator<[K, number]> {
    return this.counts.entries();
  }

  /** Checkpoint: [key, count] pairs in insertion order, and the current maximum. */
  toState(): { e: Array<[K, number]>; top: number } {
    return { e: [...this.counts.entries()], top: this.topCount };
  }

  restore(st: { e: Array<[K, number]>; top: number }): void {
    this.counts.clear();
    for (const [k, c] of st.e) this.counts.set(k, c);
    this.topCount = st.top;
  }
}
