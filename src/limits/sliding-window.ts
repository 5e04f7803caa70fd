// Sliding window over fixed buckets (used for per-minute limits and sliding rolling windows).
//
// The window of length W is split into buckets of length b (W/60 by default); usage is the sum of the
// bucket holding `now` and the W/b buckets before it, i.e. everything since floor((now-W)/b)*b. That span
// always contains the exact window [now-W, now], so:
//   - safety: in every exact window of length W, admitted usage <= limit (never over-admits);
//   - liveness: a request is refused only if the usage over the last W+b plus its cost exceeds the limit.
// Property tests check both against an exact list of timestamps. State is a plain object: bucket -> amount.
import type { CounterCheck } from './counter-check.js';

export interface SlidingWindowState {
  buckets: Readonly<Record<number, number>>;
}

export interface SlidingWindowParams {
  windowMs: number;
  bucketMs: number;
}

export const emptySlidingWindow = (): SlidingWindowState => ({ buckets: {} });

export const bucketOf = (now: number, p: SlidingWindowParams): number => Math.floor(now / p.bucketMs);
const spanOf = (p: SlidingWindowParams): number => Math.ceil(p.windowMs / p.bucketMs);
/** Bucket idx stops being counted at this time. */
const expiryOf = (idx: number, p: SlidingWindowParams): number => (idx + spanOf(p) + 1) * p.bucketMs;

/** Buckets still counted at `now`, in index order only when asked (sorting is needed only to find a retry time). */
function counted(state: SlidingWindowState, p: SlidingWindowParams, now: number, sorted: boolean): Array<[number, number]> {
  const oldest = bucketOf(now, p) - spanOf(p);
  const out: Array<[number, number]> = [];
  for (const k in state.buckets) {
    const idx = Number(k);
    const v = state.buckets[idx]!;
    if (idx >= oldest && v > 0) out.push([idx, v]);
  }
  return sorted ? out.sort((a, b) => a[0] - b[0]) : out;
}

export function slidingCheck(state: SlidingWindowState, p: SlidingWindowParams, now: number, limit: number, cost: number): CounterCheck {
  const live = counted(state, p, now, false);
  let used = 0;
  let oldestIdx = Infinity;
  let newestIdx = -Infinity;
  for (const [idx, v] of live) {
    used += v;
    if (idx < oldestIdx) oldestIdx = idx;
    if (idx > newestIdx) newestIdx = idx;
  }
  const ok = used + cost <= limit;
  const any = live.length > 0;
  const nextFreeAt = any ? expiryOf(oldestIdx, p) : now;
  if (ok) {
    const cur = bucketOf(now, p);
    const resetAt = cost > 0 ? expiryOf(cur, p) : any ? expiryOf(newestIdx, p) : now;
    const firstFree = any ? nextFreeAt : cost > 0 ? expiryOf(cur, p) : now;
    return { ok, used, remaining: limit - used - cost, resetAt, nextFreeAt: firstFree };
  }
  let retryAt = Infinity;
  if (cost <= limit) {
    // Oldest buckets expire first; find when enough has expired for this cost to fit.
    let freed = 0;
    for (const [idx, v] of live.sort((a, b) => a[0] - b[0])) {
      freed += v;
      if (used - freed + cost <= limit) {
        retryAt = expiryOf(idx, p);
        break;
      }
    }
  }
  return { ok, used, remaining: Math.max(0, limit - used), resetAt: any ? expiryOf(newestIdx, p) : now, retryAt, nextFreeAt };
}

/** Adds `amount` at `now` and drops buckets that no longer count. */
export function slidingAdd(state: SlidingWindowState, p: SlidingWindowParams, now: number, amount: number): SlidingWindowState {
  const cur = bucketOf(now, p);
  const buckets: Record<number, number> = {};
  for (const [idx, v] of counted(state, p, now, false)) buckets[idx] = v;
  if (amount !== 0) buckets[cur] = Math.max(0, (buckets[cur] ?? 0) + amount);
  return { buckets };
}

/**
 * Reconciles a reservation made in bucket `bucket`: a refund (delta < 0) goes back to that bucket if it
 * still counts (once it has expired the reservation no longer blocks anyone); extra usage (delta > 0) is
 * charged now, because that is when it became known and it must count for a full window.
 */
export function slidingAdjust(state: SlidingWindowState, p: SlidingWindowParams, now: number, bucket: number, delta: number): SlidingWindowState {
  if (delta >= 0) return slidingAdd(state, p, now, delta);
  const next = slidingAdd(state, p, now, 0);
  const have = next.buckets[bucket];
  if (have === undefined) return next;
  return { buckets: { ...next.buckets, [bucket]: Math.max(0, have + delta) } };
}
