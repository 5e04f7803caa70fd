// Makes a stale policy view visible: `/readyz` answers 503 with the reason (so load balancers drain the
// gateway), `moat_view_age_seconds` and `moat_view_stale` report it, and one log line marks each transition.
import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '../ops/logger.js';
import type { Readiness } from '../ops/health.js';
import { viewAge, type StalenessPolicy } from '../gateway/stale-view.js';
import type { ViewFreshness } from '../policy/policy-snapshot.js';

export interface StalenessWatch {
  readiness(): Readiness;
  stop(): void;
}

/** How often a transition is looked for (the log line's delay; readiness and metrics are computed on read). */
const WATCH_MS = 250;

export function watchStaleness(deps: { policy: StalenessPolicy; freshness: () => ViewFreshness; registry: Registry; logger: Logger }): StalenessWatch {
  const { policy, freshness, logger } = deps;
  const state = () => ({ ...viewAge(policy, freshness()), lastError: freshness().lastError });
  new Gauge({
    name: 'moat_view_age_seconds',
    help: 'Time since this gateway last confirmed its policy view against the store.',
    registers: [deps.registry],
    collect() {
      this.set(state().ageMs / 1000);
    },
  });
  new Gauge({
    name: 'moat_view_stale',
    help: `1 while the policy view is older than view.maxStalenessMs (${policy.maxStalenessMs} ms): orgs it cannot confirm are refused with access_unconfirmed.`,
    registers: [deps.registry],
    collect() {
      this.set(state().stale ? 1 : 0);
    },
  });
  let stale = false;
  const timer = setInterval(() => {
    const s = state();
    if (s.stale === stale) return;
    stale = s.stale;
    if (stale)
      logger.warn(
        { ageMs: s.ageMs, boundMs: policy.maxStalenessMs, whenStale: policy.whenStale, cause: s.lastError },
        `policy view not confirmed with the store for ${Math.round(s.ageMs)} ms: refusing ${policy.whenStale === 'closed' ? 'every org' : 'orgs with recent enforcement activity'} and reporting not ready`,
      );
    else logger.info({ ageMs: s.ageMs }, 'policy view confirmed with the store again: admitting and ready');
  }, WATCH_MS);
  timer.unref();
  return {
    readiness() {
      const s = state();
      if (!s.stale) return { ready: true };
      return { ready: false, reason: `policy view not confirmed with the store for ${(s.ageMs / 1000).toFixed(1)} s (bound ${(policy.maxStalenessMs / 1000).toFixed(1)} s)${s.lastError ? `: ${s.lastError}` : ''}` };
    },
    stop: () => clearInterval(timer),
  };
}
