// Which items linked accounts share, from a uniform sample of the distinct items they sent: the K smallest item
// hashes (a KMV sketch), each with how many accounts sent it. Bounded and mergeable, so a cluster's sketch is
// the merge of its members'. Its use is overlap: a network harvesting a model splits its items between its
// accounts, so nearly every item has one sender; a class whose students each run the same evaluation sends
// every account the same items, so nearly every item has several, even while the students are at different
// points of the list.
import { packArray, unpackInto } from '../checkpoint/codec.js';

/** Items sampled: the overlap's standard error is at most about 1/sqrt(4K), ~4.5% at 128. */
export const DISTINCT_SLOTS = 128;

export class DistinctItems {
  /** The smallest distinct hashes seen, ascending; only the first `n` are meaningful. */
  readonly mins = new Uint32Array(DISTINCT_SLOTS);
  /** Per held hash, how many accounts sent it. */
  readonly senders = new Uint32Array(DISTINCT_SLOTS);
  n = 0;
  /** Accounts whose items this sketch holds: 1 for an account's own, the members' for a cluster's. */
  parts = 1;

  /** Adds an item this sketch's own account sent (a repeat changes nothing); returns whether it is newly held. */
  addOwn(h: number): boolean {
    return this.insert(h, 1, 0);
  }

  /** Counts `senders` more accounts for an item (a member's first sending of it, or a merged part's). */
  addFrom(h: number, senders: number): void {
    this.insert(h, senders, senders);
  }

  /** Holds `h` if it is among the K smallest: new with `senders`, or already held with `more` added. */
  private insert(h: number, senders: number, more: number): boolean {
    if (h === 0) return false;
    const m = this.mins;
    let n = this.n;
    if (n === DISTINCT_SLOTS && h > m[n - 1]!) return false;
    // Binary search for the insertion point; equal means already held.
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (m[mid]! < h) lo = mid + 1;
      else hi = mid;
    }
    if (lo < n && m[lo] === h) {
      this.senders[lo] = this.senders[lo]! + more;
      return false;
    }
    if (n === DISTINCT_SLOTS) n--;
    m.copyWithin(lo + 1, lo, n);
    this.senders.copyWithin(lo + 1, lo, n);
    m[lo] = h;
    this.senders[lo] = senders;
    this.n = n + 1;
    return true;
  }

  /** Folds another account's or cluster's sketch in: the union's smallest hashes, their senders added up. */
  merge(o: DistinctItems): void {
    for (let i = 0; i < o.n; i++) this.addFrom(o.mins[i]!, o.senders[i]!);
    this.parts += o.parts;
  }

  /**
   * Of what the accounts sent (each account's distinct items), the share that another account sent too: near 0
   * for disjoint items, 1 when every item was sent by at least two. Undefined for one account.
   */
  overlap(): number | undefined {
    if (this.parts < 2) return undefined;
    let all = 0;
    let shared = 0;
    for (let i = 0; i < this.n; i++) {
      const s = this.senders[i]!;
      all += s;
      if (s >= 2) shared += s;
    }
    return all > 0 ? shared / all : undefined;
  }

  /** For checkpoints: the held hashes and their senders (packed), and the parts. */
  toState(): [string, string, number] {
    return [packArray(this.mins.subarray(0, this.n)), packArray(this.senders.subarray(0, this.n)), this.parts];
  }

  static fromState([mins, senders, parts]: [string, string, number]): DistinctItems {
    const d = new DistinctItems();
    const held = Buffer.from(mins, 'base64').length / 4;
    if (!Number.isInteger(held) || held > DISTINCT_SLOTS) throw new Error(`checkpoint: distinct items of ${held} hashes`);
    unpackInto(mins, d.mins.subarray(0, held));
    unpackInto(senders, d.senders.subarray(0, held));
    d.n = held;
    d.parts = parts;
    return d;
  }
}
