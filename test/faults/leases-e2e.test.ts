// The concurrency slot of a request is released on every exit path, through a real gateway on Redis limits:
// an upstream failure frees it, and a request that fails while Redis is away frees it as soon as Redis is back
// (not after a 10-minute lease). The gateway's clock stands still: nothing here waits for a lease to expire.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startLimitsGateway, type LimitsGateway } from '../limits-e2e/limits-gateway.js';
import { FaultProxy } from './fault-proxy.js';
import { ask, eventually, REDIS_URL } from './fault-gateway.js';

const skip = REDIS_URL ? false : 'MOAT_TEST_REDIS_URL not set';
const ORG = `lease_${randomBytes(4).toString('hex')}`;
let g: LimitsGateway;
let redis: FaultProxy;

before(async () => {
  if (skip) return;
  redis = await FaultProxy.start(REDIS_URL!);
  g = await startLimitsGateway({ redisUrl: redis.via(REDIS_URL!), 'limits.backend': 'redis', 'detection.enabled': false });
  await g.apply({ tiers: { free: {} }, orgs: { [ORG]: { key: { concurrentRequests: 1 } } } }, [ORG]);
});
after(async () => {
  await g?.close();
  await redis?.close();
});

const probe = () => ask(g.url, g.keyOf(ORG), { model: 'gpt-4o' });

test('[faults] an upstream failure releases the slot', { skip }, async () => {
  g.demo.setBehavior({ fault: 'garbage' });
  try {
    assert.equal((await probe()).code, 'upstream_bad_response');
  } finally {
    g.demo.setBehavior({ fault: 'none' });
  }
  await eventually(async () => (await probe()).status === 200, 3_000, 'the slot is free again');
});

test('[faults] a request that ends while Redis is refusing frees its slot once Redis is back', { skip }, async () => {
  g.demo.setBehavior({ delayMs: 1_500 });
  const running = probe();
  await new Promise((r) => setTimeout(r, 500)); // admitted through Redis, now waiting for the upstream
  await redis.refuse();
  assert.equal((await running).status, 200, 'the request itself completes');
  g.demo.setBehavior({ delayMs: 0 });
  await redis.restore();
  // Until the limiter has reconnected, requests are admitted locally (fail-open); wait until it uses Redis again.
  const backendUp = async () => /^moat_limits_backend_up 1$/m.test(await (await fetch(`${g.url}/metrics`)).text());
  await eventually(async () => (await probe(), await backendUp()), 10_000, 'the limiter back on Redis');
  // The release that failed during the outage went out with the first call that reached Redis: the slot is free.
  assert.equal((await probe()).status, 200);
  assert.equal((await probe()).status, 200);
});
