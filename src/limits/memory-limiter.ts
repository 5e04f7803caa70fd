// Embedded limiter: counters in this process's memory. Exact within one process (admission is synchronous,
// so concurrent requests cannot interleave between check and reserve). Also the fail-open fallback of the
// Redis limiter.
import { randomUUID } from 'node:crypto';
import { evaluateAdmission, emptyStateFor, reservationCost, settleCounter, checkCounter, type CounterState, type LimitStatus, type Reservation } from './admission.js';
import { specsOf } from './compile-limit-specs.js';
import { limitDenial } from './limit-denial.js';
import type { AdmitInput, AdmitResult, LimitInspector, Limiter, LimitSubject, LimitTicket, Usage } from './limiter.js';
import type { LimitsConfig } from './limits-schema.js';
import { rateLimitHeaders } from './rate-limit-headers.js';
import { resolveKeyLimits, resolveLimits } from './resolve-limits.js';

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

export function ticketHeaders(opt: 'caller' | 'both' | undefined, api: 'openai' | 'anthropic', statuses: readonly LimitStatus[], now: number) {
  return rateLimitHeaders(opt === 'both' ? 'both' : api, statuses, now);
}

export class MemoryLimiter implements Limiter, LimitInspector {
  private readonly states = new Map<string, CounterState>();
  private readonly opts: LimiterOptions;
  private readonly clock: () => number;
  private admissions = 0;

  constructor(opts: LimiterOptions) {
    this.opts = opts;
    this.clock = opts.now ?? Date.now;
  }

  async admit(input: AdmitInput): Promise<AdmitResult> {
    return this.admitNow(input);
  }

  /** Synchronous core (also used by the Redis limiter's fail-open fallback). */
  admitNow(input: AdmitInput): AdmitResult {
    const cfg = this.opts.limits();
    const now = input.facts.now;
    const limits = resolveLimits(input.facts, input.tier, input.grantId, input.features, specsOf(cfg));
    const costs = limits.map((l) => reservationCost(l.metric, input.facts, cfg.defaultMaxTokens));
    const ticketId = randomUUID();
    const out = evaluateAdmission(limits, costs, (c, m) => this.states.get(c) ?? emptyStateFor(m), now, ticketId, this.opts.leaseMs ?? DEFAULT_LEASE_MS);
    if (!out.ok) return { ok: false, error: limitDenial(out.statuses, now, cfg.hardCapSeconds * 1000, this.opts.headers === 'both' ? 'both' : input.facts.api) };
    for (const [c, s] of out.next) this.states.set(c, s);
    if (++this.admissions % 1024 === 0) this.sweep(now);
    return { ok: true, ticket: this.ticket(ticketId, out.reservations, ticketHeaders(this.opts.headers, input.facts.api, out.statuses, now)) };
  }

  private ticket(ticketId: string, reservations: Reservation[], headers: Record<string, string>): LimitTicket {
    let settled = false;
    return {
      headers,
      settle: async (usage?: Usage) => {
        if (settled) return;
        settled = true;
        this.settleNow(ticketId, reservations, usage);
      },
    };
  }

  settleNow(ticketId: string, reservations: readonly Reservation[], usage: Usage | undefined): void {
    const now = this.clock();
    for (const r of reservations) this.states.set(r.counter, settleCounter(r, this.states.get(r.counter) ?? emptyStateFor(r.metric), now, ticketId, usage));
  }

  async peek(subject: LimitSubject): Promise<LimitStatus[]> {
    const now = this.clock();
    return resolveKeyLimits(subject, specsOf(this.opts.limits())).map((l) => ({
      ...checkCounter(l, this.states.get(l.counter) ?? emptyStateFor(l.metric), now, 0),
      limit: l,
      cost: 0,
      ref: 0,
    }));
  }

  /** Drops sliding and concurrency counters with nothing left in them, so idle keys do not grow memory. */
  private sweep(now: number): void {
    for (const [c, s] of this.states) {
      const empty =
        'buckets' in s
          ? Object.keys(s.buckets).length === 0
          : 'leases' in s
            ? Object.values(s.leases).every((exp) => exp <= now)
            : false; // an anchored session must survive idle time (its anchor is the reset), and is small
      if (empty) this.states.delete(c);
    }
  }

  async close(): Promise<void> {
    this.states.clear();
  }
}
