// Labels a gateway took from `<prefix>:labels` and never acknowledged (it died while enforcing them) are taken
// over by another gateway once idle, instead of staying pending for ever and never being acted on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import type { LabelEvent } from '../../src/detection/detector.js';
import { ENFORCE_GROUP, streamKeys, type StreamEntries } from '../../src/detection/stream/redis-streams.js';
import { consumeLabels } from '../../src/server/streams-detection.js';
import { eventually } from './fault-gateway.js';
import { startRedisStandIn } from './redis-stand-in.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('labels left pending by a gateway that died are acted on by another', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const prefix = `moat-test-claim-${process.pid}-${Date.now()}`;
  const key = streamKeys(prefix).labels;
  const redis = new Redis(url!, { maxRetriesPerRequest: 2 });
  const reader = new Redis(url!, { maxRetriesPerRequest: 2 });
  const stop = new AbortController();
  let loop: Promise<void> | undefined;
  try {
    const label = (org: string) => JSON.stringify({ org, label: 'distillation' });
    await redis.xgroup('CREATE', key, ENFORCE_GROUP, '0', 'MKSTREAM');
    for (const org of ['org_a', 'org_b']) await redis.xadd(key, '*', 'org', org, 'label', 'distillation', 'e', label(org));
    // The gateway that dies: takes both, acknowledges neither.
    const taken = (await redis.xreadgroup('GROUP', ENFORCE_GROUP, 'gateway-dead', 'COUNT', 10, 'STREAMS', key, '>')) as Array<[string, StreamEntries]>;
    assert.equal(taken[0]![1].length, 2);
    await redis.xadd(key, '*', 'org', 'org_c', 'label', 'distillation', 'e', label('org_c'));

    const acted: string[] = [];
    const errors: unknown[] = [];
    loop = consumeLabels(reader, prefix, stop.signal, async (events: LabelEvent[]) => void acted.push(...events.map((e) => e.org)), (e) => errors.push(e), 300);
    await eventually(() => acted.length >= 3, 10_000, 'the taken labels to be acted on');
    assert.deepEqual([...acted].sort(), ['org_a', 'org_b', 'org_c']);
    await eventually(async () => ((await redis.xpending(key, ENFORCE_GROUP)) as [number])[0] === 0, 5_000, 'nothing left pending');
    assert.deepEqual(errors, []);
  } finally {
    stop.abort();
    reader.disconnect();
    await loop;
    await redis.del(key);
    await redis.quit();
  }
});

// Redis 6.0 and 6.2 quote the command with backticks, Redis 7 with single quotes.
for (const quoted of ['`XAUTOCLAIM`', "'XAUTOCLAIM'"])
test(`on a Redis without XAUTOCLAIM (before 6.2) labels are still read, and the missing command is reported once (${quoted})`, async () => {
  let claims = 0;
  let reads = 0;
  const redis = await startRedisStandIn((cmd) => {
    if (cmd === 'xautoclaim') {
      claims++;
      return `-ERR unknown command ${quoted}, with args beginning with: \r\n`;
    }
    if (cmd === 'xgroup') return '+OK\r\n';
    if (cmd === 'xreadgroup') {
      reads++;
      return '_\r\n';
    }
    return '+OK\r\n';
  });
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const stop = new AbortController();
  const errors: string[] = [];
  const loop = consumeLabels(client, 'moat:test:old-redis', stop.signal, async () => {}, (e) => errors.push(String(e)), 50);
  try {
    await eventually(() => reads >= 5, 5_000, 'labels read on');
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(claims, 1);
    assert.equal(errors.length, 1, errors.join('\n'));
    assert.match(errors[0]!, /Redis 6\.2/);
  } finally {
    stop.abort();
    client.disconnect();
    await loop;
    await redis.close();
  }
});
