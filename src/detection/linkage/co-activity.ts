// Co-activity of two accounts (SynchroTrap, CCS 2014; CopyCatch, WWW 2013): how many short time buckets both
// were active in, against how many chance would give. Chance keeps each account's hours of the day: two
// developers who both work 9 to 5 share many buckets, and that is exactly what their hours predict; accounts
// driven by one orchestrator share the same bursts on the same days, far beyond it.

export interface CoActivity {
  shared: number;
  expected: number;
  /** -ln P(at least `shared` shared buckets | chance), Poisson (Chernoff) bound; 0 when not above chance. */
  nats: number;
}

/** Buckets of a sorted list within [lo, hi], per hour-of-day slot. */
function perSlot(buckets: ArrayLike<number>, n: number, lo: number, hi: number, perHour: number, out: Float64Array): void {
  out.fill(0);
  for (let i = 0; i < n; i++) {
    const x = buckets[i]!;
    if (x < lo || x > hi) continue;
    const slot = Math.floor(x / perHour) % 24;
    out[slot] = out[slot]! + 1;
  }
}

/** Number of integers x in [0, N) whose hour-of-day slot is `slot`. */
function slotCountBelow(N: number, slot: number, perHour: number): number {
  const P = 24 * perHour;
  const s = slot * perHour;
  const full = Math.floor(N / P) * perHour;
  const rest = Math.min(perHour, Math.max(0, (N % P) - s));
  return full + rest;
}

const slotsA = new Float64Array(24);
const slotsB = new Float64Array(24);

/**
 * `a` and `b` are ascending bucket ids (bucket = floor(ms / bucketMs)); `perHour` buckets make an hour.
 * Only the span both accounts were seen in counts.
 */
export function coActivity(a: ArrayLike<number>, an: number, b: ArrayLike<number>, bn: number, perHour: number): CoActivity {
  if (an === 0 || bn === 0) return { shared: 0, expected: 0, nats: 0 };
  const lo = Math.max(a[0]!, b[0]!);
  const hi = Math.min(a[an - 1]!, b[bn - 1]!);
  if (hi < lo) return { shared: 0, expected: 0, nats: 0 };
  let shared = 0;
  for (let i = 0, j = 0; i < an && j < bn; ) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      if (x >= lo && x <= hi) shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  perSlot(a, an, lo, hi, perHour, slotsA);
  perSlot(b, bn, lo, hi, perHour, slotsB);
  let expected = 0;
  for (let h = 0; h < 24; h++) {
    const d = slotCountBelow(hi + 1, h, perHour) - slotCountBelow(lo, h, perHour);
    if (d > 0) expected += (slotsA[h]! * slotsB[h]!) / d;
  }
  return { shared, expected, nats: poissonExcess(shared, expected) };
}

/** -ln P(X >= k) bound for X ~ Poisson(mu): k ln(k/mu) - k + mu when k > mu (and k >= 3), else 0. */
export function poissonExcess(k: number, mu: number): number {
  if (k < 3 || k <= mu) return 0;
  const m = Math.max(mu, 1e-6);
  return k * Math.log(k / m) - k + m;
}
