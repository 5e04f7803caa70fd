// The Redis limiter keeps its counters in a different layout from the memory limiter (buckets in a hash per
// counter with a summary beside them, read in full only when a bucket leaves the window, Lua doing the
// arithmetic); one gateway on either must make the same decisions. Random traffic (admissions on two keys, settles over or under the reservation, streams cut short,
// time moving 0-20 s at a time) is run on both, and every admission and every peek is compared.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import type { AdmitResult, LimitStatus, Limiter, LimitInspector } from '../../src/limits/limiter.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';
import { input, limitsDoc, T0, TestClock } from './limit-fixtures.js';

after(cleanupRedis);

const limits = limitsDoc({
  tiers: {
    free: {
      key: { requestsPerMinute: 6, outputTokensPerMinute: 400, concurrentRequests: 3, windows: [{ name: '5m', mode: 'anchored', duration: '5m', tokens: 900 }] },
      org: { inputTokensPerMinute: 300, windows: [{ name: '10m', duration: '10m', tokens: 1_500 }] },
    },
  },
});

const op = fc.oneof(
  fc.record({ kind: fc.constant('admit' as const), key: fc.constantFrom('key_1', 'key_2'), maxTokens: fc.integer({ min: 1, max: 150 }), input: fc.integer({ min: 0, max: 60 }) }),
  fc.record({ kind: fc.constant('settle' as const), pick: fc.nat(), out: fc.integer({ min: 0, max: 200 }), inp: fc.integer({ min: 0, max: 80 }), cut: fc.boolean() }),
  // Within a bucket, across a few, and to the edges of the windows (a bucket leaving the window is when the Redis
  // layout reads a counter in full).
  fc.record({ kind: fc.constant('wait' as const), ms: fc.oneof(fc.integer({ min: 0, max: 1_500 }), fc.integer({ min: 0, max: 20_000 }), fc.constantFrom(1_000, 59_000, 60_000, 61_000, 300_000)) }),
);

const view = (s: LimitStatus) => ({ counter: s.limit.counter, ok: s.ok, used: s.used, remaining: s.remaining, resetAt: s.resetAt, retryAt: s.retryAt });
const outcome = (r: AdmitResult) => (r.ok ? { ok: true, headers: r.ticket.headers } : { ok: false, code: r.error.code, headers: r.error.headers });

let run = 0;
test('[redis] one gateway on Redis decides as one on memory: same admissions, refusals, retry times and remaining quota', { skip: redisSkip, timeout: 120_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 50 }), async (ops) => {
      const clock = new TestClock();
      const mem = new MemoryLimiter({ limits: () => limits, now: clock.now, leaseMs: 3_600_000 });
      const red = await createRedisLimiter({ url: REDIS_URL!, limits: () => limits, now: clock.now, keyPrefix: `${runPrefix}agree${run++}:`, leaseMs: 3_600_000, renewEveryMs: 0, localFastPath: false });
      const open: Array<[AdmitResult, AdmitResult]> = [];
      try {
        for (const o of ops) {
          if (o.kind === 'wait') clock.advance(o.ms);
          else if (o.kind === 'admit') {
            const over = { keyId: o.key, maxTokens: o.maxTokens, inputTokensEstimate: o.input, now: clock.t };
            const a = await (mem as Limiter).admit(input(clock, over));
            const b = await (red as Limiter).admit(input(clock, over));
            assert.deepEqual(outcome(b), outcome(a), `admission at T0 + ${clock.t - T0} ms`);
            if (a.ok && b.ok) open.push([a, b]);
          } else if (open.length > 0) {
            const [[a, b]] = open.splice(o.pick % open.length, 1) as [[AdmitResult, AdmitResult]];
            const usage = o.cut ? undefined : { inputTokens: o.inp, outputTokens: o.out };
            if (a.ok) await a.ticket.settle(usage);
            if (b.ok) await b.ticket.settle(usage);
          }
          for (const keyId of ['key_1', 'key_2']) {
            const subject = { orgId: 'org_a', keyId, tier: 'free', now: clock.t };
            const pm = (await (mem as LimitInspector).peek(subject)).map(view);
            const pr = (await (red as LimitInspector).peek(subject)).map(view);
            assert.deepEqual(pr, pm, `peek ${keyId}`);
          }
        }
      } finally {
        await mem.close();
        await red.close();
      }
    }),
    { numRuns: 60 },
  );
});

test('[redis] two gateways whose clocks differ by 1.5 s share exact counters: each charge and refund lands in the bucket of the gateway that made it and leaves the window with it', { skip: redisSkip }, async () => {
  const early = new TestClock();
  const late = new TestClock();
  late.advance(1_500);
  const prefix = `${runPrefix}skew:`;
  const doc = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 100, outputTokensPerMinute: 10_000 } } } });
  const a = await createRedisLimiter({ url: REDIS_URL!, limits: () => doc, now: early.now, keyPrefix: prefix, localFastPath: false });
  const b = await createRedisLimiter({ url: REDIS_URL!, limits: () => doc, now: late.now, keyPrefix: prefix, localFastPath: false });
  try {
    // Each request and its tokens land in the 1 s bucket of the clock of the gateway that admitted it.
    const charges: Array<{ bucket: number; out: number }> = [];
    for (let i = 0; i < 12; i++) {
      const [l, clock] = i % 2 === 0 ? [b, late] : [a, early];
      const r = await l.admit(input(clock, { maxTokens: 50 }));
      assert.ok(r.ok);
      const out = i % 3 === 0 ? 20 : 90; // refunds and overruns, settled on the gateway's own clock
      await r.ticket.settle({ inputTokens: 1, outputTokens: out });
      charges.push({ bucket: Math.floor(clock.t / 1000), out });
      early.advance(400);
      late.advance(400);
    }
    // Read again as the oldest buckets leave the window one by one (each such read goes through every bucket).
    for (let k = 0; k < 8; k++) {
      for (const [l, clock] of [[a, early], [b, late]] as const) {
        const st = await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free', now: clock.t });
        const of = (unit: string) => st.find((s) => s.limit.metric.kind === 'rate' && s.limit.metric.unit === unit)?.used;
        const live = charges.filter((c) => c.bucket >= Math.floor(clock.t / 1000) - 60);
        assert.equal(of('requests'), live.length, `requests at +${k}`);
        assert.equal(of('output_tokens'), live.reduce((sum, c) => sum + c.out, 0), `output tokens at +${k}`);
      }
      const step = k === 0 ? 55_000 : 700;
      early.advance(step);
      late.advance(step);
    }
  } finally {
    await a.close();
    await b.close();
  }
});
