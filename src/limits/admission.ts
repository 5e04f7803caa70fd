// Admission as a pure function over counter states: check every applicable limit, admit only if all pass,
// and reserve the request's cost on each. The memory backend runs this directly; the Redis Lua script
// (redis-scripts.ts) implements the same rules, and one contract suite checks both.
import type { RequestFacts } from '../policy/request-facts.js';
import type { Usage } from './limiter.js';
import { anchoredAdd, anchoredAdjust, anchoredCheck, emptyAnchoredWindow, type AnchoredWindowState } from './anchored-window.js';
import { acquireLease, concurrencyCheck, emptyConcurrency, releaseLease, type ConcurrencyState } from './concurrency.js';
import type { CounterCheck } from './counter-check.js';
import { BUCKETS_PER_WINDOW, windowMsOf, type LimitMetric, type ResolvedLimit } from './limit-spec.js';
import { bucketOf, emptySlidingWindow, slidingAdd, slidingAdjust, slidingCheck, type SlidingWindowParams, type SlidingWindowState } from './sliding-window.js';

export type CounterAlgo = 'sliding' | 'anchored' | 'concurrency';
export type CounterState = SlidingWindowState | AnchoredWindowState | ConcurrencyState;

export function algoOf(m: LimitMetric): CounterAlgo {
  if (m.kind === 'concurrency') return 'concurrency';
  if (m.kind === 'window' && m.mode === 'anchored') return 'anchored';
  return 'sliding';
}

export function slidingParamsOf(m: LimitMetric): SlidingWindowParams {
  const windowMs = windowMsOf(m);
  return { windowMs, bucketMs: Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW)) };
}

/** What admission reserves: 1 request, the input estimate, and max_tokens (or the default) for output. */
export function reservationCost(m: LimitMetric, facts: Pick<RequestFacts, 'inputTokensEstimate' | 'maxTokens'>, defaultMaxTokens: number): number {
  const input = Math.max(0, Math.ceil(facts.inputTokensEstimate));
  const output = Math.max(0, Math.ceil(facts.maxTokens ?? defaultMaxTokens));
  if (m.kind === 'concurrency') return 1;
  if (m.unit === 'requests') return 1;
  if (m.unit === 'input_tokens') return input;
  if (m.unit === 'output_tokens') return output;
  return input + output;
}

/** What a request really used, per metric; requests and concurrency stay as reserved. */
export function actualCost(m: LimitMetric, usage: Usage, reserved: number): number {
  if (m.kind === 'concurrency' || m.unit === 'requests') return reserved;
  const input = Math.max(0, Math.ceil(usage.inputTokens));
  const output = Math.max(0, Math.ceil(usage.outputTokens));
  if (m.unit === 'input_tokens') return input;
  if (m.unit === 'output_tokens') return output;
  return input + output;
}

export interface LimitStatus extends CounterCheck {
  limit: ResolvedLimit;
  cost: number;
  /** Bucket index (sliding) or session anchor (anchored) the reservation went into; 0 for concurrency. */
  ref: number;
}

export interface Reservation {
  counter: string;
  metric: LimitMetric;
  cost: number;
  ref: number;
}

export function emptyStateFor(m: LimitMetric): CounterState {
  const a = algoOf(m);
  return a === 'sliding' ? emptySlidingWindow() : a === 'anchored' ? emptyAnchoredWindow() : emptyConcurrency();
}

export function checkCounter(l: ResolvedLimit, state: CounterState, now: number, cost: number): CounterCheck {
  const m = l.metric;
  switch (algoOf(m)) {
    case 'sliding':
      return slidingCheck(state as SlidingWindowState, slidingParamsOf(m), now, l.limit, cost);
    case 'anchored':
      return anchoredCheck(state as AnchoredWindowState, windowMsOf(m), now, l.limit, cost);
    case 'concurrency':
      return concurrencyCheck(state as ConcurrencyState, now, l.limit);
  }
}

function reserve(m: LimitMetric, state: CounterState, now: number, cost: number, ticketId: string, leaseMs: number): { state: CounterState; ref: number } {
  switch (algoOf(m)) {
    case 'sliding':
      return { state: slidingAdd(state as SlidingWindowState, slidingParamsOf(m), now, cost), ref: bucketOf(now, slidingParamsOf(m)) };
    case 'anchored': {
      const next = anchoredAdd(state as AnchoredWindowState, windowMsOf(m), now, cost);
      return { state: next, ref: next.anchorAt ?? now };
    }
    case 'concurrency':
      return { state: acquireLease(state as ConcurrencyState, now, ticketId, leaseMs), ref: 0 };
  }
}

export interface AdmissionOutcome {
  ok: boolean;
  statuses: LimitStatus[];
  /** Counter states to store (only when ok). */
  next: Map<string, CounterState>;
  reservations: Reservation[];
}

export function evaluateAdmission(
  limits: readonly ResolvedLimit[],
  costs: readonly number[],
  stateOf: (counter: string, m: LimitMetric) => CounterState,
  now: number,
  ticketId: string,
  leaseMs: number,
): AdmissionOutcome {
  const checks = limits.map((l, i) => checkCounter(l, stateOf(l.counter, l.metric), now, costs[i] ?? 0));
  const ok = checks.every((c) => c.ok);
  const next = new Map<string, CounterState>();
  const reservations: Reservation[] = [];
  const statuses: LimitStatus[] = limits.map((l, i) => {
    const cost = costs[i] ?? 0;
    let ref = 0;
    if (ok) {
      const r = reserve(l.metric, next.get(l.counter) ?? stateOf(l.counter, l.metric), now, cost, ticketId, leaseMs);
      next.set(l.counter, r.state);
      ref = r.ref;
      reservations.push({ counter: l.counter, metric: l.metric, cost, ref });
    }
    return { ...checks[i]!, limit: l, cost, ref };
  });
  return { ok, statuses, next, reservations };
}

/** Settles one reservation: release the lease, refund unused tokens, charge extra tokens. */
export function settleCounter(r: Reservation, state: CounterState, now: number, ticketId: string, usage: Usage | undefined): CounterState {
  const m = r.metric;
  const delta = usage === undefined ? 0 : actualCost(m, usage, r.cost) - r.cost;
  switch (algoOf(m)) {
    case 'sliding':
      return delta === 0 ? state : slidingAdjust(state as SlidingWindowState, slidingParamsOf(m), now, r.ref, delta);
    case 'anchored':
      return delta === 0 ? state : anchoredAdjust(state as AnchoredWindowState, windowMsOf(m), now, r.ref, delta);
    case 'concurrency':
      return releaseLease(state as ConcurrencyState, ticketId);
  }
}
