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

/** Adds usage; starts a session at `now` when none is active. Updates `s` in place (a backend's own state). */
export function anchoredAddInPlace(s: AnchoredWindowState, durationMs: number, now: number, amount: number): AnchoredWindowState {
  if (activeAt(s, durationMs, now)) s.used = Math.max(0, s.used + amount);
  else {
    s.anchorAt = now;
    s.used = Math.max(0, amount);
  }
  return s;
}

/**
 * Reconciles a reservation made in the session anchored at `anchorAt`, in place: within that session, adjust
 * it; once that session is over a refund is moot, and extra usage is charged to the session active now.
 */
export function anchoredAdjustInPlace(s: AnchoredWindowState, durationMs: number, now: number, anchorAt: number, delta: number): AnchoredWindowState {
  if (activeAt(s, durationMs, now) && s.anchorAt === anchorAt) s.used = Math.max(0, s.used + delta);
  else if (delta > 0) anchoredAddInPlace(s, durationMs, now, delta);
  return s;
}

/** True while a session is running (an ended session is equivalent to an empty state). */
export const anchoredActive = (s: AnchoredWindowState, durationMs: number, now: number): boolean => activeAt(s, durationMs, now);

/** Pure form of anchoredAddInPlace: returns a new state. */
export const anchoredAdd = (s: AnchoredWindowState, durationMs: number, now: number, amount: number): AnchoredWindowState =>
  anchoredAddInPlace({ ...s }, durationMs, now, amount);
