// Concurrency: a set of leases (ticket id -> lease expiry). A lease is released on settle; a lease whose
// holder died without settling (crashed process) stops counting at its expiry, so slots cannot leak.
// The hot path updates a backend's own state in place (`...InPlace`); acquireLease/releaseLease are the
// same rules returning a new state.
import type { CounterCheck } from './counter-check.js';

export interface ConcurrencyState {
  leases: Map<string, number>;
}

export const emptyConcurrency = (): ConcurrencyState => ({ leases: new Map() });

/** Retry hint for a concurrency denial: a slot frees when any request ends, which we cannot predict. */
export const CONCURRENCY_RETRY_MS = 1_000;

export function inFlight(s: ConcurrencyState, now: number): number {
  let n = 0;
  for (const exp of s.leases.values()) if (exp > now) n++;
  return n;
}

export function concurrencyCheck(s: ConcurrencyState, now: number, limit: number): CounterCheck {
  const used = inFlight(s, now);
  const ok = used + 1 <= limit;
  if (ok) return { ok, used, remaining: limit - used - 1, resetAt: now, nextFreeAt: now };
  return { ok, used, remaining: Math.max(0, limit - used), resetAt: now, retryAt: limit < 1 ? Infinity : now + CONCURRENCY_RETRY_MS, nextFreeAt: now };
}

/** Takes a slot until `now + leaseMs` and forgets expired leases. */
export function acquireLeaseInPlace(s: ConcurrencyState, now: number, ticketId: string, leaseMs: number): ConcurrencyState {
  // By key, then get: iterating entries would make a [id, expiry] pair per lease on every admission.
  for (const id of s.leases.keys()) if ((s.leases.get(id) as number) <= now) s.leases.delete(id);
  s.leases.set(ticketId, now + leaseMs);
  return s;
}

export function releaseLeaseInPlace(s: ConcurrencyState, ticketId: string): ConcurrencyState {
  s.leases.delete(ticketId);
  return s;
}

export const acquireLease = (s: ConcurrencyState, now: number, ticketId: string, leaseMs: number): ConcurrencyState =>
  acquireLeaseInPlace({ leases: new Map(s.leases) }, now, ticketId, leaseMs);

export const releaseLease = (s: ConcurrencyState, ticketId: string): ConcurrencyState =>
  s.leases.has(ticketId) ? releaseLeaseInPlace({ leases: new Map(s.leases) }, ticketId) : s;
