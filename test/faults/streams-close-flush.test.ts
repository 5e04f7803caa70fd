// A gateway in `detection.mode: streams` that stops right after an org changed still publishes that org's line:
// closing lets the lines being published go out before the connection ends.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Redis } from 'ioredis';
import { streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { SinkContext } from '../../src/server/detection-sink.js';
import { streamsDetection } from '../../src/server/streams-detection.js';
import type { TraceOrgLine } from '../../src/events/trace-format.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('org lines published just before close reach the stream', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const prefix = `moat-test-close-flush-${process.pid}-${Date.now()}`;
  const failed: unknown[] = [];
  const ctx = {
    cfg: { streamPrefix: prefix, partitions: 2 },
    logger: pino({ level: 'silent' }),
    health: { eventFailed: (_: string, err: unknown) => failed.push(err) },
    allOrgLines: () => [],
    onLabel: () => {},
    enforcePending: async () => {},
  } as unknown as SinkContext;
  const redis = new Redis(url!);
  try {
    const sink = await streamsDetection(ctx, url);
    const lines: TraceOrgLine[] = Array.from({ length: 200 }, (_, i) => ({ type: 'org', id: `org_${i}`, name: `Org ${i}`, attributes: {}, grants: [], affiliates: [] }) as unknown as TraceOrgLine);
    sink.ingestOrgs(lines);
    await sink.close();
    assert.equal(await redis.xlen(streamKeys(prefix).orgs), 200);
    assert.deepEqual(failed, []);
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
});
