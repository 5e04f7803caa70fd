import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UsageAggregator } from '../../src/metering/usage-aggregator.js';
import { MemoryUsageSink, type UsageRow, type UsageSink } from '../../src/metering/usage-sink.js';

const clockAt = (iso: string) => {
  const c = { t: Date.parse(iso), now: () => c.t };
  return c;
};
const rec = (over: Partial<{ orgId: string; keyId: string; model: string; inputTokens: number; outputTokens: number }> = {}) => ({
  orgId: 'o1', keyId: 'k1', model: 'm', inputTokens: 10, outputTokens: 5, ...over,
});

test('counts per (org, key, model, minute) of the injected clock', async () => {
  const clock = clockAt('2025-03-01T10:00:59.000Z');
  const sink = new MemoryUsageSink();
  const agg = new UsageAggregator(sink, clock);
  agg.record(rec());
  agg.record(rec());
  agg.record(rec({ model: 'other' }));
  agg.record(rec({ keyId: 'k2' }));
  clock.t += 1000; // next minute
  agg.record(rec({ inputTokens: 1, outputTokens: 2 }));
  await agg.flush();
  const byKey = (r: UsageRow) => `${r.keyId}/${r.model}/${r.minute}`;
  const rows = Object.fromEntries(sink.rows.map((r) => [byKey(r), [r.requests, r.inputTokens, r.outputTokens]]));
  assert.deepEqual(rows, {
    'k1/m/2025-03-01T10:00:00.000Z': [2, 20, 10],
    'k1/other/2025-03-01T10:00:00.000Z': [1, 10, 5],
    'k2/m/2025-03-01T10:00:00.000Z': [1, 10, 5],
    'k1/m/2025-03-01T10:01:00.000Z': [1, 1, 2],
  });
  assert.deepEqual(agg.pendingRows(), []);
  await agg.flush();
  assert.equal(sink.rows.length, 4, 'an empty flush writes nothing');
});

test('a failed write keeps the rows and merges them with new counts for the next flush', async () => {
  const clock = clockAt('2025-03-01T10:00:00.000Z');
  const written: UsageRow[][] = [];
  let fail = true;
  const errors: unknown[] = [];
  const sink: UsageSink = {
    async write(rows) {
      if (fail) throw new Error('db down');
      written.push(rows);
    },
  };
  const agg = new UsageAggregator(sink, clock, (e) => errors.push(e));
  agg.record(rec());
  await agg.flush();
  assert.equal(errors.length, 1);
  agg.record(rec());
  fail = false;
  await agg.flush();
  assert.equal(written.length, 1);
  assert.deepEqual(written[0]!.map((r) => [r.requests, r.inputTokens, r.outputTokens]), [[2, 20, 10]]);
});

test('concurrent flushes never write the same counts twice; stop() flushes the rest', async () => {
  const clock = clockAt('2025-03-01T10:00:00.000Z');
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const written: UsageRow[] = [];
  const sink: UsageSink = {
    async write(rows) {
      await gate;
      written.push(...rows);
    },
  };
  const agg = new UsageAggregator(sink, clock);
  agg.start(60_000);
  agg.record(rec());
  const f1 = agg.flush();
  agg.record(rec()); // arrives while the first write is in flight
  const f2 = agg.flush();
  release();
  await Promise.all([f1, f2]);
  agg.record(rec({ outputTokens: 7 }));
  await agg.stop();
  assert.equal(written.reduce((n, r) => n + r.requests, 0), 3);
  assert.equal(written.reduce((n, r) => n + r.outputTokens, 0), 17);
});

test('a row the store refuses while others go in is dropped and reported, not retried forever', async () => {
  const clock = clockAt('2025-03-01T10:00:00.000Z');
  const stored: UsageRow[] = [];
  // PostgreSQL refuses NUL in text: one such row must not hold back every later flush.
  const sink: UsageSink = {
    async write(rows) {
      if (rows.some((r) => r.model.includes('\u0000'))) throw new Error('invalid byte sequence for encoding "UTF8": 0x00');
      stored.push(...rows);
    },
  };
  const failed: string[] = [];
  const agg = new UsageAggregator(sink, clock, () => {}, { eventFailed: (c) => void failed.push(c), restarted: () => {} });
  agg.record(rec({ model: 'bad\u0000model' }));
  agg.record(rec());
  await agg.flush();
  assert.deepEqual(stored.map((r) => r.model), ['m']);
  assert.deepEqual(failed, ['metering']);
  assert.equal(agg.pendingRows().length, 0);
  agg.record(rec({ inputTokens: Number.NaN, outputTokens: -3 }));
  await agg.flush();
  assert.deepEqual(stored.map((r) => [r.inputTokens, r.outputTokens]), [[10, 5], [0, 0]]); // non-numbers count as 0
});

test('when every row fails the store is down: all rows are kept for the next flush', async () => {
  const clock = clockAt('2025-03-01T10:00:00.000Z');
  let down = true;
  const stored: UsageRow[] = [];
  const sink: UsageSink = {
    async write(rows) {
      if (down) throw new Error('connection refused');
      stored.push(...rows);
    },
  };
  const failed: string[] = [];
  const agg = new UsageAggregator(sink, clock, () => {}, { eventFailed: (c) => void failed.push(c), restarted: () => {} });
  agg.record(rec());
  agg.record(rec({ keyId: 'key_2' }));
  await agg.flush();
  assert.equal(agg.pendingRows().length, 2);
  down = false;
  await agg.flush();
  assert.equal(stored.length, 2);
  assert.deepEqual(failed, []);
});
