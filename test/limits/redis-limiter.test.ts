import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { limiterContract } from './limiter-contract.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';

let n = 0;
after(cleanupRedis);

limiterContract(
  'redis',
  async (limits, clock) => createRedisLimiter({ url: REDIS_URL!, limits: () => limits, now: clock.now, keyPrefix: `${runPrefix}${n++}:` }),
  redisSkip,
);

test('[redis] one round trip per admission and per settle, whatever the number of limits; the fast path refuses exhausted callers with none', { skip: redisSkip }, async () => {
  const clock = new TestClock();
  const limits = limitsDoc({
    tiers: {
      free: {
        key: { requestsPerMinute: 3, inputTokensPerMinute: 10_000, outputTokensPerMinute: 10_000, concurrentRequests: 10, windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 100, tokens: 100_000 }] },
        org: { requestsPerMinute: 100, windows: [{ name: '7d', duration: '7d', tokens: 1_000_000 }] },
      },
    },
  });
  const l = await createRedisLimiter({ url: REDIS_URL!, limits: () => limits, now: clock.now, keyPrefix: `${runPrefix}rt:` });
  try {
    await l.admit(input(clock, { keyId: 'warm_up' })); // loads the script if this Redis has not seen it
    for (let i = 0; i < 3; i++) {
      const before = l.roundTrips;
      const r = await l.admit(input(clock));
      assert.ok(r.ok);
      assert.equal(l.roundTrips - before, 1);
      await r.ticket.settle({ inputTokens: 5, outputTokens: 5 });
      assert.equal(l.roundTrips - before, 2);
    }
    const before = l.roundTrips;
    for (let i = 0; i < 20; i++) {
      const r = await l.admit(input(clock));
      assert.equal(r.ok, false);
    }
    assert.equal(l.roundTrips, before, 'exhausted key refused locally');
    clock.advance(61_000);
    assert.ok((await l.admit(input(clock))).ok);
    assert.equal(l.roundTrips, before + 1);
  } finally {
    await l.close();
  }
});

test('[redis] settles of one org that finish in the same turn share one script call, and every reservation is settled exactly', { skip: redisSkip }, async () => {
  const clock = new TestClock();
  const limits = limitsDoc({ tiers: { free: { key: { outputTokensPerMinute: 100_000, concurrentRequests: 10 }, org: { windows: [{ name: '7d', duration: '7d', tokens: 1_000_000 }] } } } });
  const l = await createRedisLimiter({ url: REDIS_URL!, limits: () => limits, now: clock.now, keyPrefix: `${runPrefix}coalesce:` });
  try {
    const warm = await l.admit(input(clock, { orgId: 'org_warm' }));
    assert.ok(warm.ok);
    await warm.ticket.settle({ inputTokens: 0, outputTokens: 0 }); // loads both scripts
    const tickets = [];
    for (const orgId of ['org_a', 'org_a', 'org_a', 'org_b', 'org_b']) {
      const r = await l.admit(input(clock, { orgId, maxTokens: 100 }));
      assert.ok(r.ok);
      tickets.push(r.ticket);
    }
    const before = l.roundTrips;
    await Promise.all(tickets.map((t, i) => t.settle({ inputTokens: 10, outputTokens: 10 * (i + 1) })));
    assert.equal(l.roundTrips - before, 2, 'one settle call per org');
    const used = async (orgId: string) => {
      const st = await l.peek({ orgId, keyId: 'key_1', tier: 'free' });
      const of = (pred: (s: (typeof st)[number]) => boolean) => st.find(pred)?.used;
      return {
        output: of((s) => s.limit.metric.kind === 'rate' && s.limit.metric.unit === 'output_tokens'),
        running: of((s) => s.limit.metric.kind === 'concurrency'),
      };
    };
    // Output reservations of 100 each were replaced by the real usage: 10 + 20 + 30 for org_a, 40 + 50 for org_b.
    assert.deepEqual(await used('org_a'), { output: 60, running: 0 });
    assert.deepEqual(await used('org_b'), { output: 90, running: 0 });
  } finally {
    await l.close();
  }
});

test('[redis] a sliding counter written without its summary (older gateway) is read in full: live buckets count, expired and empty ones do not', { skip: redisSkip }, async () => {
  const clock = new TestClock();
  const prefix = `${runPrefix}legacy:`;
  const l = await createRedisLimiter({ url: REDIS_URL!, limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: 5 } } } }), now: clock.now, keyPrefix: prefix });
  const raw = new Redis(REDIS_URL!);
  try {
    const sec = (ms: number) => String(Math.floor(ms / 1000));
    const key = `${prefix}{org_a}:key:key_1:rate:requests`;
    await raw.hset(key, sec(clock.t - 10_000), '2', sec(clock.t - 5_000), '1', sec(clock.t - 120_000), '7', sec(clock.t - 3_000), '0');
    await raw.pexpire(key, 120_000);
    const first = await l.admit(input(clock));
    assert.ok(first.ok);
    assert.equal(first.ticket.headers['x-ratelimit-remaining-requests'], '1');
    const second = await l.admit(input(clock));
    assert.ok(second.ok);
    assert.equal(second.ticket.headers['x-ratelimit-remaining-requests'], '0');
    clock.advance(52_000); // T0 - 10 s stopped counting at T0 + 51 s: 3 used (T0 - 5 s and the two above)
    const third = await l.admit(input(clock));
    assert.ok(third.ok);
    assert.equal(third.ticket.headers['x-ratelimit-remaining-requests'], '1');
    assert.ok((await l.admit(input(clock))).ok);
    const refused = await l.admit(input(clock));
    assert.ok(!refused.ok);
    assert.equal(refused.error.headers?.['retry-after'], '4'); // T0 - 5 s stops counting at T0 + 56 s
  } finally {
    raw.disconnect();
    await l.close();
  }
});
