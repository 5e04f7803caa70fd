// Rate-limit response headers in both ecosystems' conventions, plus Moat's own for rolling windows.
//
// OpenAI:    x-ratelimit-{limit,remaining,reset}-{requests,tokens}; reset is a duration ("6m0s", "1s", "20ms").
// Anthropic: anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-{limit,remaining,reset};
//            reset is an RFC 3339 time.
// Moat:      moat-ratelimit-<name>-<requests|tokens>-{limit,remaining,reset} per rolling window (RFC 3339
//            reset) and moat-ratelimit-concurrent-{limit,remaining}; sent with either convention.
// When several limits map to one header (e.g. a key and its org both limit requests per minute), the
// header shows the most constraining one (least remaining), which is the one the caller will hit first.
import type { LimitStatus } from './limiter.js';

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

// Recently formatted RFC 3339 times by second (direct-mapped: slot = second mod 256).
const RFC3339_SLOTS = 256;
const rfc3339Secs: number[] = new Array<number>(RFC3339_SLOTS).fill(NaN);
const rfc3339Texts: string[] = new Array<string>(RFC3339_SLOTS).fill('');

/** RFC 3339 in UTC, rounded up to the second (the caller may retry at that instant). */
export function formatRfc3339(ms: number): string {
  const sec = Math.ceil(ms / 1000);
  // Resets repeat (a bucket's expiry, a session's end) across many responses: remember recent ones.
  const slot = sec & (RFC3339_SLOTS - 1);
  if (rfc3339Secs[slot] === sec) return rfc3339Texts[slot]!;
  const text = new Date(sec * 1000).toISOString().replace('.000Z', 'Z');
  if (Number.isInteger(sec)) {
    rfc3339Secs[slot] = sec;
    rfc3339Texts[slot] = text;
  }
  return text;
}

/** Whether `s` binds tighter than `best`: less remaining, then the smaller limit; the first one wins ties. */
const tighter = (s: LimitStatus, best: LimitStatus | undefined): boolean =>
  !best || s.remaining < best.remaining || (s.remaining === best.remaining && s.limit.limit < best.limit.limit);

/** Names of one header group; built once per group (fixed strings keep header objects fast to build). */
interface HeaderNames {
  limit: string;
  remaining: string;
  reset: string;
}
const names = (prefix: string): HeaderNames => ({ limit: `${prefix}-limit`, remaining: `${prefix}-remaining`, reset: `${prefix}-reset` });
const OPENAI_REQUESTS = { limit: 'x-ratelimit-limit-requests', remaining: 'x-ratelimit-remaining-requests', reset: 'x-ratelimit-reset-requests' };
const OPENAI_TOKENS = { limit: 'x-ratelimit-limit-tokens', remaining: 'x-ratelimit-remaining-tokens', reset: 'x-ratelimit-reset-tokens' };
const ANTHROPIC_REQUESTS = names('anthropic-ratelimit-requests');
const ANTHROPIC_TOKENS = names('anthropic-ratelimit-tokens');
const ANTHROPIC_INPUT = names('anthropic-ratelimit-input-tokens');
const ANTHROPIC_OUTPUT = names('anthropic-ratelimit-output-tokens');
const CONCURRENT = names('moat-ratelimit-concurrent');
const windowNames = new Map<string, { requests: HeaderNames; tokens: HeaderNames }>();
/** Header names of a rolling window and unit, e.g. `moat-ratelimit-5h-tokens-*` (window names are header-safe and few). */
function windowHeaderNames(window: string, unit: string): HeaderNames {
  let n = windowNames.get(window);
  if (!n) {
    n = { requests: names(`moat-ratelimit-${window}-requests`), tokens: names(`moat-ratelimit-${window}-tokens`) };
    if (windowNames.size < 1_000) windowNames.set(window, n);
  }
  return unit === 'requests' ? n.requests : n.tokens;
}

function put(h: Record<string, string>, n: HeaderNames, s: LimitStatus): void {
  h[n.limit] = String(s.limit.limit);
  h[n.remaining] = String(s.remaining);
}

function anthropic(h: Record<string, string>, n: HeaderNames, s: LimitStatus | undefined): void {
  if (!s) return;
  put(h, n, s);
  h[n.reset] = formatRfc3339(s.resetAt);
}

/** One pass over the statuses picks the tightest limit of each header group. Written into `h` when given (a response's own header object). */
export function rateLimitHeaders(api: HeaderConvention, statuses: readonly LimitStatus[], now: number, h: Record<string, string> = {}): Record<string, string> {
  let requests: LimitStatus | undefined;
  let tokens: LimitStatus | undefined;
  let input: LimitStatus | undefined;
  let output: LimitStatus | undefined;
  let conc: LimitStatus | undefined;
  let windows: Array<{ window: string; unit: string; s: LimitStatus }> | undefined;
  for (const s of statuses) {
    const m = s.limit.metric;
    if (m.kind === 'rate') {
      // A token count's own per-minute limit is the request limit of that call.
      if (m.unit === 'requests' || m.unit === 'token_counts') {
        if (tighter(s, requests)) requests = s;
        continue;
      }
      if (tighter(s, tokens)) tokens = s;
      if (m.unit === 'input_tokens') {
        if (tighter(s, input)) input = s;
      } else if (tighter(s, output)) output = s;
    } else if (m.kind === 'concurrency') {
      if (tighter(s, conc)) conc = s;
    } else {
      windows ??= [];
      const w = windows.find((x) => x.window === m.name && x.unit === m.unit);
      if (!w) windows.push({ window: m.name, unit: m.unit, s });
      else if (tighter(s, w.s)) w.s = s;
    }
  }
  if (api === 'openai' || api === 'both') {
    if (requests) {
      put(h, OPENAI_REQUESTS, requests);
      h[OPENAI_REQUESTS.reset] = formatOpenAIDuration(requests.resetAt - now);
    }
    if (tokens) {
      put(h, OPENAI_TOKENS, tokens);
      h[OPENAI_TOKENS.reset] = formatOpenAIDuration(tokens.resetAt - now);
    }
  }
  if (api === 'anthropic' || api === 'both') {
    anthropic(h, ANTHROPIC_REQUESTS, requests);
    anthropic(h, ANTHROPIC_TOKENS, tokens);
    anthropic(h, ANTHROPIC_INPUT, input);
    anthropic(h, ANTHROPIC_OUTPUT, output);
  }
  if (windows) {
    for (const { window, unit, s } of windows) {
      const n = windowHeaderNames(window, unit);
      put(h, n, s);
      h[n.reset] = formatRfc3339(s.resetAt);
    }
  }
  if (conc) put(h, CONCURRENT, conc);
  return h;
}
