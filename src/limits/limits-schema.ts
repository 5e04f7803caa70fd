// The `limits:` section of the policy document: tier defaults and overrides per org, key, grant, feature and
// model. The policy YAML embeds LimitsConfigSchema; compileLimitSpecs() flattens it into LimitSpecs.
import { z } from 'zod';
import { durationSchema } from '../policy/duration.js';

const count = (what: string) => z.number().int().min(0).optional().describe(what);

export const WindowLimitSchema = z
  .object({
    name: z
      .string()
      .regex(/^[a-z0-9_]{1,32}$/)
      .describe('Header-safe window name, e.g. `5h` or `weekly`; headers are `moat-ratelimit-<name>-<requests|tokens>-limit|remaining|reset`.'),
    mode: z
      .enum(['sliding', 'anchored'])
      .default('sliding')
      .describe('`sliding`: usage over the last `duration`. `anchored`: a session that starts with the first admitted request and lasts `duration`, then resets.'),
    duration: durationSchema.describe('Window length, e.g. `5h`, `7d`.'),
    requests: count('Requests admitted per window.'),
    tokens: count('Input plus output tokens per window.'),
  })
  .strict()
  .refine((w) => w.requests !== undefined || w.tokens !== undefined, { message: 'a window needs `requests` or `tokens`' });

export const LimitValuesSchema = z
  .object({
    requestsPerMinute: count('Requests per minute (sliding 60 s window).'),
    inputTokensPerMinute: count('Input tokens per minute (estimated at admission, reconciled with real usage).'),
    outputTokensPerMinute: count('Output tokens per minute (`max_tokens` reserved at admission, reconciled with real usage).'),
    concurrentRequests: count('Requests in flight at once (streams count until they end).'),
    tokenCountsPerMinute: count('Token-count requests (`POST /v1/messages/count_tokens`) per minute. They run no model, so they have this counter of their own and count against no other limit (requests, tokens, windows, concurrency); without it, `defaultTokenCountsPerMinute` limits each key.'),
    windows: z.array(WindowLimitSchema).optional().describe('Rolling windows (e.g. 5 h session, 7 d sliding) in requests or tokens.'),
  })
  .strict();

export const ThrottleSchema = z
  .object({
    factor: z.number().gt(0).lt(1).describe('Multiplier of every limit of the org, e.g. 0.5 halves them (each limit stays at least 1).'),
    until: z.iso.datetime({ offset: true }).describe('When the throttle ends (ISO 8601).'),
  })
  .strict();

/** Limits a tier or an org sets for each of its keys, for the org as a whole, and per model and feature. */
export const LimitLayerSchema = z
  .object({
    key: LimitValuesSchema.optional().describe('Limits for each API key (each key has its own counters).'),
    org: LimitValuesSchema.optional().describe('Limits for the org as a whole (all its keys share the counters).'),
    models: z.record(z.string().min(1), LimitValuesSchema).optional().describe('Per model glob, counted per org, e.g. `{"claude-opus-*": {requestsPerMinute: 10}}`.'),
    features: z.record(z.string().min(1), LimitValuesSchema).optional().describe('Per feature (as defined by the policy), counted per org.'),
  })
  .strict();

export const LimitsConfigSchema = z
  .object({
    defaultMaxTokens: z
      .number()
      .int()
      .min(1)
      .default(4096)
      .describe('Output tokens reserved at admission when the request sets no `max_tokens`.'),
    defaultTokenCountsPerMinute: z
      .number()
      .int()
      .min(1)
      .default(600)
      .describe(
        'Token-count requests per minute for each key whose own `tokenCountsPerMinute` is unset (a tier, org or key value overrides it; org, model, feature and grant counters apply besides it). Token counting runs no model but costs a parse and an upstream call, so it is never unlimited. 600 (10 a second) leaves room for clients that count before every call (Claude Code; an agent with parallel subagents makes a few calls a second) and refuses a flood from one key; Anthropic itself limits token counting per organization by usage tier.',
      ),
    hardCapSeconds: z
      .number()
      .int()
      .min(0)
      .default(120)
      .describe('A denial whose retry is further away than this is a hard cap: `x-should-retry: false`, so SDKs do not retry into it. The default is above the longest per-minute wait (61 s), so per-minute limits stay retryable.'),
    tiers: z.record(z.string().min(1), LimitLayerSchema).default({}).describe('Defaults per tier (an org has one tier).'),
    orgs: z.record(z.string().min(1), LimitLayerSchema).default({}).describe('Overrides for one org (by org id); override the tier value for the same counter and metric.'),
    keys: z.record(z.string().min(1), LimitValuesSchema).default({}).describe('Overrides for one API key (by key id); override the org and tier per-key values.'),
    grants: z.record(z.string().min(1), LimitValuesSchema).default({}).describe('Limits on traffic admitted under one grant (by grant id), counted per grant.'),
    features: z.record(z.string().min(1), LimitValuesSchema).default({}).describe('Default per-org limits on traffic that uses a feature; tier and org `features` override them.'),
    models: z.record(z.string().min(1), LimitValuesSchema).default({}).describe('Default per-org limits per model glob; tier and org `models` override them.'),
    throttles: z
      .record(z.string().min(1), ThrottleSchema)
      .optional()
      .describe('Temporary throttles per org id: every limit of the org is multiplied by `factor` until `until`. Usually filled from the `moat.throttle.*` org attributes that enforcement sets.'),
  })
  .strict();

export type WindowLimit = z.infer<typeof WindowLimitSchema>;
export type LimitValues = z.infer<typeof LimitValuesSchema>;
export type LimitLayer = z.infer<typeof LimitLayerSchema>;
export type LimitsConfig = z.infer<typeof LimitsConfigSchema>;
export type Throttle = z.infer<typeof ThrottleSchema>;

export function emptyLimitsConfig(): LimitsConfig {
  return LimitsConfigSchema.parse({});
}
