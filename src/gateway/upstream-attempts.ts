// One model call across its pool: attempts on successive members until one answers, bounded by
// `routing.retries`, with jittered backoff — and never a new attempt once any byte of an answer reached the
// client (`committed()`), whatever an attempt reports. Only failures before that point (connection refused,
// closed before the headers, a 5xx or 429 whose body was not relayed) are retried. Each attempt's outcome
// feeds passive health and per-upstream metrics.
import type { UpstreamConfig } from '../config/schema.js';
import { isMoatError } from '../errors/moat-error.js';
import type { PoolBalancer } from './upstream-pool.js';
import { retryDelayMs } from './upstream-pool.js';

export type AttemptResult =
  /** The member answered and its answer went to the client. */
  | { outcome: 'ok' }
  /** The member failed. `retryable`: nothing reached the client and another member may be tried. `counts`: the failure says the member is unwell (not a 429). */
  | { outcome: 'failed'; retryable: boolean; counts: boolean }
  /** The call was given up for reasons of the client's (gone, stopped): says nothing of the member. */
  | { outcome: 'abandoned' };

export interface AttemptLoopDeps {
  balancer: PoolBalancer;
  retries: number;
  backoffMs: number;
  random(): number;
  sleep(ms: number): Promise<void>;
  /** True once any byte of an answer was written to the client. */
  committed(): boolean;
  /** Per attempt: ok, retried, failed. */
  onOutcome?(u: UpstreamConfig, outcome: 'ok' | 'retried' | 'failed'): void;
}

/**
 * Runs `attempt` on pool members until one is not a retryable failure. `last` tells the attempt to answer the
 * client itself on failure (pass the upstream's error through, or throw the catalog error). An attempt that
 * throws is a failure of its member when the error is an upstream error; the error is rethrown.
 */
export async function attemptAcrossPool(pool: readonly UpstreamConfig[], deps: AttemptLoopDeps, attempt: (u: UpstreamConfig, last: boolean) => Promise<AttemptResult>): Promise<void> {
  // A pool of one (the common case) has one attempt and nothing to balance: no bookkeeping of tried members.
  const only = pool.length === 1 ? pool[0] : undefined;
  const tried = only ? undefined : new Set<UpstreamConfig>();
  for (let n = 0; ; n++) {
    const u = only ? (n === 0 ? only : undefined) : deps.balancer.pick(pool, tried as Set<UpstreamConfig>);
    if (!u) return;
    tried?.add(u);
    const last = only !== undefined || n >= deps.retries || pool.every((m) => tried?.has(m));
    let r: AttemptResult;
    try {
      r = await attempt(u, last);
    } catch (e) {
      const upstreamFault = isMoatError(e) && e.code.startsWith('upstream_');
      deps.balancer.failed(u, upstreamFault);
      if (upstreamFault) deps.onOutcome?.(u, 'failed');
      throw e;
    }
    if (r.outcome === 'ok') {
      deps.balancer.succeeded(u);
      deps.onOutcome?.(u, 'ok');
      return;
    }
    if (r.outcome === 'abandoned') {
      deps.balancer.failed(u, false);
      return;
    }
    deps.balancer.failed(u, r.counts);
    // The line this loop exists to hold: once the client has a byte, the request is never sent again.
    if (!r.retryable || last || deps.committed()) {
      deps.onOutcome?.(u, 'failed');
      return;
    }
    deps.onOutcome?.(u, 'retried');
    const delay = retryDelayMs(deps.backoffMs, n + 1, deps.random);
    if (delay > 0) await deps.sleep(delay);
    if (deps.committed()) return;
  }
}
