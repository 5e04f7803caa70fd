// Redis unreachable: fail-open falls back to local limits (starting from the shared usage last seen),
// fail-closed refuses with 503; both report a metric and a log line, and recover when Redis returns. Redis
// "goes away" through a TCP proxy we control.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';
import { FaultProxy } from '../faults/fault-proxy.js';
import { until } from '../support/until.js';

after(cleanupRedis);

function capture() {
  const lines: Array<{ msg: string; level: number }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

const gauge = async (reg: Registry) => (await reg.getSingleMetric('moat_limits_backend_up')!.get()).values[0]?.value;

test('[redis] fail-open: Redis gone -> local limits, metric and one log line; Redis back -> shared limits again', { skip: redisSkip }, async () => {
  const proxy = await FaultProxy.start(REDIS_URL!);
  const clock = new TestClock();
  const { lines, logger } = capture();
  const registry = new Registry();
  const l = await createRedisLimiter({
    url: proxy.via(REDIS_URL!),
    limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: 3 } } } }),
    now: clock.now,
    keyPrefix: `${runPrefix}fo:`,
    failMode: 'open',
    logger,
    registry,
    timeoutMs: 300,
  });
  try {
    assert.ok((await l.admit(input(clock))).ok);
    await proxy.refuse();
    // The fallback counter starts from the shared usage last seen (1 of 3): 2 local admissions, then it refuses.
    assert.ok((await l.admit(input(clock))).ok);
    assert.ok((await l.admit(input(clock))).ok);
    const r = await l.admit(input(clock));
    assert.ok(!r.ok && r.error.code === 'rate_limited');
    assert.equal(await gauge(registry), 0);
    const failures = (await registry.getSingleMetric('moat_limits_backend_failures_total')!.get()).values;
    // Each admission while down failed one Redis call: the admission itself, or the reconciliation tried first.
    const open = failures.filter((v) => v.labels.fail_mode === 'open' && (v.labels.op === 'admit' || v.labels.op === 'reconcile'));
    assert.ok(open.reduce((n, v) => n + v.value, 0) >= 3);
    assert.equal(lines.filter((x) => /Redis unreachable, failing open/.test(x.msg)).length, 1);
    await proxy.restore();
    clock.advance(61_000);
    const before = l.roundTrips;
    await until(async () => (await l.admit(input(clock))).ok && (await gauge(registry)) === 1, 'Redis back and the limiter on it', 8_000, 50);
    assert.ok(l.roundTrips > before);
    assert.equal(lines.filter((x) => /reachable again/.test(x.msg)).length, 1);
    // Back on Redis: the shared counter (one admission at T0 + 61 s window) enforces again.
    await until(async () => !(await l.admit(input(clock))).ok, 'the limit to bite', 8_000, 50);
  } finally {
    await l.close();
    await proxy.close();
  }
});

test('[redis] fail-closed: Redis unreachable at start -> 503 limits_unavailable; admits once Redis is reachable', { skip: redisSkip }, async () => {
  const proxy = await FaultProxy.start(REDIS_URL!);
  await proxy.refuse();
  const clock = new TestClock();
  const { lines, logger } = capture();
  const registry = new Registry();
  const l = await createRedisLimiter({
    url: proxy.via(REDIS_URL!),
    limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: 5 } } } }),
    now: clock.now,
    keyPrefix: `${runPrefix}fc:`,
    failMode: 'closed',
    logger,
    registry,
    timeoutMs: 300,
  });
  try {
    const r = await l.admit(input(clock));
    assert.ok(!r.ok);
    assert.equal(r.error.code, 'limits_unavailable');
    assert.equal(r.error.status, 503);
    assert.ok(lines.some((x) => /failing closed/.test(x.msg)));
    await proxy.restore();
    await until(async () => (await l.admit(input(clock))).ok, 'admission', 8_000, 50);
    assert.equal(await gauge(registry), 1);
  } finally {
    await l.close();
    await proxy.close();
  }
});
