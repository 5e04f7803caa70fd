// A temporary throttle on an org (set by enforcement): every limit of the org is multiplied by `factor` until
// `until`. Enforcement records it as org attributes; the limits must not import enforcement (hot path rule),
// so this reads the same attribute convention on its own. test/limits-e2e/throttle-convention.test.ts checks
// that it agrees with enforcement's activeThrottle() on the same attributes.
import type { PlannedLimit } from './limit-plan.js';
import type { ResolvedLimit } from './limit-spec.js';
import type { LimitsConfig } from './limits-schema.js';

/** Attribute names written by src/enforcement/throttle-attributes.ts (withThrottle). */
export const THROTTLE_FACTOR_ATTRIBUTE = 'moat.throttle.factor';
export const THROTTLE_UNTIL_ATTRIBUTE = 'moat.throttle.until';

export type OrgAttributes = Readonly<Record<string, string | number | boolean>>;

/** The factor (0 < f < 1) to multiply the org's limits by at `now`, or undefined when no throttle is active. */
export function throttleFactor(attributes: OrgAttributes | undefined, now: number): number | undefined {
  if (!attributes) return undefined;
  const factor = attributes[THROTTLE_FACTOR_ATTRIBUTE];
  const until = attributes[THROTTLE_UNTIL_ATTRIBUTE];
  if (typeof factor !== 'number' || typeof until !== 'string' || !(factor > 0 && factor < 1)) return undefined;
  return Date.parse(until) > now ? factor : undefined;
}

/** A throttled limit: at least 1 (a throttle slows an org down, it does not cut it off); 0 stays 0. */
export function throttledLimit(limit: number, factor: number): number {
  return limit === 0 ? 0 : Math.max(1, Math.floor(limit * factor));
}

/** Throttles in force per org, precomputed from `LimitsConfig.throttles` (until parsed once per document). */
const parsedThrottles = new WeakMap<LimitsConfig, Map<string, { factor: number; untilMs: number }>>();

/** The throttle the limits document itself carries for an org (`throttles.<orgId>`), if active at `now`. */
export function configThrottleFactor(config: LimitsConfig, orgId: string, now: number): number | undefined {
  const throttles = config.throttles;
  if (throttles === undefined) return undefined;
  let parsed = parsedThrottles.get(config);
  if (!parsed) {
    parsed = new Map();
    for (const [org, t] of Object.entries(throttles)) parsed.set(org, { factor: t.factor, untilMs: Date.parse(t.until) });
    parsedThrottles.set(config, parsed);
  }
  const t = parsed.get(orgId);
  return t && t.untilMs > now && t.factor > 0 && t.factor < 1 ? t.factor : undefined;
}

/**
 * The factor that applies to one admission or listing: the org's attributes (passed by the caller from the
 * policy view) when they carry an active throttle, else the limits document's `throttles` entry. The smaller
 * wins when both are active: two throttles never loosen each other.
 */
export function effectiveThrottle(config: LimitsConfig, orgId: string, attributes: OrgAttributes | undefined, now: number): number | undefined {
  const a = throttleFactor(attributes, now);
  const c = configThrottleFactor(config, orgId, now);
  if (a === undefined) return c;
  if (c === undefined) return a;
  return Math.min(a, c);
}

/** One resolved limit under a throttle (remembers the configured value for listings). */
export function throttleResolved(l: ResolvedLimit, factor: number | undefined): ResolvedLimit {
  return factor === undefined ? l : { ...l, limit: throttledLimit(l.limit, factor), unthrottledLimit: l.limit };
}

const throttledPlans = new WeakMap<readonly PlannedLimit[], Map<number, readonly PlannedLimit[]>>();

/**
 * The plan with every limit multiplied by `factor`, cached per plan and factor (so the Redis limiter's
 * per-plan argument cache still hits). Counter ids stay the same: usage so far counts against the lower limit.
 */
export function throttledPlan(plan: readonly PlannedLimit[], factor: number | undefined): readonly PlannedLimit[] {
  if (factor === undefined || plan.length === 0) return plan;
  let byFactor = throttledPlans.get(plan);
  if (!byFactor) {
    byFactor = new Map();
    throttledPlans.set(plan, byFactor);
  }
  let out = byFactor.get(factor);
  if (!out) {
    out = plan.map((p) => ({ ...p, limit: throttleResolved(p.limit, factor) }));
    // Factors come from a handful of throttles; keep the cache from growing with odd values anyway.
    if (byFactor.size >= 16) byFactor.clear();
    byFactor.set(factor, out);
  }
  return out;
}
