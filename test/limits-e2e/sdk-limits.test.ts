// Rate limits and quotas end to end: a real gateway (startMoat) with limits applied by `moat policy apply`,
// called with the official OpenAI and Anthropic SDKs, streaming and not. Time is the gateway's injected clock.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { ANTHROPIC_MODEL, caught, eventually, OPENAI_MODEL, startLimitsGateway, type LimitsGateway } from './limits-gateway.js';

let g: LimitsGateway;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const DURATION = /^(\d+h)?(\d+m)?\d+(\.\d+)?s$|^\d+ms$/;

const RPM_ORGS = ['rpm_oa_plain', 'rpm_oa_stream', 'rpm_an_plain', 'rpm_an_stream'];
const LIMITS = {
  tiers: { free: { key: { requestsPerMinute: 1000 } } },
  orgs: {
    ...Object.fromEntries(RPM_ORGS.map((o) => [o, { key: { requestsPerMinute: 2 } }])),
    tok_oa: { key: { outputTokensPerMinute: 100, inputTokensPerMinute: 2000 } },
    tok_an: { key: { outputTokensPerMinute: 100, inputTokensPerMinute: 2000 } },
    conc_oa: { key: { concurrentRequests: 2 } },
    conc_an: { key: { concurrentRequests: 1 } },
    soft_oa: { key: { requestsPerMinute: 1 } },
    soft_an: { key: { requestsPerMinute: 1 } },
    hard_oa: { key: { windows: [{ name: 'daily', mode: 'anchored', duration: '1d', requests: 1 }] } },
    hard_an: { key: { windows: [{ name: 'daily', mode: 'anchored', duration: '1d', requests: 1 }] } },
    session: { key: { windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 3 }] } },
    weekly: { org: { windows: [{ name: '7d', mode: 'sliding', duration: '7d', requests: 4 }] } },
    throttled: { key: { requestsPerMinute: 10 } },
  },
};
const ORGS = Object.keys(LIMITS.orgs);

before(async () => {
  g = await startLimitsGateway();
  await g.apply(LIMITS, ORGS);
});
after(async () => {
  await g?.close();
});

const chat = { model: OPENAI_MODEL, messages: [{ role: 'user' as const, content: 'hello there' }] };
const msg = { model: ANTHROPIC_MODEL, max_tokens: 50, messages: [{ role: 'user' as const, content: 'hello there' }] };

async function openaiCall(c: OpenAI, stream: boolean, extra: Record<string, unknown> = {}): Promise<Headers> {
  if (stream) {
    const { data, response } = await c.chat.completions.create({ ...chat, ...extra, stream: true }).withResponse();
    for await (const _ of data) void _;
    return response.headers;
  }
  const { response } = await c.chat.completions.create({ ...chat, ...extra }).withResponse();
  return response.headers;
}

async function anthropicCall(c: Anthropic, stream: boolean, extra: Record<string, unknown> = {}): Promise<Headers> {
  if (stream) {
    const { data, response } = await c.messages.create({ ...msg, ...extra, stream: true }).withResponse();
    for await (const _ of data) void _;
    return response.headers;
  }
  const { response } = await c.messages.create({ ...msg, ...extra }).withResponse();
  return response.headers;
}

for (const [org, api, stream] of [
  ['rpm_oa_plain', 'openai', false],
  ['rpm_oa_stream', 'openai', true],
  ['rpm_an_plain', 'anthropic', false],
  ['rpm_an_stream', 'anthropic', true],
] as const) {
  test(`requests per minute (${api}, ${stream ? 'streaming' : 'not streaming'}): 429 in the caller's format with retry-after and the ecosystem's headers; the SDK raises RateLimitError`, async () => {
    if (api === 'openai') {
      const { client } = g.openai(org);
      const h1 = await openaiCall(client, stream);
      assert.equal(h1.get('x-ratelimit-limit-requests'), '2');
      assert.equal(h1.get('x-ratelimit-remaining-requests'), '1');
      assert.match(h1.get('x-ratelimit-reset-requests') ?? '', DURATION);
      assert.equal(h1.get('anthropic-ratelimit-requests-limit'), null, 'only the caller convention');
      await openaiCall(client, stream);
      const err = await caught<InstanceType<typeof OpenAI.RateLimitError>>(() => openaiCall(client, stream));
      assert.ok(err instanceof OpenAI.RateLimitError, `got ${err}`);
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limited');
      const retryAfter = Number(err.headers?.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 61, `retry-after ${retryAfter}`);
      assert.equal(err.headers?.get('x-ratelimit-remaining-requests'), '0');
      assert.match(err.headers?.get('x-ratelimit-reset-requests') ?? '', /^(1m[01](\.\d+)?s|[1-5]?\d(\.\d+)?s)$/, 'OpenAI duration, within a minute and a bucket');
      assert.equal(err.headers?.get('x-should-retry'), null, 'a per-minute limit is retryable');
    } else {
      const { client } = g.anthropic(org);
      const h1 = await anthropicCall(client, stream);
      assert.equal(h1.get('anthropic-ratelimit-requests-limit'), '2');
      assert.equal(h1.get('anthropic-ratelimit-requests-remaining'), '1');
      assert.match(h1.get('anthropic-ratelimit-requests-reset') ?? '', RFC3339);
      assert.equal(h1.get('x-ratelimit-limit-requests'), null, 'only the caller convention');
      await anthropicCall(client, stream);
      const err = await caught<InstanceType<typeof Anthropic.RateLimitError>>(() => anthropicCall(client, stream));
      assert.ok(err instanceof Anthropic.RateLimitError, `got ${err}`);
      assert.equal(err.status, 429);
      assert.equal((err.error as { type?: string; error?: { type?: string } }).error?.type, 'rate_limit_error');
      const retryAfter = Number(err.headers?.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 61, `retry-after ${retryAfter}`);
      assert.equal(err.headers?.get('anthropic-ratelimit-requests-remaining'), '0');
      const reset = Date.parse(err.headers?.get('anthropic-ratelimit-requests-reset') ?? '');
      assert.ok(reset > g.clock.now() && reset <= g.clock.now() + 62_000, 'reset within the minute, RFC 3339');
    }
  });
}

async function limitsOf(org: string, api: 'openai' | 'anthropic' = 'openai'): Promise<any> {
  const key = g.keyOf(org);
  const res = await fetch(`${g.url}/v1/moat/limits`, { headers: api === 'openai' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key, 'anthropic-version': '2023-06-01' } });
  assert.equal(res.status, 200);
  return res.json();
}
const usedOf = (listing: any, metric: string) => listing.limits.find((l: any) => l.metric === metric && l.subject === 'key');

test('tokens (OpenAI): max_tokens is reserved at admission and the real usage replaces it after; GET /v1/moat/limits shows what is left', async () => {
  const { client } = g.openai('tok_oa');
  const first = await client.chat.completions.create({ ...chat, max_tokens: 60 }).withResponse();
  // Admission reserved 60 output tokens (100 − 60 = 40 shown as the tightest token header).
  assert.equal(first.response.headers.get('x-ratelimit-limit-tokens'), '100');
  assert.equal(first.response.headers.get('x-ratelimit-remaining-tokens'), '40');
  const real = first.data.usage!;
  assert.ok(real.completion_tokens < 60);
  const listing = await eventually(async () => {
    const l = await limitsOf('tok_oa');
    return usedOf(l, 'output_tokens_per_minute').used === real.completion_tokens ? l : undefined;
  }, 'the reservation to be reconciled');
  assert.equal(listing.object, 'moat.limits');
  const out = usedOf(listing, 'output_tokens_per_minute');
  assert.deepEqual([out.limit, out.used, out.remaining, out.source], [100, real.completion_tokens, 100 - real.completion_tokens, 'org:tok_oa']);
  assert.equal(usedOf(listing, 'input_tokens_per_minute').used, real.prompt_tokens);
  // A request whose reservation does not fit is refused, though its real usage would have.
  const tooBig = await caught(() => client.chat.completions.create({ ...chat, max_tokens: 100 - real.completion_tokens + 1 }));
  assert.ok(tooBig instanceof OpenAI.RateLimitError);
  assert.equal(tooBig.code, 'rate_limited');
  assert.match(tooBig.message, /output_tokens_per_minute limit of 100/);
  // Within the remainder: admitted.
  await client.chat.completions.create({ ...chat, max_tokens: 100 - real.completion_tokens });
});

test('tokens (Anthropic, streaming): a stream cut short by the client counts what went, and the rest of the reservation comes back', async () => {
  const { client } = g.anthropic('tok_an');
  g.demo.setBehavior({ chunkDelayMs: 40 });
  try {
    const long = 'word '.repeat(60);
    const stream = await client.messages.create({ ...msg, max_tokens: 90, stream: true, messages: [{ role: 'user', content: long }] });
    let deltas = 0;
    for await (const ev of stream) {
      if (ev.type === 'content_block_delta' && ++deltas === 3) break; // the SDK aborts the request
    }
    const listing = await eventually(async () => {
      const l = await limitsOf('tok_an', 'anthropic');
      const o = usedOf(l, 'output_tokens_per_minute');
      return o.used < 90 ? l : undefined;
    }, 'the cut stream to be settled');
    const used = usedOf(listing, 'output_tokens_per_minute').used;
    assert.ok(used >= 1 && used < 60, `output charged ${used}: what went, not the 90 reserved nor the ~70 words of the full reply`);
    assert.ok(usedOf(listing, 'input_tokens_per_minute').used >= 75, 'the input (300 chars) counts');
  } finally {
    g.demo.setBehavior({ chunkDelayMs: 0 });
  }
});

test('concurrency: requests in flight beyond the limit get 429 concurrency_limited (OpenAI plain, Anthropic streaming); a finished request frees its slot', async () => {
  g.demo.setBehavior({ delayMs: 300 });
  try {
    const { client } = g.openai('conc_oa');
    const results = await Promise.allSettled(Array.from({ length: 4 }, () => client.chat.completions.create(chat)));
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 2);
    for (const r of results.filter((x) => x.status === 'rejected')) {
      const e = (r as PromiseRejectedResult).reason;
      assert.ok(e instanceof OpenAI.RateLimitError);
      assert.equal(e.code, 'concurrency_limited');
    }
    await client.chat.completions.create(chat);
  } finally {
    g.demo.setBehavior({ delayMs: 0 });
  }
  g.demo.setBehavior({ chunkDelayMs: 50 });
  try {
    const { client } = g.anthropic('conc_an');
    const open = await client.messages.create({ ...msg, stream: true });
    const second = await caught(() => client.messages.create({ ...msg, stream: true }));
    assert.ok(second instanceof Anthropic.RateLimitError);
    assert.equal(second.headers?.get('moat-ratelimit-concurrent-limit'), '1');
    assert.equal(second.headers?.get('moat-ratelimit-concurrent-remaining'), '0');
    for await (const _ of open) void _;
    await eventually(async () => ((await limitsOf('conc_an')).limits.find((l: any) => l.metric === 'concurrent_requests').used === 0 ? true : undefined), 'the slot to be freed');
    const again = await client.messages.create({ ...msg, stream: true });
    for await (const _ of again) void _;
  } finally {
    g.demo.setBehavior({ chunkDelayMs: 0 });
  }
});

for (const api of ['openai', 'anthropic'] as const) {
  test(`a short per-minute 429 is retried by the ${api} SDK as usual (retry-after-ms), and the retry is admitted`, async () => {
    const org = api === 'openai' ? 'soft_oa' : 'soft_an';
    const sdk = api === 'openai' ? g.openai(org, { maxRetries: 2 }) : g.anthropic(org, { maxRetries: 2 });
    const call = () => (api === 'openai' ? (sdk.client as OpenAI).chat.completions.create(chat) : (sdk.client as Anthropic).messages.create(msg));
    const t1 = g.clock.now();
    await call();
    // Move to ~1-2 s before the first request's bucket stops counting.
    g.clock.advance((Math.floor(t1 / 1000) + 61) * 1000 - t1 - 1500);
    sdk.sent.count = 0;
    await call();
    assert.equal(sdk.sent.count, 2, 'one refusal, then one admitted retry');
  });

  test(`a hard cap that will not reset soon carries x-should-retry: false and the ${api} SDK does not retry into it`, async () => {
    const org = api === 'openai' ? 'hard_oa' : 'hard_an';
    const sdk = api === 'openai' ? g.openai(org, { maxRetries: 2 }) : g.anthropic(org, { maxRetries: 2 });
    const call = () => (api === 'openai' ? (sdk.client as OpenAI).chat.completions.create(chat) : (sdk.client as Anthropic).messages.create(msg));
    await call();
    sdk.sent.count = 0;
    const err = await caught<any>(call);
    assert.ok(api === 'openai' ? err instanceof OpenAI.RateLimitError : err instanceof Anthropic.RateLimitError, `got ${err}`);
    assert.equal(sdk.sent.count, 1, 'maxRetries 2, yet the gateway saw exactly one request');
    assert.equal(err.headers.get('x-should-retry'), 'false');
    assert.ok(Number(err.headers.get('retry-after')) > 86_000, 'retry-after ≈ 1 day');
    assert.equal(err.headers.get('moat-ratelimit-daily-requests-remaining'), '0');
  });
}

test('a throttle applied through the limits document (`throttles:`) lowers every limit of the org at once, and ends at `until`', async () => {
  const { client } = g.openai('throttled');
  const until = new Date(g.clock.now() + 30 * 60_000).toISOString();
  await g.apply({ ...LIMITS, throttles: { throttled: { factor: 0.3, until } } }, ORGS);
  const first = await client.chat.completions.create(chat).withResponse();
  assert.equal(first.response.headers.get('x-ratelimit-limit-requests'), '3');
  await client.chat.completions.create(chat);
  await client.chat.completions.create(chat);
  const err = await caught(() => client.chat.completions.create(chat));
  assert.ok(err instanceof OpenAI.RateLimitError);
  const listing = await limitsOf('throttled');
  assert.deepEqual([usedOf(listing, 'requests_per_minute').limit, usedOf(listing, 'requests_per_minute').throttled_from], [3, 10]);
  // Other orgs keep their limits.
  assert.equal((await g.openai('tok_oa').client.chat.completions.create({ ...chat, max_tokens: 1 }).withResponse()).response.headers.get('x-ratelimit-limit-requests'), '1000');
});

test('a rolling 5-hour session anchored at first use, with moat-ratelimit-5h-* headers; a spent session is a hard cap until anchor + 5 h', async () => {
  const { client } = g.anthropic('session');
  const start = g.clock.now();
  const h = await anthropicCall(client, false);
  assert.equal(h.get('moat-ratelimit-5h-requests-limit'), '3');
  assert.equal(h.get('moat-ratelimit-5h-requests-remaining'), '2');
  const reset = Date.parse(h.get('moat-ratelimit-5h-requests-reset') ?? '');
  assert.ok(Math.abs(reset - (start + 5 * 3_600_000)) < 2_000, 'resets 5 h after the first request');
  g.clock.advance(2 * 3_600_000);
  await anthropicCall(client, true);
  await anthropicCall(client, false);
  g.clock.advance(2 * 3_600_000);
  const spent = await caught<any>(() => anthropicCall(client, true));
  assert.ok(spent instanceof Anthropic.RateLimitError);
  assert.equal(spent.headers.get('x-should-retry'), 'false');
  assert.equal(spent.headers.get('moat-ratelimit-5h-requests-remaining'), '0');
  const wait = Number(spent.headers.get('retry-after'));
  assert.ok(Math.abs(wait - 3600) <= 2, `retry-after ${wait} ≈ 1 h`);
  g.clock.advance(3_600_000 + 1_000);
  const renewed = await anthropicCall(client, false);
  assert.equal(renewed.get('moat-ratelimit-5h-requests-remaining'), '2', 'a new session');
  assert.ok(Date.parse(renewed.get('moat-ratelimit-5h-requests-reset') ?? '') > reset + 3_600_000);
});

test('a 7-day sliding window: requests of the whole week count, the oldest drop off after 7 days', async () => {
  const { client } = g.openai('weekly');
  const day = 86_400_000;
  const h = await openaiCall(client, false);
  assert.equal(h.get('moat-ratelimit-7d-requests-limit'), '4');
  assert.equal(h.get('moat-ratelimit-7d-requests-remaining'), '3');
  await openaiCall(client, true);
  g.clock.advance(3 * day);
  await openaiCall(client, false);
  await openaiCall(client, true);
  g.clock.advance(3 * day);
  const full = await caught<any>(() => openaiCall(client, false));
  assert.ok(full instanceof OpenAI.RateLimitError);
  assert.equal(full.code, 'quota_exhausted');
  assert.equal(full.headers.get('x-should-retry'), 'false', 'a day away: hard cap');
  const wait = Number(full.headers.get('retry-after'));
  // Day-0 requests stop counting after 7 d + at most one bucket (7 d / 60 = 2.8 h).
  assert.ok(wait > 86_400 && wait <= 86_400 + 10_080 + 2, `retry-after ${wait}`);
  g.clock.advance(wait * 1000);
  const h2 = await openaiCall(client, false);
  assert.equal(h2.get('moat-ratelimit-7d-requests-remaining'), '1');
});
