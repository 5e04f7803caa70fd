// One contract suite, run against every Limiter backend (memory and Redis).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Limiter, LimitInspector, LimitTicket } from '../../src/limits/limiter.js';
import type { LimitsConfig } from '../../src/limits/limits-schema.js';
import { describeLimits } from '../../src/limits/describe-limits.js';
import { MoatError } from '../../src/errors/moat-error.js';
import { renderError } from '../../src/errors/wire-format.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';

export type MakeLimiter = (limits: LimitsConfig, clock: TestClock) => Promise<Limiter & LimitInspector>;

async function admitted(l: Limiter, inp: Parameters<Limiter['admit']>[0]): Promise<LimitTicket> {
  const r = await l.admit(inp);
  if (!r.ok) assert.fail(`expected admission, got ${r.error.code}: ${r.error.message}`);
  return r.ticket;
}

async function refused(l: Limiter, inp: Parameters<Limiter['admit']>[0]): Promise<MoatError> {
  const r = await l.admit(inp);
  if (r.ok) assert.fail('expected a refusal');
  return r.error;
}

export function limiterContract(backend: string, make: MakeLimiter, skip: string | false = false): void {
  const t = (name: string, fn: () => Promise<void>) => test(`[${backend}] ${name}`, { skip }, fn);

  t('requests per minute: refuses the request over the limit with 429, retry-after and OpenAI headers, admits again after the window', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { requestsPerMinute: 3 } } } }), clock);
    try {
      const first = await admitted(l, input(clock));
      assert.equal(first.headers['x-ratelimit-limit-requests'], '3');
      assert.equal(first.headers['x-ratelimit-remaining-requests'], '2');
      assert.equal(first.headers['x-ratelimit-reset-requests'], '1m1s');
      clock.advance(10_000);
      await admitted(l, input(clock));
      const third = await admitted(l, input(clock));
      assert.equal(third.headers['x-ratelimit-remaining-requests'], '0');
      clock.advance(5_000);
      const err = await refused(l, input(clock));
      assert.equal(err.code, 'rate_limited');
      assert.equal(err.status, 429);
      assert.equal(err.retryable, true);
      // The first request's bucket stops counting at T0 + 61 s: 46 s from now.
      assert.equal(err.headers?.['retry-after'], '46');
      assert.equal(err.headers?.['x-ratelimit-remaining-requests'], '0');
      assert.equal(renderError('openai', err, 'req_1').headers['x-should-retry'], undefined);
      clock.advance(46_000);
      await admitted(l, input(clock));
      await refused(l, input(clock));
    } finally {
      await l.close();
    }
  });

  t('precedence: a key override beats the org override beats the tier default; the org counter is shared by its keys', async () => {
    const clock = new TestClock();
    const l = await make(
      limitsDoc({
        tiers: { free: { key: { requestsPerMinute: 100 }, org: { requestsPerMinute: 5 } } },
        orgs: { org_a: { key: { requestsPerMinute: 3 } } },
        keys: { key_1: { requestsPerMinute: 1 } },
      }),
      clock,
    );
    try {
      await admitted(l, input(clock, { keyId: 'key_1' }));
      assert.equal((await refused(l, input(clock, { keyId: 'key_1' }))).code, 'rate_limited');
      for (let i = 0; i < 3; i++) await admitted(l, input(clock, { keyId: 'key_2' }));
      const e = await refused(l, input(clock, { keyId: 'key_2' })); // key_2: org_a's per-key 3
      assert.match(e.message, /key key_2/);
      await admitted(l, input(clock, { keyId: 'key_3' })); // 5th request of org_a
      const orgFull = await refused(l, input(clock, { keyId: 'key_4' }));
      assert.match(orgFull.message, /org org_a/);
      // Another org of the tier only has the tier's values.
      for (let i = 0; i < 5; i++) await admitted(l, input(clock, { orgId: 'org_b', keyId: 'key_9' }));
      await refused(l, input(clock, { orgId: 'org_b', keyId: 'key_9' }));
    } finally {
      await l.close();
    }
  });

  t('tokens: reserves input estimate + max_tokens, reconciles on settle, refunds unused output', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { outputTokensPerMinute: 1000, inputTokensPerMinute: 500 } } } }), clock);
    try {
      const a = await admitted(l, input(clock, { maxTokens: 600, inputTokensEstimate: 100 }));
      assert.equal(a.headers['x-ratelimit-remaining-tokens'], '400'); // tightest of input 400 and output 400
      const denied = await refused(l, input(clock, { maxTokens: 600, inputTokensEstimate: 100 }));
      assert.equal(denied.code, 'rate_limited');
      await a.settle({ inputTokens: 100, outputTokens: 100 });
      const b = await admitted(l, input(clock, { maxTokens: 600, inputTokensEstimate: 100 }));
      await b.settle({ inputTokens: 100, outputTokens: 600 });
      // 100 + 600 output used: a request reserving 400 fits, one reserving 301 more does not.
      const c = await admitted(l, input(clock, { maxTokens: 300, inputTokensEstimate: 10 }));
      await refused(l, input(clock, { maxTokens: 1, inputTokensEstimate: 10 }));
      await c.settle({ inputTokens: 10, outputTokens: 0 });
      await admitted(l, input(clock, { maxTokens: 300, inputTokensEstimate: 10 }));
    } finally {
      await l.close();
    }
  });

  t('streams cut short: settle() without usage keeps the whole reservation; settle with partial usage refunds the rest; settle is idempotent', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { outputTokensPerMinute: 1000 } } } }), clock);
    try {
      const a = await admitted(l, input(clock, { maxTokens: 500, stream: true }));
      await a.settle(); // client vanished, usage unknown
      const b = await admitted(l, input(clock, { maxTokens: 500, stream: true }));
      await refused(l, input(clock, { maxTokens: 1 }));
      await b.settle({ inputTokens: 10, outputTokens: 50 }); // cut after 50 tokens
      await b.settle({ inputTokens: 10, outputTokens: 0 }); // second settle ignored
      const peek = await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' });
      assert.equal(peek.find((s) => s.limit.metric.kind === 'rate' && s.limit.metric.unit === 'output_tokens')?.used, 550);
    } finally {
      await l.close();
    }
  });

  t('concurrency: refuses beyond the limit with concurrency_limited; a settle frees exactly one slot', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { concurrentRequests: 2 } } } }), clock);
    try {
      const a = await admitted(l, input(clock));
      const b = await admitted(l, input(clock));
      assert.equal(b.headers['moat-ratelimit-concurrent-remaining'], '0');
      const e = await refused(l, input(clock));
      assert.equal(e.code, 'concurrency_limited');
      assert.equal(e.retryable, true);
      await a.settle({ inputTokens: 1, outputTokens: 1 });
      await a.settle({ inputTokens: 1, outputTokens: 1 });
      await admitted(l, input(clock));
      await refused(l, input(clock));
      void b;
    } finally {
      await l.close();
    }
  });

  t('anchored 5 h session: starts at first use, a spent quota is a hard cap (x-should-retry: false), resets at anchor + 5 h', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 3 }] } } } }), clock);
    try {
      const anchor = clock.t;
      const first = await admitted(l, input(clock));
      assert.equal(first.headers['moat-ratelimit-5h-requests-limit'], '3');
      assert.equal(first.headers['moat-ratelimit-5h-requests-reset'], new Date(anchor + 5 * 3_600_000).toISOString().replace('.000Z', 'Z'));
      clock.advance(3_600_000);
      await admitted(l, input(clock));
      await admitted(l, input(clock));
      const e = await refused(l, input(clock));
      assert.equal(e.code, 'quota_exhausted');
      assert.equal(e.retryable, false);
      assert.equal(e.headers?.['retry-after'], String(4 * 3600));
      assert.equal(renderError('anthropic', e, 'r').headers['x-should-retry'], 'false');
      clock.advance(4 * 3_600_000 - 30_000); // 30 s before reset: now a soft limit, retryable
      assert.equal((await refused(l, input(clock))).retryable, true);
      clock.advance(30_000);
      const next = await admitted(l, input(clock)); // new session anchored now
      assert.equal(next.headers['moat-ratelimit-5h-requests-remaining'], '2');
      assert.equal(next.headers['moat-ratelimit-5h-requests-reset'], new Date(clock.t + 5 * 3_600_000).toISOString().replace('.000Z', 'Z'));
    } finally {
      await l.close();
    }
  });

  t('sliding 7 d token window: usage of the whole week counts, old days drop off', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ orgs: { org_a: { org: { windows: [{ name: '7d', duration: '7d', tokens: 1000 }] } } } }), clock);
    try {
      const DAY = 86_400_000;
      const a = await admitted(l, input(clock, { inputTokensEstimate: 100, maxTokens: 300 }));
      await a.settle({ inputTokens: 100, outputTokens: 300 });
      clock.advance(3 * DAY);
      const b = await admitted(l, input(clock, { inputTokensEstimate: 100, maxTokens: 500 }));
      await b.settle({ inputTokens: 100, outputTokens: 500 });
      clock.advance(3 * DAY);
      const e = await refused(l, input(clock, { inputTokensEstimate: 100, maxTokens: 200 }));
      assert.equal(e.code, 'quota_exhausted');
      assert.equal(e.headers?.['moat-ratelimit-7d-tokens-remaining'], '0');
      // The first request drops off one week (+ one bucket of 2.8 h) after it.
      clock.advance(DAY + Math.ceil((7 * DAY) / 60));
      await admitted(l, input(clock, { inputTokensEstimate: 100, maxTokens: 200 }));
    } finally {
      await l.close();
    }
  });

  t('a request that can never fit (max_tokens above the limit) is refused without retry', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { outputTokensPerMinute: 100 } } } }), clock);
    try {
      const e = await refused(l, input(clock, { maxTokens: 101 }));
      assert.equal(e.code, 'rate_limited');
      assert.equal(e.retryable, false);
      assert.equal(e.headers?.['retry-after'], undefined);
      await admitted(l, input(clock, { maxTokens: 100 }));
    } finally {
      await l.close();
    }
  });

  t('grant, feature and model limits apply only to traffic under them; Anthropic callers get Anthropic headers', async () => {
    const clock = new TestClock();
    const l = await make(
      limitsDoc({
        grants: { g_safety: { requestsPerMinute: 1 } },
        features: { coding_tools: { requestsPerMinute: 2 } },
        models: { 'claude-opus-*': { requestsPerMinute: 1, inputTokensPerMinute: 50 } },
      }),
      clock,
    );
    try {
      await admitted(l, input(clock, {}, { grantId: 'g_safety' }));
      await refused(l, input(clock, {}, { grantId: 'g_safety' }));
      await admitted(l, input(clock)); // not under the grant: no limit
      await admitted(l, input(clock, {}, { features: ['coding_tools'] }));
      await admitted(l, input(clock, {}, { features: ['coding_tools'] }));
      await refused(l, input(clock, {}, { features: ['coding_tools', 'logprobs'] }));
      const opus = await admitted(l, input(clock, { api: 'anthropic', model: 'claude-opus-4', inputTokensEstimate: 20 }));
      assert.equal(opus.headers['anthropic-ratelimit-requests-limit'], '1');
      assert.equal(opus.headers['anthropic-ratelimit-requests-remaining'], '0');
      assert.equal(opus.headers['anthropic-ratelimit-input-tokens-remaining'], '30');
      assert.equal(opus.headers['anthropic-ratelimit-requests-reset'], new Date(clock.t - (clock.t % 1000) + 61_000).toISOString().replace('.000Z', 'Z'));
      assert.equal(opus.headers['x-ratelimit-limit-requests'], undefined);
      await refused(l, input(clock, { api: 'anthropic', model: 'claude-opus-4' }));
      await admitted(l, input(clock, { api: 'anthropic', model: 'claude-sonnet-4' }));
    } finally {
      await l.close();
    }
  });

  t('many concurrent admissions on one key: exactly the limit of requests, tokens within limit + settle overrun', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { requestsPerMinute: 50, outputTokensPerMinute: 10_000 }, org: { concurrentRequests: 40 } } } }), clock);
    try {
      const results = await Promise.all(Array.from({ length: 200 }, () => l.admit(input(clock, { maxTokens: 100 }))));
      const ok = results.filter((r) => r.ok);
      assert.equal(ok.length, 40); // concurrency (40) binds before rpm (50)
      await Promise.all(ok.map((r) => (r.ok ? r.ticket.settle({ inputTokens: 10, outputTokens: 100 }) : undefined)));
      const more = await Promise.all(Array.from({ length: 100 }, () => l.admit(input(clock, { maxTokens: 300 }))));
      const ok2 = more.filter((r) => r.ok);
      assert.equal(ok2.length, 10); // rpm: 50 - 40
      // Settle with more output than reserved (a server ignoring max_tokens): charged, and the budget
      // is exceeded by at most that excess, never by the reservations themselves.
      await Promise.all(ok2.map((r) => (r.ok ? r.ticket.settle({ inputTokens: 10, outputTokens: 350 }) : undefined)));
      const st = await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' });
      const out = st.find((s) => s.limit.metric.kind === 'rate' && s.limit.metric.unit === 'output_tokens')!;
      assert.equal(out.used, 40 * 100 + 10 * 350);
    } finally {
      await l.close();
    }
  });

  t('peek + describeLimits: the key sees its limits, sources and remaining quota', async () => {
    const clock = new TestClock();
    const l = await make(
      limitsDoc({
        tiers: { free: { key: { requestsPerMinute: 10, windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 5000 }] } } },
        keys: { key_1: { requestsPerMinute: 4 } },
      }),
      clock,
    );
    try {
      const tk = await admitted(l, input(clock, { inputTokensEstimate: 50, maxTokens: 100 }));
      await tk.settle({ inputTokens: 40, outputTokens: 60 });
      const body = describeLimits({ orgId: 'org_a', keyId: 'key_1', tier: 'free' }, await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' }), clock.t);
      const rpm = body.limits.find((x) => x.metric === 'requests_per_minute')!;
      assert.deepEqual([rpm.limit, rpm.used, rpm.remaining, rpm.source], [4, 1, 3, 'key:key_1']);
      const win = body.limits.find((x) => x.metric === '5h-tokens')!;
      assert.deepEqual([win.limit, win.used, win.remaining, win.source], [5000, 100, 4900, 'tier:free']);
      assert.equal(win.resets_at, new Date(clock.t + 5 * 3_600_000).toISOString().replace('.000Z', 'Z'));
      assert.deepEqual(win.window, { name: '5h', mode: 'anchored', duration_seconds: 18_000 });
    } finally {
      await l.close();
    }
  });

  t('refunds that empty a bucket: usage, reset and retry times follow the buckets still holding usage', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { outputTokensPerMinute: 1000 } } } }), clock);
    const outputStatus = async () => (await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' })).find((s) => s.limit.metric.kind === 'rate' && s.limit.metric.unit === 'output_tokens')!;
    try {
      // Newest bucket emptied: the reset falls back to the older bucket's expiry (T0 + 61 s).
      const b = await admitted(l, input(clock, { maxTokens: 500 }));
      clock.advance(10_000);
      const a = await admitted(l, input(clock, { maxTokens: 500 }));
      await a.settle({ inputTokens: 10, outputTokens: 0 });
      clock.advance(5_000);
      const st = await outputStatus();
      assert.deepEqual([st.used, st.resetAt], [500, clock.t - 15_000 + 61_000]);
      const refused1 = await refused(l, input(clock, { maxTokens: 600 }));
      assert.equal(refused1.headers?.['retry-after'], '46');
      assert.equal(refused1.headers?.['x-ratelimit-reset-tokens'], '46s');
      // Oldest bucket emptied: what frees up next is the request made at T0 + 15 s, at T0 + 76 s.
      await b.settle({ inputTokens: 10, outputTokens: 0 });
      const c = await admitted(l, input(clock, { maxTokens: 1000 }));
      assert.equal(c.headers['x-ratelimit-remaining-tokens'], '0');
      clock.advance(5_000);
      const refused2 = await refused(l, input(clock, { maxTokens: 1 }));
      assert.equal(refused2.headers?.['retry-after'], '56');
      await c.settle({ inputTokens: 10, outputTokens: 0 });
      const empty = await outputStatus();
      assert.deepEqual([empty.used, empty.resetAt], [0, clock.t]);
      await admitted(l, input(clock, { maxTokens: 1000 }));
    } finally {
      await l.close();
    }
  });

  t('a batch admission charges its item count and every item\'s tokens at once; concurrency sees one request; refused whole when it does not fit', async () => {
    const clock = new TestClock();
    const l = await make(
      limitsDoc({ defaultMaxTokens: 100, tiers: { free: { key: { requestsPerMinute: 10, concurrentRequests: 1, windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 1000 }] } } } }),
      clock,
    );
    try {
      // 4 items: 40 input tokens, two with max_tokens (50 in all), two on the default (2 × 100) = 290 tokens.
      const batch = { requests: 4, withoutMaxTokens: 2 };
      const t1 = await admitted(l, input(clock, { inputTokensEstimate: 40, maxTokens: 50 }, { batch }));
      assert.equal(t1.headers['moat-ratelimit-5h-tokens-remaining'], '710');
      await t1.settle(); // kept: the batch's reservation stays charged, the concurrency slot is free again
      const tooMany = await refused(l, input(clock, { inputTokensEstimate: 0, maxTokens: 0 }, { batch: { requests: 7, withoutMaxTokens: 0 } }));
      assert.equal(tooMany.code, 'rate_limited', '4 + 7 requests pass the 10 a minute');
      const tooBig = await refused(l, input(clock, { inputTokensEstimate: 0, maxTokens: 0 }, { batch: { requests: 1, withoutMaxTokens: 8 } }));
      assert.equal(tooBig.code, 'quota_exhausted', '290 + 800 tokens pass the 1000 of the window');
      await admitted(l, input(clock, { inputTokensEstimate: 10, maxTokens: 10 }, { batch: { requests: 6, withoutMaxTokens: 0 } }));
      await refused(l, input(clock, { maxTokens: 1 }));
    } finally {
      await l.close();
    }
  });

  t('settling with `requests` returns request counts (a batch refused after part of it was reserved); without it they stay counted', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { requestsPerMinute: 10, inputTokensPerMinute: 100, windows: [{ name: 'weekly', duration: '7d', requests: 10 }, { name: '5h', mode: 'anchored', duration: '5h', requests: 10 }] } } } }), clock);
    const part = () => input(clock, { inputTokensEstimate: 60, maxTokens: 0 }, { batch: { requests: 8, withoutMaxTokens: 0 } });
    try {
      const a = await admitted(l, part());
      await a.settle({ inputTokens: 0, outputTokens: 0, requests: 0 }); // every counter back to nothing
      const b = await admitted(l, part());
      await b.settle({ inputTokens: 0, outputTokens: 0 }); // tokens back, the 8 requests stay counted
      await refused(l, part());
      const peek = await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' });
      const used = (unit: string) => peek.filter((x) => (x.limit.metric.kind === 'rate' || x.limit.metric.kind === 'window') && x.limit.metric.unit === unit).map((x) => x.used);
      assert.deepEqual(used('requests'), [8, 8, 8]);
      assert.deepEqual(used('input_tokens'), [0]);
    } finally {
      await l.close();
    }
  });

  t('token counts have their own per-minute counter: they neither use nor are stopped by the model request limits', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ tiers: { free: { key: { requestsPerMinute: 2, concurrentRequests: 1, windows: [{ name: '5h', duration: '5h', requests: 2 }], tokenCountsPerMinute: 3 } } } }), clock);
    const count = () => input(clock, { api: 'anthropic', endpoint: '/v1/messages/count_tokens', maxTokens: 0, inputTokensEstimate: 0 });
    try {
      const held = await admitted(l, input(clock));
      await admitted(l, count()); // the model call's concurrency slot is not the token count's
      const c = await admitted(l, count());
      assert.equal(c.headers['anthropic-ratelimit-requests-remaining'], '1');
      await held.settle();
      await admitted(l, input(clock));
      await admitted(l, count());
      assert.equal((await refused(l, count())).code, 'rate_limited');
      // Two model requests used the per-minute and 5-hour limits; the three counts used neither.
      await refused(l, input(clock));
    } finally {
      await l.close();
    }
  });

  t('a key with no token-count limit configured is limited by the default (defaultTokenCountsPerMinute), per key', async () => {
    const clock = new TestClock();
    const l = await make(limitsDoc({ defaultTokenCountsPerMinute: 2, tiers: { free: { key: { requestsPerMinute: 100 } } } }), clock);
    const count = (keyId = 'k_1') => input(clock, { api: 'anthropic', endpoint: '/v1/messages/count_tokens', maxTokens: 0, inputTokensEstimate: 0, keyId });
    try {
      await admitted(l, count());
      await admitted(l, count());
      const denied = await refused(l, count());
      assert.equal(denied.code, 'rate_limited');
      assert.equal(denied.limit, 'key:token_counts_per_minute');
      await admitted(l, count('k_2')); // each key has its own counter
      clock.advance(61_000);
      await admitted(l, count());
    } finally {
      await l.close();
    }
    // Unconfigured means the schema's default, never unlimited.
    assert.ok(limitsDoc({}).defaultTokenCountsPerMinute > 0);
  });
}
