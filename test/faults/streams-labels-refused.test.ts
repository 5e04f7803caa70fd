// A gateway in `detection.mode: streams` whose Redis refuses the labels' consumer group (a wrong ACL, a Redis
// still loading) keeps retrying and reports it: the refusal used to reject a promise nobody awaited, which
// ends the process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { streamsDetection } from '../../src/server/streams-detection.js';
import type { SinkContext } from '../../src/server/detection-sink.js';
import { eventually, within } from './fault-gateway.js';
import { startRedisStandIn } from './redis-stand-in.js';

test('a refused labels group is retried and logged, not an unhandled rejection, and close still returns', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  let groupTries = 0;
  const redis = await startRedisStandIn((cmd) => {
    if (cmd === 'xgroup') groupTries++;
    return cmd === 'quit' ? '+OK\r\n' : `-NOPERM this user has no permissions to run the '${cmd}' command\r\n`;
  });
  const warnings: string[] = [];
  const logger = pino({ level: 'warn' }, { write: (line: string) => void warnings.push(line) });
  const ctx = { cfg: { streamPrefix: 'moat:test:refused', partitions: 2 }, logger, health: { eventFailed: () => {} }, allOrgLines: () => [], onLabel: () => {}, enforcePending: async () => {} } as unknown as SinkContext;
  try {
    const sink = await streamsDetection(ctx, redis.url);
    await eventually(() => groupTries >= 2, 5_000, 'the group is asked for again');
    assert.ok(warnings.some((w) => w.includes('NOPERM')), warnings.join('\n'));
    await within(sink.close(), 5_000, 'closing the sink');
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await redis.close();
  }
});
