// Concurrency: a set of leases (ticket id -> lease expiry). A lease is released on settle; a lease whose
// holder died without settling (crashed process) stops counting at its expiry, so slots cannot leak.
import type { CounterCheck } from './counter-check.js';

export interface ConcurrencyState {
  leases: Readonly<Record<string, number>>;
}

export const emptyConcurrency = (): ConcurrencyState => ({ leases: {} });

/** Retry hint for a concurrency denial: a slot frees when any request ends, which we cannot predict. */
export const CONCURRENCY_RETRY_MS = 1_000;

export function inFlight(s: ConcurrencyState, now: number): number {
  let n = 0;
  for (const exp of Object.values(s.leases)) if (exp > now) n++;
  return n;
}

export function concurrencyCheck(s: ConcurrencyState, now: number, limit: number): CounterCheck {
  const used = inFlight(s, now);
  const ok = used + 1 <= limit;
  if (ok) return { ok, used, remaining: limit - used - 1, resetAt: now, nextFreeAt: now };
  return { ok, used, remaining: Math.max(0, limit - used), resetAt: now, retryAt: limit < 1 ? Infinity : now + CONCURRENCY_RETRY_MS, nextFreeAt: now };
}

export function acquireLease(s: ConcurrencyState, now: number, ticketId: string, leaseMs: number): ConcurrencyState {
  const leases: Record<string, number> = {};
  for (const [id, exp] of Object.entries(s.leases)) if (exp > now) leases[id] = exp;
  leases[ticketId] = now + leaseMs;
  return { leases };
}

export function releaseLease(s: ConcurrencyState, ticketId: string): ConcurrencyState {
  if (!(ticketId in s.leases)) return s;
  const { [ticketId]: _gone, ...leases } = s.leases;
  return { leases };
}
