// Anchored window: a session that starts with the first admitted request and lasts `durationMs`
// (e.g. a 5-hour session); when it ends, usage resets and the next admitted request starts a new one.
import type { CounterCheck } from './counter-check.js';

export interface AnchoredWindowState {
  /** Start of the current (or last) session, epoch ms; null before first use. */
  anchorAt: number | null;
  used: number;
}

export const emptyAnchoredWindow = (): AnchoredWindowState => ({ anchorAt: null, used: 0 });

const activeAt = (s: AnchoredWindowState, durationMs: number, now: number): boolean => s.anchorAt !== null && now < s.anchorAt + durationMs;

export function anchoredCheck(s: AnchoredWindowState, durationMs: number, now: number, limit: number, cost: number): CounterCheck {
  const active = activeAt(s, durationMs, now);
  const used = active ? s.used : 0;
  const end = active ? s.anchorAt! + durationMs : now + durationMs;
  const ok = used + cost <= limit;
  const nextFreeAt = active ? end : now;
  // Admission starts a session even at zero cost (first use), so the reset is the session end.
  if (ok) return { ok, used, remaining: limit - used - cost, resetAt: end, nextFreeAt: end };
  return { ok, used, remaining: Math.max(0, limit - used), resetAt: end, retryAt: cost > limit ? Infinity : end, nextFreeAt };
}

/** Adds usage; starts a session at `now` when none is active. */
export function anchoredAdd(s: AnchoredWindowState, durationMs: number, now: number, amount: number): AnchoredWindowState {
  if (activeAt(s, durationMs, now)) return { anchorAt: s.anchorAt, used: Math.max(0, s.used + amount) };
  return { anchorAt: now, used: Math.max(0, amount) };
}

/**
 * Reconciles a reservation made in the session anchored at `anchorAt`: within that session, adjust it;
 * once that session is over a refund is moot, and extra usage is charged to the session active now.
 */
export function anchoredAdjust(s: AnchoredWindowState, durationMs: number, now: number, anchorAt: number, delta: number): AnchoredWindowState {
  if (activeAt(s, durationMs, now) && s.anchorAt === anchorAt) return { anchorAt, used: Math.max(0, s.used + delta) };
  return delta > 0 ? anchoredAdd(s, durationMs, now, delta) : s;
}
