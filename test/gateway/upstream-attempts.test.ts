// The pool loop's one promise, checked over generated runs: no request is sent again once a byte of an answer
// reached the client, whatever the attempts report; and before that, retryable failures do move on to another
// member, each member at most once, within the retry budget. Plus the balancer's weights and passive health.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { UpstreamSchema, type UpstreamConfig } from '../../src/config/schema.js';
import { MoatError } from '../../src/errors/moat-error.js';
import { attemptAcrossPool, type AttemptResult } from '../../src/gateway/upstream-attempts.js';
import { createPoolBalancer, retryDelayMs } from '../../src/gateway/upstream-pool.js';

const member = (name: string, weight = 1): UpstreamConfig => UpstreamSchema.parse({ name, pool: 'p', api: 'openai', baseUrl: 'http://127.0.0.1:1', models: ['m'], weight });

/** What one attempt does: whether it writes to the client first, then how it ends. */
const step = fc.record({
  commits: fc.boolean(),
  end: fc.constantFrom<'ok' | 'retryable' | 'final-failure' | 'abandoned' | 'throws-upstream' | 'throws-other'>('ok', 'retryable', 'final-failure', 'abandoned', 'throws-upstream', 'throws-other'),
  counts: fc.boolean(),
});

test('property: no attempt starts after the client received a byte; retries stay within budget and members', async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.array(step, { minLength: 1, maxLength: 8 }), fc.array(fc.double({ min: 0, max: 0.999, noNaN: true }), { minLength: 1, maxLength: 16 }), async (size, retries, script, rolls) => {
      const pool = Array.from({ length: size }, (_, i) => member(`u${i}`, (i % 3) as number));
      let roll = 0;
      const random = () => rolls[roll++ % rolls.length] as number;
      let now = 0;
      const balancer = createPoolBalancer({ routing: { ejectAfterFailures: 2, ejectMs: 1000 }, now: () => now, random });
      let committed = false;
      const attempts: Array<{ u: UpstreamConfig; committedBefore: boolean }> = [];
      let threw = false;
      try {
        await attemptAcrossPool(pool, { balancer, retries, backoffMs: 10, random, sleep: async (ms) => void (now += ms), committed: () => committed }, async (u, last): Promise<AttemptResult> => {
          const s = script[attempts.length % script.length]!;
          attempts.push({ u, committedBefore: committed });
          if (s.commits) committed = true;
          switch (s.end) {
            case 'ok':
              return { outcome: 'ok' };
            case 'abandoned':
              return { outcome: 'abandoned' };
            case 'retryable':
              // A buggy attempt may even claim "retryable" after writing, or on the last try: the loop must hold the line.
              return { outcome: 'failed', retryable: true, counts: s.counts };
            case 'final-failure':
              return { outcome: 'failed', retryable: false, counts: s.counts };
            case 'throws-upstream':
              throw new MoatError(last ? 'upstream_connect_failed' : 'upstream_closed');
            case 'throws-other':
              throw new MoatError('org_revoked');
          }
        });
      } catch {
        threw = true;
      }
      // 1. Once the client has a byte, nothing more is sent.
      assert.ok(attempts.every((a) => !a.committedBefore), 'an attempt started after the client received a byte');
      // 2. Bounded: at most retries + 1 attempts, never more than the pool has members, each member once.
      assert.ok(attempts.length <= Math.min(retries + 1, size));
      assert.equal(new Set(attempts.map((a) => a.u)).size, attempts.length);
      // 3. Retries happen: the loop stops early only on an answer, a non-retryable end, a commit or a throw.
      const lastStep = script[(attempts.length - 1) % script.length]!;
      if (!threw && lastStep.end === 'retryable' && !lastStep.commits) assert.equal(attempts.length, Math.min(retries + 1, size), 'a retryable failure before any byte moved on while budget and members remained');
    }),
    { numRuns: 500 },
  );
});

test('balancer: weights share the traffic; weight 0 only when the others are out', () => {
  let i = 0;
  const rolls = Array.from({ length: 400 }, (_, k) => (k + 0.5) / 400);
  const b = createPoolBalancer({ routing: { ejectAfterFailures: 3, ejectMs: 1000 }, now: () => 0, random: () => rolls[i++ % rolls.length] as number });
  const a = member('a', 3);
  const c = member('c', 1);
  const z = member('z', 0);
  const counts = new Map<string, number>();
  for (let k = 0; k < 400; k++) {
    const u = b.pick([a, c, z], new Set())!;
    counts.set(u.name, (counts.get(u.name) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(counts), { a: 300, c: 100 });
  assert.equal(b.pick([a, c, z], new Set([a, c]))?.name, 'z');
});

test('balancer: ejected after consecutive failures (not 429s), probed back after ejectMs, re-ejected if the probe fails', () => {
  let now = 0;
  const changes: string[] = [];
  const b = createPoolBalancer({ routing: { ejectAfterFailures: 3, ejectMs: 1000 }, now: () => now, random: () => 0, onHealthChange: (u, h) => changes.push(`${u.name}:${h}`) });
  const a = member('a');
  const c = member('c');
  b.failed(a, false);
  b.failed(a, false);
  b.failed(a, false);
  assert.equal(b.health(a).ejectedUntil, 0, '429s are load, not ill health');
  b.failed(a, true);
  b.succeeded(a);
  b.failed(a, true);
  b.failed(a, true);
  assert.equal(b.health(a).ejectedUntil, 0, 'a success resets the count');
  b.failed(a, true);
  assert.equal(b.health(a).ejectedUntil, 1000);
  for (let k = 0; k < 20; k++) assert.equal(b.pick([a, c], new Set())?.name, 'c', 'ejected: out of rotation');
  now = 1001;
  assert.equal(b.pick([a, c], new Set())?.name, 'a', 'rest over: one probe');
  assert.equal(b.pick([a, c], new Set())?.name, 'c', 'one probe at a time');
  b.failed(a, true);
  assert.equal(b.health(a).ejectedUntil, 2001, 'failed probe: ejected again');
  now = 2002;
  assert.equal(b.pick([a, c], new Set())?.name, 'a');
  b.succeeded(a);
  assert.equal(b.health(a).ejectedUntil, 0);
  assert.deepEqual(changes, ['a:false', 'a:true']);
  // Every member out: the one back soonest is used rather than refusing.
  for (let k = 0; k < 3; k++) b.failed(c, true);
  now = 2003;
  for (let k = 0; k < 3; k++) b.failed(a, true);
  assert.equal(b.pick([a, c], new Set())?.name, 'c');
});

test('retry delay: full jitter under a doubling cap', () => {
  assert.equal(retryDelayMs(50, 1, () => 0.999), 49);
  assert.equal(retryDelayMs(50, 3, () => 0.5), 100);
  assert.equal(retryDelayMs(50, 2, () => 0), 0);
});
