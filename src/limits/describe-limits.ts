// The body of `GET /v1/moat/limits` (and the admin/CLI view of a key): every limit that applies to the key,
// where its value comes from, and what is left. Pure: statuses come from `limiter.peek(subject)`.
import type { LimitStatus } from './limiter.js';
import { metricLabel } from './limit-spec.js';
import { formatRfc3339 } from './rate-limit-headers.js';

export interface LimitDescription {
  /** e.g. `requests_per_minute`, `input_tokens_per_minute`, `concurrent_requests`, `5h-tokens`. */
  metric: string;
  /** What is counted: the key, the org, a grant, or the org's use of a feature or model. */
  subject: 'key' | 'org' | 'grant' | 'feature' | 'model';
  subject_id: string;
  /** For rolling windows. */
  window?: { name: string; mode: 'sliding' | 'anchored'; duration_seconds: number };
  limit: number;
  /** When a throttle (enforcement) lowered the limit: the configured value it was lowered from. */
  throttled_from?: number;
  used: number;
  remaining: number;
  /** When usage is back to zero (RFC 3339); null when nothing is used (an anchored session starts at first use). */
  resets_at: string | null;
  /** Where the value is defined (precedence key > org > tier > grant/feature/model defaults). */
  source: string;
}

export interface LimitsListing {
  object: 'moat.limits';
  key_id: string;
  org_id: string;
  tier: string;
  limits: LimitDescription[];
}

export function describeLimits(subject: { keyId: string; orgId: string; tier: string }, statuses: readonly LimitStatus[], now: number): LimitsListing {
  const limits = statuses.map((s): LimitDescription => {
    const m = s.limit.metric;
    return {
      metric: metricLabel(m),
      subject: s.limit.subject,
      subject_id: s.limit.subjectId,
      ...(m.kind === 'window' ? { window: { name: m.name, mode: m.mode, duration_seconds: m.durationMs / 1000 } } : {}),
      limit: s.limit.limit,
      ...(s.limit.unthrottledLimit !== undefined ? { throttled_from: s.limit.unthrottledLimit } : {}),
      used: s.used,
      remaining: Math.max(0, s.limit.limit - s.used),
      resets_at: s.used > 0 && s.resetAt > now ? formatRfc3339(s.resetAt) : null,
      source: `${s.limit.source.scope}:${s.limit.source.match}`,
    };
  });
  limits.sort((a, b) => a.subject.localeCompare(b.subject) || a.subject_id.localeCompare(b.subject_id) || a.metric.localeCompare(b.metric));
  return { object: 'moat.limits', key_id: subject.keyId, org_id: subject.orgId, tier: subject.tier, limits };
}
