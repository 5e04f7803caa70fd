// Enforcement throttles applied by the limiters, on both backends: every limit of a throttled org is
// multiplied by the factor until `until`, from the org's attributes (AdmitInput.orgAttributes) or from the
// limits document's `throttles` (filled from the view's orgs by limitsReader).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import type { Limiter, LimitInspector, LimitTicket } from '../../src/limits/limiter.js';
import type { LimitsConfig } from '../../src/limits/limits-schema.js';
import { describeLimits } from '../../src/limits/describe-limits.js';
import { withThrottle } from '../../src/enforcement/throttle-attributes.js';
import { input, limitsDoc, T0, TestClock } from '../limits/limit-fixtures.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from '../limits/redis-test-support.js';

after(cleanupRedis);

type Make = (limits: () => LimitsConfig, clock: TestClock) => Promise<Limiter & LimitInspector>;
let n = 0;
const backends: Array<[string, Make, string | false]> = [
  ['memory', async (limits, clock) => new MemoryLimiter({ limits, now: clock.now }), false],
  // Requests stay in flight across minutes of injected time with no heartbeat to renew them: a long lease.
  ['redis', async (limits, clock) => createRedisLimiter({ url: REDIS_URL!, limits, now: clock.now, keyPrefix: `${runPrefix}thr${n++}:`, leaseMs: 600_000 }), redisSkip],
];

const iso = (ms: number) => new Date(ms).toISOString();
/** Attributes as enforcement writes them (its own withThrottle), so the test exercises the real convention. */
const throttled = (factor: number, untilMs: number) => withThrottle({ country: 'US' }, { factor, until: iso(untilMs), caseId: 'case_1', clause: 'ToS §2.3' });

async function admitted(l: Limiter, inp: Parameters<Limiter['admit']>[0]): Promise<LimitTicket> {
  const r = await l.admit(inp);
  if (!r.ok) assert.fail(`expected admission, got ${r.error.code}: ${r.error.message}`);
  return r.ticket;
}
async function admitCount(l: Limiter, inp: () => Parameters<Limiter['admit']>[0], max: number): Promise<number> {
  let ok = 0;
  for (let i = 0; i < max; i++) if ((await l.admit(inp())).ok) ok++;
  return ok;
}

for (const [backend, make, skip] of backends) {
  const t = (name: string, fn: () => Promise<void>) => test(`[${backend}] ${name}`, { skip }, fn);

  t('a throttle in the org attributes multiplies every limit until it ends; other orgs keep theirs', async () => {
    const clock = new TestClock();
    const doc = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 10 }, org: { requestsPerMinute: 100 } } } });
    const l = await make(() => doc, clock);
    try {
      const attrs = throttled(0.5, T0 + 30 * 60_000);
      const first = await admitted(l, input(clock, {}, { orgAttributes: attrs }));
      assert.equal(first.headers['x-ratelimit-limit-requests'], '5', 'the caller sees the throttled limit');
      assert.equal(await admitCount(l, () => input(clock, {}, { orgAttributes: attrs }), 10), 4);
      const r = await l.admit(input(clock, {}, { orgAttributes: attrs }));
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.error.message, /requests_per_minute limit of 5 for key key_1/);
      // Another org of the same tier is not throttled.
      assert.equal(await admitCount(l, () => input(clock, { orgId: 'org_b', keyId: 'key_b' }), 12), 10);
      // After `until` (and the minute), the org is back to 10.
      clock.advance(31 * 60_000);
      assert.equal(await admitCount(l, () => input(clock, {}, { orgAttributes: attrs }), 12), 10);
    } finally {
      await l.close();
    }
  });

  t('usage so far counts against the throttled limit, and lifting the throttle admits again at once', async () => {
    const clock = new TestClock();
    const doc = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 10, windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 20 }] } } } });
    const l = await make(() => doc, clock);
    try {
      assert.equal(await admitCount(l, () => input(clock), 6), 6);
      const attrs = throttled(0.5, T0 + 3_600_000);
      const r = await l.admit(input(clock, {}, { orgAttributes: attrs }));
      assert.equal(r.ok, false, '6 used > 5 allowed under the throttle');
      // Refused twice (Redis: the second from the local fast path), then the throttle is lifted.
      assert.equal((await l.admit(input(clock, {}, { orgAttributes: attrs }))).ok, false);
      const lifted = withThrottle(attrs, null);
      assert.equal(await admitCount(l, () => input(clock, {}, { orgAttributes: lifted }), 4), 4);
      // The 5 h window was throttled too: 10 of 20 -> 10 allowed; 10 used.
      clock.advance(61_000);
      const w = await l.admit(input(clock, {}, { orgAttributes: attrs }));
      assert.equal(w.ok, false);
      if (!w.ok) {
        assert.equal(w.error.code, 'quota_exhausted');
        assert.equal(w.error.headers?.['moat-ratelimit-5h-requests-limit'], '10');
      }
    } finally {
      await l.close();
    }
  });

  t('concurrency and token limits are throttled; a limit of 1 stays 1', async () => {
    const clock = new TestClock();
    const doc = limitsDoc({ tiers: { free: { key: { concurrentRequests: 4, outputTokensPerMinute: 1000 }, org: { requestsPerMinute: 1 } } } });
    const l = await make(() => doc, clock);
    try {
      const attrs = throttled(0.5, T0 + 3_600_000);
      const a = await admitted(l, input(clock, { maxTokens: 300 }, { orgAttributes: attrs }));
      assert.equal(a.headers['x-ratelimit-limit-tokens'], '500');
      clock.advance(61_000); // org rpm 1 (throttled: still 1)
      const b = await admitted(l, input(clock, { maxTokens: 100 }, { orgAttributes: attrs }));
      clock.advance(61_000);
      const c = await l.admit(input(clock, { maxTokens: 100 }, { orgAttributes: attrs }));
      assert.equal(c.ok, false);
      if (!c.ok) assert.equal(c.error.code, 'concurrency_limited', '2 in flight of 4 × 0.5');
      await a.settle({ inputTokens: 10, outputTokens: 50 });
      await admitted(l, input(clock, { maxTokens: 100 }, { orgAttributes: attrs }));
      await b.settle({ inputTokens: 10, outputTokens: 50 });
    } finally {
      await l.close();
    }
  });

  t('a throttle in the limits document (`throttles.<org>`) applies without attributes; with both, the lower factor wins; peek shows it', async () => {
    const clock = new TestClock();
    const doc = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 20 } } }, throttles: { org_a: { factor: 0.25, until: iso(T0 + 3_600_000) } } });
    const l = await make(() => doc, clock);
    try {
      assert.equal(await admitCount(l, () => input(clock), 10), 5);
      const listing = describeLimits({ orgId: 'org_a', keyId: 'key_1', tier: 'free' }, await l.peek({ orgId: 'org_a', keyId: 'key_1', tier: 'free' }), clock.t);
      assert.deepEqual(
        listing.limits.filter((x) => x.metric === 'requests_per_minute').map((x) => [x.metric, x.limit, x.throttled_from, x.used, x.remaining]),
        [['requests_per_minute', 5, 20, 5, 0]],
      );
      clock.advance(61_000);
      // Attributes say 0.1 (limit 2), the document 0.25 (limit 5): 0.1 wins.
      assert.equal(await admitCount(l, () => input(clock, {}, { orgAttributes: throttled(0.1, T0 + 3_600_000) }), 10), 2);
      // Attributes say 0.5: the document's 0.25 still holds.
      clock.advance(61_000);
      assert.equal(await admitCount(l, () => input(clock, {}, { orgAttributes: throttled(0.5, T0 + 3_600_000) }), 10), 5);
      // The peek of an unthrottled org shows no throttled_from.
      const other = describeLimits({ orgId: 'org_b', keyId: 'key_b', tier: 'free' }, await l.peek({ orgId: 'org_b', keyId: 'key_b', tier: 'free' }), clock.t);
      const otherRpm = other.limits.find((x) => x.metric === 'requests_per_minute');
      assert.equal(otherRpm?.limit, 20);
      assert.equal(otherRpm?.throttled_from, undefined);
    } finally {
      await l.close();
    }
  });
}
