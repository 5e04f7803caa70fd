// Embedded limiter: counters in this process's memory. Exact within one process (admission is synchronous,
// so concurrent requests cannot interleave between check and reserve). Also the fail-open fallback of the
// Redis limiter.
import { AdmissionTicket } from './admission-ticket.js';
import { admitInPlace, checkCounter, emptyStateFor, reservationCosts, settleInPlace, type CounterState, type CounterStates } from './admission.js';
import { anchoredActive, anchoredAddInPlace, type AnchoredWindowState } from './anchored-window.js';
import { specsOf } from './compile-limit-specs.js';
import { inFlight, type ConcurrencyState } from './concurrency.js';
import { limitDenial } from './limit-denial.js';
import { planLimits, type PlannedLimit } from './limit-plan.js';
import type { AdmitInput, AdmitResult, LimitInspector, Limiter, LimitStatus, LimitSubject } from './limiter.js';
import type { LimitsConfig } from './limits-schema.js';
import { resolveKeyLimits } from './resolve-limits.js';
import { slidingAddInPlace, slidingHasUsage, type SlidingWindowState } from './sliding-window.js';
import { effectiveThrottle, throttledPlan, throttleResolved } from './throttle.js';

export interface LimiterOptions {
  /** The current limits document (from the policy view); read on every admission, so changes apply at once. */
  limits: () => LimitsConfig;
  /** Clock for settle and peek (admission uses `facts.now`). Default Date.now. */
  now?: () => number;
  /** How long a concurrency slot is held if its ticket is never settled (crashed process). Default 10 min. */
  leaseMs?: number;
  /** `caller`: headers in the caller's API convention (plus moat-*); `both`: both conventions. Default caller. */
  headers?: 'caller' | 'both';
}

export const DEFAULT_LEASE_MS = 10 * 60_000;

/** Admission calls between two steps of the incremental sweep, and counters examined per step (2 per call). */
const SWEEP_EVERY = 16;
const SWEEP_STEP = 32;

export class MemoryLimiter implements Limiter, LimitInspector {
  private readonly states: CounterStates = new Map();
  /** The limit behind each counter (its id fixes algorithm and window), for the sweep. */
  private readonly limitOf = new Map<string, PlannedLimit>();
  private readonly track = (p: PlannedLimit): void => void this.limitOf.set(p.limit.counter, p);
  private readonly opts: LimiterOptions;
  private readonly clock: () => number;
  private readonly leaseMs: number;
  private admissions = 0;
  private tickets = 0;
  private sweepCursor: Iterator<[string, PlannedLimit]> | undefined;

  constructor(opts: LimiterOptions) {
    this.opts = opts;
    this.clock = opts.now ?? Date.now;
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    return this.admitNow(input);
  }

  /** Synchronous core (also used by the Redis limiter's fail-open fallback). */
  admitNow(input: AdmitInput): AdmitResult {
    const cfg = this.opts.limits();
    const facts = input.facts;
    const now = facts.now;
    const plan = throttledPlan(planLimits(cfg, facts, input.tier, input.grantId, input.features), effectiveThrottle(cfg, facts.orgId, input.orgAttributes, now));
    const costs = reservationCosts(plan, facts, cfg.defaultMaxTokens, input.batch);
    // Ticket ids only name concurrency leases inside this process's own state: a counter is enough.
    const ticketId = String(++this.tickets);
    const out = admitInPlace(plan, costs, this.states, now, ticketId, this.leaseMs, this.track);
    // Every call advances the sweep, refused ones too: heavy refused traffic must not stall it.
    if (++this.admissions % SWEEP_EVERY === 0) this.sweepStep(now);
    if (!out.ok) return { ok: false, error: limitDenial(out.statuses, now, cfg.hardCapSeconds * 1000, this.opts.headers === 'both' ? 'both' : facts.api) };
    const statuses = out.statuses;
    // Settle happens on the admission's clock (facts.now) plus the time elapsed since: counters stay on one
    // time line even when the caller's clock is not the limiter's (e.g. an injected gateway clock).
    const since = this.clock();
    return {
      ok: true,
      ticket: new AdmissionTicket(this.opts.headers, facts.api, statuses, now, (usage) => settleInPlace(plan, statuses, this.states, now + (this.clock() - since), ticketId, usage, this.track)),
    };
  }

  async peek(subject: LimitSubject): Promise<LimitStatus[]> {
    const now = subject.now ?? this.clock();
    const cfg = this.opts.limits();
    const factor = effectiveThrottle(cfg, subject.orgId, subject.orgAttributes, now);
    return resolveKeyLimits(subject, specsOf(cfg)).map((base) => {
      const l = throttleResolved(base, factor);
      return { ...checkCounter(l, this.states.get(l.counter), now, 0), limit: l, cost: 0, ref: 0 };
    });
  }

  /**
   * Starts a counter this limiter has not used yet from usage seen elsewhere (the Redis limiter's fail-open:
   * the shared usage it last saw). Sliding: the amount in the bucket of `at`; anchored: a session ending at
   * `resetAt`. Concurrency is not seeded (other gateways' slots are theirs to release).
   */
  seed(p: PlannedLimit, seen: { used: number; at: number; resetAt: number }): void {
    if (p.algo === 'concurrency' || this.states.has(p.limit.counter) || seen.used <= 0) return;
    const state = emptyStateFor(p.algo);
    if (p.algo === 'sliding') slidingAddInPlace(state as SlidingWindowState, p.params, seen.at, seen.used);
    else anchoredAddInPlace(state as AnchoredWindowState, p.windowMs, seen.resetAt - p.windowMs, seen.used);
    this.states.set(p.limit.counter, state);
    this.track(p);
  }

  /** Counters currently held in memory (for tests and metrics). */
  get counterCount(): number {
    return this.states.size;
  }

  /**
   * Drops a few counters that no longer hold anything at `now` (all buckets expired, session over, no live
   * lease): such a counter behaves exactly like a missing one. Walking a few per admission keeps the cost
   * flat and memory bounded by the counters used within their window, however many keys come and go.
   */
  private sweepStep(now: number): void {
    for (let i = 0; i < SWEEP_STEP; i++) {
      this.sweepCursor ??= this.limitOf.entries();
      const next = this.sweepCursor.next();
      if (next.done) {
        this.sweepCursor = undefined;
        return;
      }
      const [counter, p] = next.value;
      const s = this.states.get(counter);
      if (s && holdsUsage(p, s, now)) continue;
      this.states.delete(counter);
      this.limitOf.delete(counter);
    }
  }

  async close(): Promise<void> {
    this.states.clear();
    this.limitOf.clear();
  }
}

function holdsUsage(p: PlannedLimit, s: CounterState, now: number): boolean {
  switch (p.algo) {
    case 'sliding':
      return slidingHasUsage(s as SlidingWindowState, p.params, now);
    case 'anchored':
      return anchoredActive(s as AnchoredWindowState, p.windowMs, now);
    case 'concurrency':
      return inFlight(s as ConcurrencyState, now) > 0;
  }
}
