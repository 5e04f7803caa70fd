// A detect worker whose write of link records, labels and acknowledgements Redis refuses in part stops with the
// error (to be restarted from its checkpoint) instead of going on: the refused records and labels were lost, and
// the events it could not acknowledge stayed pending for ever.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetectWorker } from '../../src/detection/stream/detect-worker.js';
import { publishTraceLine, streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { fixtureLines } from './helpers.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('a worker stops when Redis refuses part of its write', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set', timeout: 60_000 }, async () => {
  const prefix = `moat-test-refused-${process.pid}-${Date.now()}`;
  const k = streamKeys(prefix);
  const gw = new Redis(url!, { maxRetriesPerRequest: 2 });
  const wr = new Redis(url!, { maxRetriesPerRequest: 2 });
  const stop = new AbortController();
  try {
    // The labels stream's key holds a string: every XADD of a label is refused (WRONGTYPE), the rest succeeds.
    await gw.set(k.labels, 'not a stream');
    const lines = fixtureLines('safety-sweep.jsonl');
    for (const o of lines.filter((l) => l.type === 'org')) await publishTraceLine(gw, prefix, 2, o);
    for (const r of lines.filter((l): l is TraceRequestLine => l.type === 'request')) await publishTraceLine(gw, prefix, 2, r);
    const w = await createDetectWorker({ redis: wr, prefix, partitions: 2, owned: [0, 1], consumer: 'w', assets: loadDetectionAssets(), checkpointMs: 0 });
    const run = w.run(stop.signal);
    const outcome = await Promise.race([run.then(() => 'finished', (e: unknown) => e), new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
    assert.match(String(outcome), /WRONGTYPE/);
  } finally {
    stop.abort();
    const keys = await gw.keys(`${prefix}*`);
    if (keys.length) await gw.del(...keys);
    gw.disconnect();
    wr.disconnect();
  }
});
