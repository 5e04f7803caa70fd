// Rate-limit response headers in both ecosystems' conventions, plus Moat's own for rolling windows.
//
// OpenAI:    x-ratelimit-{limit,remaining,reset}-{requests,tokens}; reset is a duration ("6m0s", "1s", "20ms").
// Anthropic: anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset};
//            reset is an RFC 3339 time.
// Moat:      moat-ratelimit-<name>-<requests|tokens>-{limit,remaining,reset} per rolling window (RFC 3339
//            reset) and moat-ratelimit-concurrent-{limit,remaining}; sent with either convention.
// When several limits map to one header (e.g. a key and its org both limit requests per minute), the
// header shows the most constraining one (least remaining), which is the one the caller will hit first.
import type { LimitStatus } from './admission.js';
import type { RateUnit } from './limit-spec.js';

export type HeaderConvention = 'openai' | 'anthropic' | 'both';

/** Go-style duration as OpenAI sends it: "20ms", "1s", "1.5s", "6m0s", "1h2m3s". */
export function formatOpenAIDuration(ms: number): string {
  const t = Math.max(0, Math.ceil(ms));
  if (t < 1000) return `${t}ms`;
  const h = Math.floor(t / 3_600_000);
  const m = Math.floor((t % 3_600_000) / 60_000);
  const s = (t % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h > 0) return `${h}h${m}m${sec}`;
  if (m > 0) return `${m}m${sec}`;
  return sec;
}

/** RFC 3339 in UTC, rounded up to the second (the caller may retry at that instant). */
export function formatRfc3339(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function tightest(statuses: readonly LimitStatus[]): LimitStatus | undefined {
  let best: LimitStatus | undefined;
  for (const s of statuses) {
    if (!best || s.remaining < best.remaining || (s.remaining === best.remaining && s.limit.limit < best.limit.limit)) best = s;
  }
  return best;
}

const rate = (statuses: readonly LimitStatus[], units: RateUnit[]) =>
  tightest(statuses.filter((s) => s.limit.metric.kind === 'rate' && units.includes(s.limit.metric.unit)));

export function rateLimitHeaders(api: HeaderConvention, statuses: readonly LimitStatus[], now: number): Record<string, string> {
  const h: Record<string, string> = {};
  const requests = rate(statuses, ['requests']);
  const tokens = rate(statuses, ['input_tokens', 'output_tokens']);
  if (api === 'openai' || api === 'both') {
    for (const [suffix, s] of [['requests', requests], ['tokens', tokens]] as const) {
      if (!s) continue;
      h[`x-ratelimit-limit-${suffix}`] = String(s.limit.limit);
      h[`x-ratelimit-remaining-${suffix}`] = String(s.remaining);
      h[`x-ratelimit-reset-${suffix}`] = formatOpenAIDuration(s.resetAt - now);
    }
  }
  if (api === 'anthropic' || api === 'both') {
    const groups = [
      ['requests', requests],
      ['tokens', tokens],
      ['input-tokens', rate(statuses, ['input_tokens'])],
      ['output-tokens', rate(statuses, ['output_tokens'])],
    ] as const;
    for (const [name, s] of groups) {
      if (!s) continue;
      h[`anthropic-ratelimit-${name}-limit`] = String(s.limit.limit);
      h[`anthropic-ratelimit-${name}-remaining`] = String(s.remaining);
      h[`anthropic-ratelimit-${name}-reset`] = formatRfc3339(s.resetAt);
    }
  }
  const windows = new Map<string, LimitStatus[]>();
  for (const s of statuses) {
    const m = s.limit.metric;
    if (m.kind !== 'window') continue;
    const name = `${m.name}-${m.unit}`;
    windows.set(name, [...(windows.get(name) ?? []), s]);
  }
  for (const [name, group] of windows) {
    const s = tightest(group)!;
    h[`moat-ratelimit-${name}-limit`] = String(s.limit.limit);
    h[`moat-ratelimit-${name}-remaining`] = String(s.remaining);
    h[`moat-ratelimit-${name}-reset`] = formatRfc3339(s.resetAt);
  }
  const conc = tightest(statuses.filter((s) => s.limit.metric.kind === 'concurrency'));
  if (conc) {
    h['moat-ratelimit-concurrent-limit'] = String(conc.limit.limit);
    h['moat-ratelimit-concurrent-remaining'] = String(conc.remaining);
  }
  return h;
}
