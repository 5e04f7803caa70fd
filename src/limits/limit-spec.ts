// Limits as plain data. A LimitSpec says: "this counter (subject) may use at most `limit` of this metric",
// and where the value was defined (scope), which decides precedence when several specs name the same
// counter and metric. The hot path never reads specs directly: resolveLimits() turns them into the list
// of ResolvedLimits that apply to one request.

/** Where a limit value is defined. */
/** `default`: a built-in value for every key (`defaultTokenCountsPerMinute`), overridden by any scope that sets the same limit. */
export type LimitScope = 'default' | 'tier' | 'org' | 'key' | 'grant' | 'feature' | 'model';

/** What a counter counts for: one API key, one org, one grant, one org's use of a feature or a model. */
export type CounterSubject = 'key' | 'org' | 'grant' | 'feature' | 'model';

/** `token_counts`: requests to the token-counting door, which has its own counters (no model runs). */
export type RateUnit = 'requests' | 'input_tokens' | 'output_tokens' | 'token_counts';
export type WindowUnit = 'requests' | 'tokens';
export type WindowMode = 'sliding' | 'anchored';

export type LimitMetric =
  /** Per minute, over a sliding 60 s window. */
  | { kind: 'rate'; unit: RateUnit }
  /** Requests in flight at once. */
  | { kind: 'concurrency' }
  /** Rolling window (e.g. 5 h, 7 d): sliding, or a session anchored at the first admitted request. */
  | { kind: 'window'; name: string; mode: WindowMode; durationMs: number; unit: WindowUnit };

export interface LimitSpec {
  scope: LimitScope;
  /** The tier name, org id, key id, grant id, feature name or model glob the spec is defined for. */
  match: string;
  subject: CounterSubject;
  /** For subject `feature`: the feature name; for subject `model`: the model glob. */
  target?: string;
  metric: LimitMetric;
  limit: number;
}

/** One limit that applies to a request, with the counter that holds its usage. */
export interface ResolvedLimit {
  /** Counter id, unique per subject and metric, e.g. `key:k_1:rate:requests`. */
  counter: string;
  subject: CounterSubject;
  /** Key id, org id, grant id, or `<orgId>/<feature|model glob>`. */
  subjectId: string;
  metric: LimitMetric;
  limit: number;
  /** Where the winning value came from. */
  source: { scope: LimitScope; match: string };
  /** Org whose traffic this counter belongs to (Redis hash tag, so one request's keys share a slot). */
  orgId: string;
  /** Set when a throttle lowered `limit`: the configured value before the throttle. */
  unthrottledLimit?: number;
}

export const MINUTE_MS = 60_000;
/** Every sliding window is split into this many buckets; the admission slack is one bucket (1/60 of the window). */
export const BUCKETS_PER_WINDOW = 60;

export function metricKey(m: LimitMetric): string {
  if (m.kind === 'rate') return `rate:${m.unit}`;
  if (m.kind === 'concurrency') return 'concurrency';
  return `window:${m.name}:${m.unit}`;
}

/** Counter id; windows include mode and duration so a changed window starts a fresh counter. */
export function counterMetricKey(m: LimitMetric): string {
  return m.kind === 'window' ? `${metricKey(m)}:${m.mode}:${m.durationMs}` : metricKey(m);
}

export function windowMsOf(m: LimitMetric): number {
  return m.kind === 'rate' ? MINUTE_MS : m.kind === 'window' ? m.durationMs : 0;
}

/** Human name used in headers and in describeLimits, e.g. `requests_per_minute`, `5h-tokens`. */
export function metricLabel(m: LimitMetric): string {
  if (m.kind === 'rate') return `${m.unit}_per_minute`;
  if (m.kind === 'concurrency') return 'concurrent_requests';
  return `${m.name}-${m.unit}`;
}
