// Turns a refused admission into the MoatError the caller sees: code, message, retry-after and headers.
import { MoatError } from '../errors/moat-error.js';
import type { LimitStatus } from './limiter.js';
import { metricLabel } from './limit-spec.js';
import { rateLimitHeaders, type HeaderConvention } from './rate-limit-headers.js';

export function limitDenial(statuses: readonly LimitStatus[], now: number, hardCapMs: number, headers: HeaderConvention): MoatError {
  const denied = statuses.filter((s) => !s.ok);
  // The request can pass only when every refusing limit allows it, so the latest retry time decides.
  let worst = denied[0]!;
  for (const s of denied) if ((s.retryAt ?? now) > (worst.retryAt ?? now)) worst = s;
  const retryAt = worst.retryAt ?? now;
  const m = worst.limit.metric;
  const code = m.kind === 'concurrency' ? 'concurrency_limited' : m.kind === 'window' ? 'quota_exhausted' : 'rate_limited';
  const waitMs = Math.max(0, retryAt - now);
  const never = !Number.isFinite(retryAt);
  const what = `${metricLabel(m)} limit of ${worst.limit.limit} for ${worst.limit.subject} ${worst.limit.subjectId}`;
  const message = never
    ? `Request needs ${worst.cost} but the ${what} can never admit it; lower max_tokens or the input size.`
    : code === 'concurrency_limited'
      ? `Concurrency limit reached: ${worst.used} requests in flight, ${what}.`
      : `Limit reached: ${what}; used ${worst.used}, this request needs ${worst.cost}. Retry after ${Math.ceil(waitMs / 1000)} s.`;
  const h = rateLimitHeaders(headers, statuses, now);
  if (!never) {
    h['retry-after'] = String(Math.max(1, Math.ceil(waitMs / 1000)));
    h['retry-after-ms'] = String(Math.ceil(waitMs));
  }
  return new MoatError(code, message, { headers: h, limit: `${worst.limit.subject}:${metricLabel(m)}`, retryable: !never && waitMs <= hardCapMs });
}
