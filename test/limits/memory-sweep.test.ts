// Memory stays bounded when many keys come and go: counters whose windows have passed are dropped, while
// counters still holding usage (an anchored session, a live bucket, a held slot) keep enforcing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';

const KEYS = 3_000;

test('idle counters are swept once their windows pass; live anchored sessions survive and still enforce', async () => {
  const clock = new TestClock();
  const l = new MemoryLimiter({
    limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: 5, concurrentRequests: 2, windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 3 }] } } } }),
    now: clock.now,
  });
  const anchor = clock.t;
  for (let i = 0; i < KEYS; i++) {
    const r = l.admitNow(input(clock, { keyId: `key_${i}` }));
    assert.ok(r.ok);
    await r.ticket.settle({ inputTokens: 1, outputTokens: 1 });
  }
  // Per key: rpm and 5 h session (both in use, never swept yet) and a concurrency counter (empty after
  // settle, so the sweep may already have dropped it).
  assert.ok(l.counterCount >= KEYS * 2 && l.counterCount <= KEYS * 3, `counters ${l.counterCount}`);

  // One minute later only the 5 h sessions still hold usage. Traffic on one key (mostly refused by its own
  // rpm) drives the sweep.
  clock.advance(62_000);
  for (let i = 0; i < KEYS * 3; i++) l.admitNow(input(clock, { keyId: 'hot' }));
  assert.ok(l.counterCount <= KEYS + 3, `counters ${l.counterCount}`);
  assert.ok(l.counterCount >= KEYS, 'sessions still running were kept');

  // A swept key starts from empty rpm, but its 5 h session still counts the request made at T0.
  const peek = await l.peek({ orgId: 'org_a', keyId: 'key_7', tier: 'free' });
  const session = peek.find((s) => s.limit.metric.kind === 'window')!;
  assert.equal(session.used, 1);
  assert.equal(session.resetAt, anchor + 5 * 3_600_000);
  assert.ok(l.admitNow(input(clock, { keyId: 'key_7' })).ok);
  assert.ok(l.admitNow(input(clock, { keyId: 'key_7' })).ok);
  const r = l.admitNow(input(clock, { keyId: 'key_7' }));
  assert.ok(!r.ok && r.error.code === 'quota_exhausted', 'the session survived the sweep: 3 of 3 used');

  // After the sessions end, everything idle goes.
  clock.advance(5 * 3_600_000);
  for (let i = 0; i < KEYS * 3; i++) l.admitNow(input(clock, { keyId: 'hot' }));
  assert.ok(l.counterCount <= 3, `counters ${l.counterCount}`);
  await l.close();
});

test('a held concurrency slot is not swept: the request in flight still counts after its key went quiet', async () => {
  const clock = new TestClock();
  const l = new MemoryLimiter({ limits: () => limitsDoc({ tiers: { free: { key: { concurrentRequests: 1 } } } }), now: clock.now });
  const held = l.admitNow(input(clock, { keyId: 'slow' }));
  assert.ok(held.ok);
  clock.advance(120_000);
  for (let i = 0; i < 200; i++) {
    const r = l.admitNow(input(clock, { keyId: `k${i}` }));
    if (r.ok) await r.ticket.settle();
  }
  const again = l.admitNow(input(clock, { keyId: 'slow' }));
  assert.ok(!again.ok && again.error.code === 'concurrency_limited');
  await held.ticket.settle();
  assert.ok(l.admitNow(input(clock, { keyId: 'slow' })).ok);
  await l.close();
});
