// The limits that apply to one kind of request, resolved once and cached. resolveLimits() walks every spec
// of the document; the hot path instead looks up the plan for (tier, org, key, grant, features, model),
// which also carries what each limit needs per request (algorithm, window and bucket sizes, what it charges),
// so admission does no string building or spec matching. The cache belongs to the limits document object:
// the policy view replaces that object on every change, which drops the old plans with it.
import type { RequestFacts } from '../policy/request-facts.js';
import { specsOf } from './compile-limit-specs.js';
import { BUCKETS_PER_WINDOW, windowMsOf, type LimitMetric, type ResolvedLimit } from './limit-spec.js';
import type { LimitsConfig } from './limits-schema.js';
import { isTokenCount, resolveLimits } from './resolve-limits.js';
import type { SlidingWindowParams } from './sliding-window.js';

export type CounterAlgo = 'sliding' | 'anchored' | 'concurrency';
/** What one admission charges a limit: one request, the input tokens, the output tokens, or both. */
export type Charge = 'request' | 'input' | 'output' | 'tokens';

export interface PlannedLimit {
  limit: ResolvedLimit;
  algo: CounterAlgo;
  charge: Charge;
  /** Window length (0 for concurrency). */
  windowMs: number;
  /** Bucketing of sliding windows (bucketMs is also sent to Redis for the other kinds, unused there). */
  params: SlidingWindowParams;
}

export function algoOf(m: LimitMetric): CounterAlgo {
  if (m.kind === 'concurrency') return 'concurrency';
  if (m.kind === 'window' && m.mode === 'anchored') return 'anchored';
  return 'sliding';
}

export function slidingParamsOf(m: LimitMetric): SlidingWindowParams {
  const windowMs = windowMsOf(m);
  return { windowMs, bucketMs: Math.max(1, Math.ceil(windowMs / BUCKETS_PER_WINDOW)) };
}

export function chargeOf(m: LimitMetric): Charge {
  if (m.kind === 'concurrency' || m.unit === 'requests' || m.unit === 'token_counts') return 'request';
  if (m.unit === 'input_tokens') return 'input';
  if (m.unit === 'output_tokens') return 'output';
  return 'tokens';
}

export function planLimit(limit: ResolvedLimit): PlannedLimit {
  const m = limit.metric;
  return { limit, algo: algoOf(m), charge: chargeOf(m), windowMs: windowMsOf(m), params: slidingParamsOf(m) };
}

/** Cost of one charge given the request's input and output token counts (already whole and >= 0). */
export function chargeCost(c: Charge, input: number, output: number): number {
  return c === 'request' ? 1 : c === 'input' ? input : c === 'output' ? output : input + output;
}

/** Distinct request kinds cached per limits document; past this the cache starts over, so memory stays bounded. */
export const MAX_CACHED_PLANS = 20_000;

const plansByDoc = new WeakMap<LimitsConfig, Map<string, readonly PlannedLimit[]>>();

/**
 * The limits that apply to a request (same result as resolveLimits), cached per document and request kind.
 * Do not mutate a limits document in place after use: replace it (as the policy view does).
 */
export function planLimits(
  config: LimitsConfig,
  facts: Pick<RequestFacts, 'orgId' | 'keyId' | 'model'> & { endpoint?: string },
  tier: string,
  grantId: string | undefined,
  features: readonly string[],
): readonly PlannedLimit[] {
  let plans = plansByDoc.get(config);
  if (!plans) {
    plans = new Map();
    plansByDoc.set(config, plans);
  }
  // The model comes from the caller's body and may contain any character, so it goes last, after a
  // feature count: no model string can make one request kind's key equal another's.
  const tokenCount = isTokenCount(facts);
  let kind = `${tokenCount ? 'c' : 'm'}\0${tier}\0${facts.orgId}\0${facts.keyId}\0${grantId ?? ''}\0${features.length}`;
  for (const f of features) kind += `\0${f}`;
  kind += `\0${facts.model}`;
  let plan = plans.get(kind);
  if (!plan) {
    plan = resolveLimits(facts, tier, grantId, features, specsOf(config)).map(planLimit);
    if (plans.size >= MAX_CACHED_PLANS) plans.clear();
    plans.set(kind, plan);
  }
  return plan;
}
