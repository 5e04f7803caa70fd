// Admission over counter states: check every applicable limit, admit only if all pass, and reserve the
// request's cost on each; settle reconciles the reservation. The memory backend runs this on its own state
// map, updating it in place (copying states per request cost more than the checks); the Redis Lua script
// (redis-scripts.ts) implements the same rules, and one contract suite checks both.
import type { RequestFacts } from '../policy/request-facts.js';
import type { BatchCharge, LimitStatus, Usage } from './limiter.js';
import { anchoredAddInPlace, anchoredAdjustInPlace, anchoredCheck, emptyAnchoredWindow, type AnchoredWindowState } from './anchored-window.js';
import { acquireLeaseInPlace, concurrencyCheck, emptyConcurrency, releaseLeaseInPlace, type ConcurrencyState } from './concurrency.js';
import type { CounterCheck } from './counter-check.js';
import type { ResolvedLimit } from './limit-spec.js';
import { chargeCost, planLimit, type CounterAlgo, type PlannedLimit } from './limit-plan.js';
import { bucketOf, emptySlidingWindow, slidingAddInPlace, slidingAdjustInPlace, slidingCheck, type SlidingWindowState } from './sliding-window.js';

export type CounterState = SlidingWindowState | AnchoredWindowState | ConcurrencyState;
/** A backend's counter states by counter id. */
export type CounterStates = Map<string, CounterState>;

/** Token counts are charged whole and never negative. */
export const wholeTokens = (n: number): number => Math.max(0, Math.ceil(n));

/**
 * How far settling with `usage` moves a counter from its reservation `cost`: token counters to the real usage,
 * request counters only when `usage.requests` is given, concurrency never (its lease is released instead).
 * Undefined usage keeps the reservation.
 */
export function settleDelta(p: PlannedLimit, cost: number, usage: Usage | undefined): number {
  if (usage === undefined || p.algo === 'concurrency') return 0;
  if (p.charge === 'request') return usage.requests === undefined ? 0 : wholeTokens(usage.requests) - cost;
  return chargeCost(p.charge, wholeTokens(usage.inputTokens), wholeTokens(usage.outputTokens)) - cost;
}
/** Tokens reserved for input (the estimate) and output (max_tokens or the default). */
export const reservedInput = (facts: Pick<RequestFacts, 'inputTokensEstimate'>): number => wholeTokens(facts.inputTokensEstimate);
export const reservedOutput = (facts: Pick<RequestFacts, 'maxTokens'>, defaultMaxTokens: number): number => wholeTokens(facts.maxTokens ?? defaultMaxTokens);

/** What admission reserves on every planned limit, in plan order: 1 request, the input estimate, and max_tokens
 * (or the default) for output; a batch (`batch`) reserves its item count and every item's tokens at once.
 * Settle charges the real usage the same way (requests stay as reserved). */
export function reservationCosts(plan: readonly PlannedLimit[], facts: Pick<RequestFacts, 'inputTokensEstimate' | 'maxTokens'>, defaultMaxTokens: number, batch?: BatchCharge): number[] {
  const input = reservedInput(facts);
  const output = batch ? wholeTokens(facts.maxTokens ?? 0) + batch.withoutMaxTokens * reservedOutput({}, defaultMaxTokens) : reservedOutput(facts, defaultMaxTokens);
  const costs: number[] = [];
  for (const p of plan) costs.push(batch && p.charge === 'request' && p.algo !== 'concurrency' ? batch.requests : chargeCost(p.charge, input, output));
  return costs;
}

export function emptyStateFor(algo: CounterAlgo): CounterState {
  return algo === 'sliding' ? emptySlidingWindow() : algo === 'anchored' ? emptyAnchoredWindow() : emptyConcurrency();
}

/** Checks one limit; a missing state is an unused counter. */
export function checkPlanned(p: PlannedLimit, state: CounterState | undefined, now: number, cost: number): CounterCheck {
  const s = state ?? emptyStateFor(p.algo);
  switch (p.algo) {
    case 'sliding':
      return slidingCheck(s as SlidingWindowState, p.params, now, p.limit.limit, cost);
    case 'anchored':
      return anchoredCheck(s as AnchoredWindowState, p.windowMs, now, p.limit.limit, cost);
    case 'concurrency':
      return concurrencyCheck(s as ConcurrencyState, now, p.limit.limit);
  }
}

export function checkCounter(l: ResolvedLimit, state: CounterState | undefined, now: number, cost: number): CounterCheck {
  return checkPlanned(planLimit(l), state, now, cost);
}

/** Reserves `cost` in place; returns the reservation's ref (bucket index or session anchor). */
function reserveInPlace(p: PlannedLimit, state: CounterState, now: number, cost: number, ticketId: string, leaseMs: number): number {
  switch (p.algo) {
    case 'sliding':
      slidingAddInPlace(state as SlidingWindowState, p.params, now, cost);
      return bucketOf(now, p.params);
    case 'anchored':
      return anchoredAddInPlace(state as AnchoredWindowState, p.windowMs, now, cost).anchorAt ?? now;
    case 'concurrency':
      acquireLeaseInPlace(state as ConcurrencyState, now, ticketId, leaseMs);
      return 0;
  }
}

function newCounter(p: PlannedLimit, states: CounterStates, onNewCounter: ((p: PlannedLimit) => void) | undefined): CounterState {
  const state = emptyStateFor(p.algo);
  states.set(p.limit.counter, state);
  onNewCounter?.(p);
  return state;
}

export interface AdmissionOutcome {
  ok: boolean;
  /** One per planned limit, in plan order; `ref` is set when admitted. */
  statuses: LimitStatus[];
}

/**
 * Checks every planned limit against `states` and, only if all admit, reserves each cost, updating `states`
 * in place (counters are created on first use, reported to `onNewCounter`). Synchronous, so nothing interleaves between check and reserve.
 */
export function admitInPlace(
  plan: readonly PlannedLimit[],
  costs: readonly number[],
  states: CounterStates,
  now: number,
  ticketId: string,
  leaseMs: number,
  onNewCounter?: (p: PlannedLimit) => void,
): AdmissionOutcome {
  const statuses: LimitStatus[] = [];
  let ok = true;
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    const cost = costs[i] ?? 0;
    const s = checkPlanned(p, states.get(p.limit.counter), now, cost) as LimitStatus; // fresh object: ours to extend
    s.limit = p.limit;
    s.cost = cost;
    s.ref = 0;
    if (!s.ok) ok = false;
    statuses.push(s);
  }
  if (!ok) return { ok, statuses };
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    const state = states.get(p.limit.counter) ?? newCounter(p, states, onNewCounter);
    statuses[i]!.ref = reserveInPlace(p, state, now, costs[i] ?? 0, ticketId, leaseMs);
  }
  return { ok, statuses };
}

/**
 * Settles an admission in place: releases concurrency leases, refunds unused tokens into the bucket/session
 * they were reserved in, charges extra tokens now (settleDelta). `usage` undefined keeps the whole reservation charged.
 */
export function settleInPlace(
  plan: readonly PlannedLimit[],
  statuses: readonly LimitStatus[],
  states: CounterStates,
  now: number,
  ticketId: string,
  usage: Usage | undefined,
  onNewCounter?: (p: PlannedLimit) => void,
): void {
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i]!;
    const counter = p.limit.counter;
    if (p.algo === 'concurrency') {
      const state = states.get(counter);
      if (state) releaseLeaseInPlace(state as ConcurrencyState, ticketId);
      continue;
    }
    const st = statuses[i]!;
    const delta = settleDelta(p, st.cost, usage);
    if (delta === 0) continue;
    const state = states.get(counter) ?? newCounter(p, states, onNewCounter);
    if (p.algo === 'sliding') slidingAdjustInPlace(state as SlidingWindowState, p.params, now, st.ref, delta);
    else anchoredAdjustInPlace(state as AnchoredWindowState, p.windowMs, now, st.ref, delta);
  }
}
