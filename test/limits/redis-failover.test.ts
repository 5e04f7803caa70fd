// Redis unreachable: fail-open falls back to local limits, fail-closed refuses with 503; both report a metric
// and a log line, and recover when Redis returns. Redis "goes away" through a TCP proxy we control.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';

after(cleanupRedis);

class ToggleProxy {
  up = true;
  private readonly sockets = new Set<net.Socket>();
  private readonly server: net.Server;
  port = 0;
  constructor(private readonly target: URL) {
    this.server = net.createServer((client) => {
      if (!this.up) return client.destroy();
      const upstream = net.connect(Number(target.port || 6379), target.hostname);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
  }
  async listen() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }
  down() {
    this.up = false;
    for (const s of this.sockets) s.destroy();
  }
  async close() {
    this.down();
    await new Promise((r) => this.server.close(r));
  }
}

function capture() {
  const lines: Array<{ msg: string; level: number }> = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
  return { lines, logger };
}

async function until(cond: () => Promise<boolean>, ms = 8_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50)); // real wait for a real reconnect (not limit timing)
  }
  assert.fail('condition not reached');
}

const gauge = async (reg: Registry) => (await reg.getSingleMetric('moat_limits_backend_up')!.get()).values[0]?.value;

test('[redis] fail-open: Redis gone -> local limits, metric and one log line; Redis back -> shared limits again', { skip: redisSkip }, async () => {
  const proxy = new ToggleProxy(new URL(REDIS_URL!));
  await proxy.listen();
  const clock = new TestClock();
  const { lines, logger } = capture();
  const registry = new Registry();
  const l = await createRedisLimiter({
    url: `redis://127.0.0.1:${proxy.port}`,
    limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: 2 } } } }),
    now: clock.now,
    keyPrefix: `${runPrefix}fo:`,
    failMode: 'open',
    logger,
    registry,
    timeoutMs: 300,
  });
  try {
    assert.ok((await l.admit(input(clock))).ok);
    proxy.down();
    // Fallback counters start empty: 2 local admissions, then the local limit refuses.
    assert.ok((await l.admit(input(clock))).ok);
    assert.ok((await l.admit(input(clock))).ok);
    const r = await l.admit(input(clock));
    assert.ok(!r.ok && r.error.code === 'rate_limited');
    assert.equal(await gauge(registry), 0);
    const failures = (await registry.getSingleMetric('moat_limits_backend_failures_total')!.get()).values;
    assert.ok(failures.some((v) => v.labels.op === 'admit' && v.labels.fail_mode === 'open' && v.value >= 3));
    assert.equal(lines.filter((x) => /Redis unreachable, failing open/.test(x.msg)).length, 1);
    proxy.up = true;
    clock.advance(61_000);
    const before = l.roundTrips;
    await until(async () => (await l.admit(input(clock))).ok && (await gauge(registry)) === 1);
    assert.ok(l.roundTrips > before);
    assert.equal(lines.filter((x) => /reachable again/.test(x.msg)).length, 1);
    // Back on Redis: the shared counter (one admission at T0 + 61 s window) enforces again.
    await until(async () => !(await l.admit(input(clock))).ok);
  } finally {
    await l.close();
    await proxy.close();
  }
});

test('[redis] fail-closed: Redis unreachable at start -> 503 limits_unavailable; admits once Redis is reachable', { skip: redisSkip }, async () => {
  const proxy = new ToggleProxy(new URL(REDIS_URL!));
  await proxy.listen();
  proxy.down();
  const clock = new TestClock();
  const { lines, logger } = capture();
  const registry = new Registry();
  const l = await createRedisLimiter({
    url: `redis://127.0.0.1:${proxy.port}`,
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
    proxy.up = true;
    await until(async () => (await l.admit(input(clock))).ok);
    assert.equal(await gauge(registry), 1);
  } finally {
    await l.close();
    await proxy.close();
  }
});
