// What became of a request, as metering counts it: admitted, refused (policy or key status), rate_limited,
// upstream_error, or error (a bad request, shutdown or internal failure before any model was called).
// Analysts need refused traffic next to admitted traffic to see that an action worked, so every request the
// gateway can attribute to an org and key is counted under one outcome, with the error code as the reason.

export const USAGE_OUTCOMES = ['admitted', 'refused', 'rate_limited', 'upstream_error', 'error'] as const;
export type UsageOutcome = (typeof USAGE_OUTCOMES)[number];

/** Which traffic a usage or request-log query covers: every field narrows it (absent: no narrowing). */
export interface TrafficFilter {
  org?: string | undefined;
  key?: string | undefined;
  model?: string | undefined;
  /** Only these outcomes (any of them). */
  outcomes?: readonly UsageOutcome[] | undefined;
  /** Only this reason (error code). */
  reason?: string | undefined;
  /** Inclusive lower bound (ISO). */
  from?: string | undefined;
  /** Exclusive upper bound (ISO). */
  to?: string | undefined;
}

/** Codes that mean "policy or key status said no" (the request itself was acceptable). */
const REFUSALS = new Set([
  'key_disabled', 'key_expired', 'org_revoked', 'org_suspended', 'org_restricted', 'affiliate_restricted', 'feature_denied', 'grant_out_of_scope', 'access_unconfirmed',
]);
const LIMITS = new Set(['rate_limited', 'concurrency_limited', 'quota_exhausted']);

type OutcomeOf = Readonly<{ outcome: UsageOutcome; reason: string }>;

const ADMITTED: OutcomeOf = Object.freeze({ outcome: 'admitted', reason: '' });
const CLIENT_CLOSED: OutcomeOf = Object.freeze({ outcome: 'error', reason: 'client_closed' });
// Outcomes are a handful of values per code: made once (frozen, shared) rather than an object per request.
const byCode = new Map<string, OutcomeOf>();
const once = (key: string, make: () => OutcomeOf): OutcomeOf => {
  let o = byCode.get(key);
  if (!o) {
    o = Object.freeze(make());
    if (byCode.size < 10_000) byCode.set(key, o);
  }
  return o;
};

/**
 * The outcome of a finished request. `upstreamCalled` separates an error the model server gave (or caused) from
 * one Moat raised before calling it; a client that went away after admission still counts as admitted.
 */
export function usageOutcome(status: number, errorCode: string | undefined, upstreamCalled: boolean): OutcomeOf {
  if (errorCode !== undefined) {
    if (REFUSALS.has(errorCode)) return once(errorCode, () => ({ outcome: 'refused', reason: errorCode }));
    if (LIMITS.has(errorCode)) return once(errorCode, () => ({ outcome: 'rate_limited', reason: errorCode }));
    if (errorCode.startsWith('upstream_')) return once(errorCode, () => ({ outcome: 'upstream_error', reason: errorCode }));
    return once(`${upstreamCalled ? 1 : 0}${errorCode}`, () => ({ outcome: upstreamCalled ? 'upstream_error' : 'error', reason: errorCode }));
  }
  if (status === 499 && !upstreamCalled) return CLIENT_CLOSED;
  if (upstreamCalled && status >= 400 && status !== 499) return once(`http_${status}`, () => ({ outcome: 'upstream_error', reason: `http_${status}` }));
  return ADMITTED;
}
