// Property tests: each window algorithm against a simple reference model over an exact list of timestamps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { emptySlidingWindow, slidingAdd, slidingAdjust, slidingCheck, type SlidingWindowState } from '../../src/limits/sliding-window.js';
import { anchoredAdd, anchoredCheck, emptyAnchoredWindow } from '../../src/limits/anchored-window.js';
import { acquireLease, concurrencyCheck, emptyConcurrency, releaseLease } from '../../src/limits/concurrency.js';

const W = 60_000;
const B = 1_000;
const P = { windowMs: W, bucketMs: B };

// Attempts: gaps between requests (0..20 s, so windows fill and drain) and costs.
const attempts = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 20_000 }), cost: fc.integer({ min: 0, max: 40 }) }), { maxLength: 150 });

test('sliding window never admits more than the limit in any exact window, and refuses only when the window plus one bucket is full', () => {
  fc.assert(
    fc.property(attempts, fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 10_000_000 }), (xs, limit, start) => {
      let state = emptySlidingWindow();
      let t = start;
      const admitted: Array<{ t: number; cost: number }> = [];
      for (const { gap, cost } of xs) {
        t += gap;
        const c = slidingCheck(state, P, t, limit, cost);
        const exactIn = (from: number) => admitted.filter((e) => e.t > from && e.t <= t).reduce((s, e) => s + e.cost, 0);
        if (c.ok) {
          state = slidingAdd(state, P, t, cost);
          admitted.push({ t, cost });
          // Safety: the exact window ending now holds at most `limit`.
          assert.ok(exactIn(t - W) <= limit, `over limit at ${t}`);
          assert.equal(c.remaining, limit - c.used - cost);
        } else {
          // Liveness: refused only if the last W + one bucket really is too full for this cost.
          assert.ok(exactIn(t - W - B - 1) + cost > limit, `refused without cause at ${t}`);
          // retryAt is exact: admitted then, refused a millisecond before.
          if (Number.isFinite(c.retryAt!)) {
            assert.ok(slidingCheck(state, P, c.retryAt!, limit, cost).ok);
            assert.ok(!slidingCheck(state, P, c.retryAt! - 1, limit, cost).ok);
          } else assert.ok(cost > limit);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('sliding window refunds only reduce usage and only in the bucket reserved', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 120_000 }), (reserved, actual, later) => {
      const t0 = 5_000_000;
      let s: SlidingWindowState = slidingAdd(emptySlidingWindow(), P, t0, reserved);
      s = slidingAdjust(s, P, t0 + later, Math.floor(t0 / B), actual - reserved);
      const usedNow = slidingCheck(s, P, t0 + later, 1e12, 0).used;
      // A bucket counts until one bucket after the window has passed over its end.
      if (t0 + later < (Math.floor(t0 / B) + W / B + 1) * B) {
        // Still in window: usage equals the real cost, wherever it was charged.
        assert.equal(usedNow, actual);
      } else {
        // Reservation expired: only extra usage (charged at settle time) still counts.
        assert.equal(usedNow, Math.max(0, actual - reserved));
      }
    }),
  );
});

test('anchored window matches a reference that replays sessions from the exact list of admitted requests', () => {
  const D = 5 * 3_600_000;
  const gaps = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_600_000 }), cost: fc.integer({ min: 0, max: 30 }) }), { maxLength: 120 });
  fc.assert(
    fc.property(gaps, fc.integer({ min: 1, max: 200 }), (xs, limit) => {
      let state = emptyAnchoredWindow();
      let t = 1_000_000;
      const admitted: Array<{ t: number; cost: number }> = [];
      const starts: number[] = [];
      for (const { gap, cost } of xs) {
        t += gap;
        // Reference: the session is the last start within D; a request after it starts a new one.
        const last = starts[starts.length - 1];
        const inSession = last !== undefined && t < last + D;
        const used = inSession ? admitted.filter((e) => e.t >= last).reduce((s, e) => s + e.cost, 0) : 0;
        const refOk = used + cost <= limit;
        const c = anchoredCheck(state, D, t, limit, cost);
        assert.equal(c.ok, refOk);
        assert.equal(c.used, used);
        if (refOk) {
          if (!inSession) starts.push(t);
          admitted.push({ t, cost });
          state = anchoredAdd(state, D, t, cost);
          assert.equal(c.resetAt, inSession ? last + D : t + D);
        } else {
          assert.equal(c.retryAt, cost > limit ? Infinity : last! + D);
        }
      }
    }),
    { numRuns: 300 },
  );
});

test('concurrency matches a reference set of open leases, including expiry of leases never released', () => {
  const ops = fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3_000 }), release: fc.boolean(), which: fc.nat() }), { maxLength: 200 });
  fc.assert(
    fc.property(ops, fc.integer({ min: 0, max: 8 }), (xs, limit) => {
      const lease = 10_000;
      let state = emptyConcurrency();
      const open = new Map<string, number>();
      let t = 0;
      let n = 0;
      for (const op of xs) {
        t += op.gap;
        for (const [id, exp] of open) if (exp <= t) open.delete(id);
        if (op.release && open.size > 0) {
          const id = [...open.keys()][op.which % open.size]!;
          open.delete(id);
          state = releaseLease(state, id);
          continue;
        }
        const c = concurrencyCheck(state, t, limit);
        assert.equal(c.used, open.size);
        assert.equal(c.ok, open.size + 1 <= limit);
        if (c.ok) {
          const id = `t${n++}`;
          state = acquireLease(state, t, id, lease);
          open.set(id, t + lease);
        }
      }
    }),
    { numRuns: 300 },
  );
});
