// Sliding window over fixed buckets (used for per-minute limits and sliding rolling windows).
//
// The window of length W is split into buckets of length b (W/60 by default); usage is the sum of the
// bucket holding `now` and the W/b buckets before it, i.e. everything since floor((now-W)/b)*b. That span
// always contains the exact window [now-W, now], so:
//   - safety: in every exact window of length W, admitted usage <= limit (never over-admits);
//   - liveness: a request is refused only if the usage over the last W+b plus its cost exceeds the limit.
// Property tests check both against an exact list of timestamps.
//
// State is plain data: bucket indexes in ascending order with their amounts (at most W/b + 1 entries while
// time moves forward). The hot path updates a backend's private state in place (`...InPlace`), because
// copying it per request cost more than the check itself; `slidingAdd`/`slidingAdjust` are the same
// rules returning a new state.
import type { CounterCheck } from './counter-check.js';

export interface SlidingWindowState {
  /** Indexes of buckets holding usage, ascending. */
  idx: number[];
  /** `amounts[i]` is the usage in bucket `idx[i]`; never negative. */
  amounts: number[];
}

export interface SlidingWindowParams {
  windowMs: number;
  bucketMs: number;
}

export const emptySlidingWindow = (): SlidingWindowState => ({ idx: [], amounts: [] });
export const cloneSlidingWindow = (s: SlidingWindowState): SlidingWindowState => ({ idx: s.idx.slice(), amounts: s.amounts.slice() });

export const bucketOf = (now: number, p: SlidingWindowParams): number => Math.floor(now / p.bucketMs);
const spanOf = (p: SlidingWindowParams): number => Math.ceil(p.windowMs / p.bucketMs);
/** Bucket idx stops being counted at this time. */
const expiryOf = (idx: number, p: SlidingWindowParams): number => (idx + spanOf(p) + 1) * p.bucketMs;
/** Oldest bucket index still counted at `now`. */
const oldestCounted = (now: number, p: SlidingWindowParams): number => bucketOf(now, p) - spanOf(p);

/** Position of the first bucket still counted (entries before it have expired). */
function firstLive(s: SlidingWindowState, oldest: number): number {
  const idx = s.idx;
  let i = 0;
  while (i < idx.length && idx[i]! < oldest) i++;
  return i;
}

/** True when some bucket still counts at `now` (a state without one is equivalent to an empty state). */
export function slidingHasUsage(s: SlidingWindowState, p: SlidingWindowParams, now: number): boolean {
  const { idx, amounts } = s;
  for (let i = firstLive(s, oldestCounted(now, p)); i < idx.length; i++) if (amounts[i]! > 0) return true;
  return false;
}

export function slidingCheck(state: SlidingWindowState, p: SlidingWindowParams, now: number, limit: number, cost: number): CounterCheck {
  const { idx, amounts } = state;
  const n = idx.length;
  let used = 0;
  let first = -1; // oldest and newest buckets with usage: they bound the reset times
  let last = -1;
  for (let i = firstLive(state, oldestCounted(now, p)); i < n; i++) {
    const v = amounts[i]!;
    if (v > 0) {
      used += v;
      if (first < 0) first = i;
      last = i;
    }
  }
  const ok = used + cost <= limit;
  const any = first >= 0;
  const nextFreeAt = any ? expiryOf(idx[first]!, p) : now;
  if (ok) {
    const curExpiry = expiryOf(bucketOf(now, p), p);
    const resetAt = cost > 0 ? curExpiry : any ? expiryOf(idx[last]!, p) : now;
    const firstFree = any ? nextFreeAt : cost > 0 ? curExpiry : now;
    return { ok, used, remaining: limit - used - cost, resetAt, nextFreeAt: firstFree };
  }
  let retryAt = Infinity;
  if (cost <= limit) {
    // Oldest buckets expire first; find when enough has expired for this cost to fit.
    let freed = 0;
    for (let i = first; i < n; i++) {
      const v = amounts[i]!;
      if (v <= 0) continue;
      freed += v;
      if (used - freed + cost <= limit) {
        retryAt = expiryOf(idx[i]!, p);
        break;
      }
    }
  }
  return { ok, used, remaining: Math.max(0, limit - used), resetAt: any ? expiryOf(idx[last]!, p) : now, retryAt, nextFreeAt };
}

/** Drops buckets that no longer count at `now`. */
function dropExpired(s: SlidingWindowState, p: SlidingWindowParams, now: number): void {
  const k = firstLive(s, oldestCounted(now, p));
  if (k > 0) {
    s.idx.splice(0, k);
    s.amounts.splice(0, k);
  }
}

/** Adds `amount` (clamped at zero) to bucket `bucket`, keeping indexes sorted (time may step back a little). */
function addToBucket(s: SlidingWindowState, bucket: number, amount: number): void {
  const { idx, amounts } = s;
  let j = idx.length - 1;
  while (j >= 0 && idx[j]! > bucket) j--;
  if (j >= 0 && idx[j] === bucket) amounts[j] = Math.max(0, amounts[j]! + amount);
  else if (j === idx.length - 1) {
    idx.push(bucket);
    amounts.push(Math.max(0, amount));
  } else {
    idx.splice(j + 1, 0, bucket);
    amounts.splice(j + 1, 0, Math.max(0, amount));
  }
}

/** Adds `amount` at `now` and drops buckets that no longer count; updates `state` in place. */
export function slidingAddInPlace(state: SlidingWindowState, p: SlidingWindowParams, now: number, amount: number): SlidingWindowState {
  dropExpired(state, p, now);
  if (amount !== 0) addToBucket(state, bucketOf(now, p), amount);
  return state;
}

/**
 * Reconciles a reservation made in bucket `bucket`, in place: a refund (delta < 0) goes back to that bucket
 * if it still counts (once it has expired the reservation no longer blocks anyone); extra usage (delta > 0)
 * is charged now, because that is when it became known and it must count for a full window.
 */
export function slidingAdjustInPlace(state: SlidingWindowState, p: SlidingWindowParams, now: number, bucket: number, delta: number): SlidingWindowState {
  if (delta >= 0) return slidingAddInPlace(state, p, now, delta);
  dropExpired(state, p, now);
  const { idx, amounts } = state;
  for (let j = idx.length - 1; j >= 0 && idx[j]! >= bucket; j--) {
    if (idx[j] === bucket) {
      amounts[j] = Math.max(0, amounts[j]! + delta);
      break;
    }
  }
  return state;
}

/** Pure form of slidingAddInPlace: returns a new state. */
export const slidingAdd = (state: SlidingWindowState, p: SlidingWindowParams, now: number, amount: number): SlidingWindowState =>
  slidingAddInPlace(cloneSlidingWindow(state), p, now, amount);

/** Pure form of slidingAdjustInPlace: returns a new state. */
export const slidingAdjust = (state: SlidingWindowState, p: SlidingWindowParams, now: number, bucket: number, delta: number): SlidingWindowState =>
  slidingAdjustInPlace(cloneSlidingWindow(state), p, now, bucket, delta);
