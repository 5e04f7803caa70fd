// Upstream headers and body timeouts, kept by one sweep over the calls in flight instead of a timer per call.
// undici's own per-connection timer switches delay on every request (keep-alive → headers → body → keep-alive),
// and each switch allocates a timer object that stays in undici's timer list for up to a second: about three
// per request, which survived young-generation GCs and were promoted. With undici's headers and body timeouts
// off, each call only notes when it last heard from its upstream (`UpstreamActivity`, updated in place), and
// the sweep ends a call whose upstream has been silent too long, as undici would have: before the headers
// (`headersTimeoutMs`) with upstream_headers_timeout, between body chunks (`bodyTimeoutMs`) with
// upstream_body_timeout. A deadline is kept to within a quarter of the shortest timeout (at most a second).
import type { UpstreamConfig } from '../config/schema.js';
import { MoatError } from '../errors/moat-error.js';

/** What an upstream call is waiting for, and since when (performance.now() ms). */
export interface UpstreamActivity {
  phase: 'idle' | 'headers' | 'body';
  since: number;
}

export const idleActivity = (): UpstreamActivity => ({ phase: 'idle', since: 0 });

/** A call the sweep watches: its activity, the member it calls, and how to end it. */
export interface WatchedCall {
  upstreamActivity: UpstreamActivity;
  upstream?: UpstreamConfig;
  stopWith?: MoatError;
  abort?: () => void;
}

/** Ends the calls whose upstream has been silent past its timeout. Returns how many were ended. */
export function sweepUpstreamDeadlines(calls: Iterable<WatchedCall>, now: number): number {
  let ended = 0;
  for (const c of calls) {
    const a = c.upstreamActivity;
    const up = c.upstream;
    if (a.phase === 'idle' || !up || c.stopWith) continue;
    const limit = a.phase === 'headers' ? up.headersTimeoutMs : up.bodyTimeoutMs;
    if (limit <= 0 || now - a.since <= limit) continue;
    c.stopWith = new MoatError(a.phase === 'headers' ? 'upstream_headers_timeout' : 'upstream_body_timeout');
    a.phase = 'idle';
    c.abort?.();
    ended++;
  }
  return ended;
}

/** How often to sweep: a quarter of the shortest timeout, between 10 ms and 1 s. */
export function sweepIntervalMs(upstreams: readonly UpstreamConfig[]): number {
  let shortest = Infinity;
  for (const u of upstreams) for (const t of [u.headersTimeoutMs, u.bodyTimeoutMs]) if (t > 0 && t < shortest) shortest = t;
  return Number.isFinite(shortest) ? Math.max(10, Math.min(1_000, Math.floor(shortest / 4))) : 1_000;
}
