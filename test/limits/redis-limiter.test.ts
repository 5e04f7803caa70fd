import { after, test } from 'node:test';
import assert from 'node:assert/strict';
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
