// A gateway publishes each batch of trace lines to Redis Streams in one pipeline: every line lands on its own
// stream in the order sent, and a line that cannot be serialised is reported alone while the rest still go.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { partitionOf, publishTraceLines, streamKeys, type StreamEntries } from '../../src/detection/stream/redis-streams.js';
import type { TraceLine } from '../../src/events/trace-format.js';

const url = process.env.MOAT_TEST_REDIS_URL;

const request = (i: number, org: string, extra: Record<string, unknown> = {}): TraceLine =>
  ({ type: 'request', id: `r${i}`, ts: '2026-08-01T10:00:00.000Z', org, key: 'k', client: { ip: '10.0.0.1' }, api: 'openai', endpoint: '/v1/chat/completions', body: { model: 'm', messages: [], ...extra }, response: { status: 200, usage: { input_tokens: 1, output_tokens: 1 }, text: '', latency_ms: 1 } }) as TraceLine;

test('a batch of lines goes to each org\'s partition and the org stream in order; an unserialisable line alone fails', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const redis = new Redis(url!, { maxRetriesPerRequest: 2 });
  const prefix = `moat-test-pub-${process.pid}-${Date.now()}`;
  const P = 4;
  try {
    const orgs = ['org_a', 'org_b', 'org_c'];
    const lines: TraceLine[] = [{ type: 'org', id: 'org_a', attributes: {} } as unknown as TraceLine];
    for (let i = 0; i < 30; i++) lines.push(request(i, orgs[i % 3]!, i === 7 ? { n: 1n } : {}));
    const errors = await publishTraceLines(redis, prefix, P, lines);
    assert.equal(errors.length, lines.length);
    assert.deepEqual(errors.flatMap((e, i) => (e ? [i] : [])), [8], 'only the BigInt line failed');
    const k = streamKeys(prefix);
    assert.equal(await redis.xlen(k.orgs), 1);
    for (const org of orgs) {
      const entries = (await redis.xrange(k.events(partitionOf(org, P)), '-', '+')) as StreamEntries;
      const ids = entries.map(([, f]) => JSON.parse(f[1]!) as { org: string; id: string }).filter((l) => l.org === org).map((l) => Number(l.id.slice(1)));
      const expected = Array.from({ length: 30 }, (_, i) => i).filter((i) => i % 3 === orgs.indexOf(org) && i !== 7);
      assert.deepEqual(ids, expected, `${org}'s lines in order`);
    }
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
});
