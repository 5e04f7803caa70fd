// Concurrency leases that heal, and fail-open that keeps its bound, on real Redis behind a fault proxy.
// Time is the injected clock; the proxy makes Redis refuse connections (a blip) and come back.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createRedisLimiter, type RedisLimiter } from '../../src/limits/redis-limiter.js';
import type { LimitTicket } from '../../src/limits/limiter.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';
import { FaultProxy } from '../faults/fault-proxy.js';
import { eventually } from '../faults/fault-gateway.js';

after(cleanupRedis);

let n = 0;
async function limiter(clock: TestClock, url: string, doc: unknown, extra: { prefix?: string; leaseMs?: number } = {}): Promise<RedisLimiter> {
  return createRedisLimiter({
    url,
    limits: () => limitsDoc(doc),
    now: clock.now,
    keyPrefix: extra.prefix ?? `${runPrefix}lease${++n}:`,
    failMode: 'open',
    timeoutMs: 300,
    renewEveryMs: 0, // renewals are driven by the test
    ...(extra.leaseMs ? { leaseMs: extra.leaseMs } : {}),
  });
}

const CONCURRENCY_2 = { tiers: { free: { key: { concurrentRequests: 2 } } } };

async function admitted(l: RedisLimiter, clock: TestClock): Promise<LimitTicket> {
  const r = await l.admit(input(clock));
  if (!r.ok) assert.fail(`refused: ${r.error.code}`);
  return r.ticket;
}

async function refusedWith(l: RedisLimiter, clock: TestClock): Promise<string> {
  const r = await l.admit(input(clock));
  assert.ok(!r.ok, 'expected a refusal');
  return r.error.code;
}

test('[redis] requests that end during a Redis blip release their slots as soon as Redis is back (no wait for the lease)', { skip: redisSkip }, async () => {
  const proxy = await FaultProxy.start(REDIS_URL!);
  const clock = new TestClock();
  const l = await limiter(clock, proxy.via(REDIS_URL!), CONCURRENCY_2);
  try {
    const a = await admitted(l, clock);
    const b = await admitted(l, clock);
    assert.equal(await refusedWith(l, clock), 'concurrency_limited');
    await proxy.refuse();
    await a.settle({ inputTokens: 1, outputTokens: 1 });
    await b.settle({ inputTokens: 1, outputTokens: 1 });
    assert.equal(l.leaseState.owedReleases, 2);
    await proxy.restore();
    // The heartbeat sends the owed releases once the client has reconnected (a real wait for the reconnect).
    await eventually(async () => (await l.renewLeases(), l.leaseState.owedReleases === 0), 5_000, 'releases sent');
    // The clock has not moved: the slots came back because the releases were sent, not because leases expired.
    await admitted(l, clock);
    await admitted(l, clock);
    assert.equal(await refusedWith(l, clock), 'concurrency_limited');
  } finally {
    await l.close();
    await proxy.close();
  }
});

test('[redis] an admission whose reply is lost (Redis took the slot, the gateway never heard) frees that slot once Redis is back', { skip: redisSkip }, async () => {
  const proxy = await FaultProxy.start(REDIS_URL!);
  const clock = new TestClock();
  const doc = { tiers: { free: { key: { concurrentRequests: 1 } } } };
  const l = await limiter(clock, proxy.via(REDIS_URL!), doc);
  try {
    proxy.dropReplies();
    // The script runs in Redis and takes the only slot; its answer never arrives, so the request is admitted locally.
    const a = await admitted(l, clock);
    await a.settle({ inputTokens: 1, outputTokens: 1 });
    await proxy.restore();
    await eventually(async () => (await l.renewLeases(), l.leaseState.redisUp && l.leaseState.owedReleases === 0), 5_000, 'back on Redis');
    // The clock has not moved, so the lease has not expired: only a release of the unanswered admission frees the slot.
    const b = await admitted(l, clock);
    assert.equal(await refusedWith(l, clock), 'concurrency_limited');
    await b.settle({ inputTokens: 1, outputTokens: 1 });
  } finally {
    await l.close();
    await proxy.close();
  }
});

test('[redis] a running request keeps its slot past the lease while renewed; a crashed gateway frees its slots within the lease', { skip: redisSkip }, async () => {
  const clock = new TestClock();
  const prefix = `${runPrefix}crash${++n}:`;
  const doc = { tiers: { free: { key: { concurrentRequests: 1 } } } };
  const a = await limiter(clock, REDIS_URL!, doc, { prefix });
  const b = await limiter(clock, REDIS_URL!, doc, { prefix });
  try {
    await admitted(a, clock);
    clock.advance(10_000);
    await a.renewLeases();
    clock.advance(10_000); // 20 s after admission: past a 15 s lease, renewed at 10 s
    assert.equal(await refusedWith(b, clock), 'concurrency_limited', 'the running request still holds its slot');
    // Gateway a dies (kill -9): nothing renews or releases its lease any more.
    await a.close();
    clock.advance(15_001);
    await admitted(b, clock);
  } finally {
    await b.close();
  }
});

test('[redis] a running request whose lease expired during an outage is counted again when Redis returns', { skip: redisSkip }, async () => {
  const proxy = await FaultProxy.start(REDIS_URL!);
  const clock = new TestClock();
  const l = await limiter(clock, proxy.via(REDIS_URL!), CONCURRENCY_2, { leaseMs: 5_000 });
  try {
    const running = await admitted(l, clock);
    await proxy.refuse();
    clock.advance(6_000); // its lease ran out in Redis while the request kept running
    await l.renewLeases(); // fails: still down
    await proxy.restore();
    // Back: the first renewal that gets through re-adds the running request's lease.
    await eventually(async () => (await l.renewLeases(), l.leaseState.redisUp), 5_000, 'reconciled');
    await admitted(l, clock);
    assert.equal(await refusedWith(l, clock), 'concurrency_limited');
    await running.settle({ inputTokens: 1, outputTokens: 1 });
    await admitted(l, clock);
  } finally {
    await l.close();
    await proxy.close();
  }
});

test('[redis] fail-open admits at most N x L in a window through an outage and its recovery (N = 2 gateways)', { skip: redisSkip }, async () => {
  const L = 5;
  const doc = { tiers: { free: { key: { requestsPerMinute: L } } } };
  for (const scenario of ['shared usage before the outage', 'outage first, recovery in the same minute'] as const) {
    const proxy = await FaultProxy.start(REDIS_URL!);
    const clock = new TestClock();
    const prefix = `${runPrefix}bound${++n}:`;
    const a = await limiter(clock, proxy.via(REDIS_URL!), doc, { prefix });
    const b = await limiter(clock, proxy.via(REDIS_URL!), doc, { prefix });
    let total = 0;
    const drive = async (l: RedisLimiter, tries: number) => {
      for (let i = 0; i < tries; i++) {
        const r = await l.admit(input(clock));
        if (r.ok) {
          total++;
          await r.ticket.settle({ inputTokens: 1, outputTokens: 1 });
        }
        clock.advance(100);
      }
    };
    // Waits for the client's reconnect (a real network event) through the limiter's own heartbeat.
    const reconnected = (l: RedisLimiter) => eventually(async () => (await l.renewLeases(), l.leaseState.redisUp), 5_000, 'reconnected');
    try {
      // L - 1: the counter is not full yet, so nothing is refused locally before the outage.
      if (scenario === 'shared usage before the outage') await drive(a, L - 1);
      await proxy.refuse();
      await drive(a, L + 2);
      await drive(b, L + 2);
      await proxy.restore();
      await reconnected(a);
      await reconnected(b);
      await drive(a, L + 2);
      await drive(b, L + 2);
      assert.ok(total <= 2 * L, `${scenario}: ${total} admitted within one minute, bound N x L = ${2 * L}`);
      assert.ok(total >= L, `${scenario}: the limit itself still admits (${total})`);
    } finally {
      await a.close();
      await b.close();
      await proxy.close();
    }
  }
});
