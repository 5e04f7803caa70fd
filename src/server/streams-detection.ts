// Scale-out detection (`detection.mode: streams`): the gateway publishes org and request lines to Redis
// Streams for `moat detect` workers, and reads their labels back through the gateways' consumer group, so
// each label is acted on by one gateway (docs/architecture.md "How events flow in scale-out").
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { LabelEvent } from '../detection/detector.js';
import { closeRedis } from '../redis/close-redis.js';
import { ENFORCE_GROUP, field, publishTraceLines, streamKeys, type StreamEntries } from '../detection/stream/redis-streams.js';
import type { TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import { batchLoop, type DetectionSink, type SinkContext } from './detection-sink.js';

/** How long closing waits for lines still being published. */
const PUBLISH_DRAIN_MS = 2_000;

export async function streamsDetection(ctx: SinkContext, redisUrl: string | undefined): Promise<DetectionSink> {
  const { cfg, logger, health } = ctx;
  if (!redisUrl) throw new Error('detection.mode streams needs redisUrl');
  const pub = new Redis(redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
  const sub = new Redis(redisUrl, { lazyConnect: false });
  // Failures reach the publisher and the label loop through their commands; without a listener ioredis would
  // also print every reconnect attempt to stderr, past the logger.
  pub.on('error', () => {});
  sub.on('error', () => {});
  // Publishes not yet answered (org lines are sent without waiting): close waits for them, for a while.
  const inflight = new Set<Promise<void>>();
  // A batch goes as one pipeline: a round trip per line held the publisher to ~15-25k lines/s (BENCHMARKS.md).
  const publish = async (lines: ReadonlyArray<TraceOrgLine | TraceRequestLine>) => {
    if (lines.length === 0) return;
    const sent = publishTraceLines(pub, cfg.streamPrefix, cfg.partitions, lines).then(
      (errors) => {
        for (const err of errors) if (err) health.eventFailed('streams_publisher', err);
      },
      (err: unknown) => {
        for (let i = 0; i < lines.length; i++) health.eventFailed('streams_publisher', err);
      },
    );
    inflight.add(sent);
    try {
      await sent;
    } finally {
      inflight.delete(sent);
    }
  };
  await publish(ctx.allOrgLines());
  const abort = new AbortController();
  const labelsLoop = consumeLabels(
    sub,
    cfg.streamPrefix,
    abort.signal,
    async (events) => {
      for (const e of events) ctx.onLabel(e);
      // Acknowledged only once enforced, so a gateway that dies here leaves the labels to another.
      await ctx.enforcePending();
    },
    (err) => logger.warn({ err }, 'detection label stream read failed'),
  );
  return {
    ingestOrgs: (lines) => void publish(lines).catch((err) => logger.warn({ err }, 'publishing org lines failed')),
    ...batchLoop(ctx, publish),
    snapshot: async () => undefined,
    async close() {
      abort.abort();
      // Disconnecting first ends a read waiting for a Redis that is away (it would wait out its retries).
      sub.disconnect();
      await labelsLoop;
      // Lines still being published (an org changed just before the stop; a connection still being made) go out
      // first, unless Redis does not answer within PUBLISH_DRAIN_MS.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...inflight]), new Promise((r) => (timer = setTimeout(r, PUBLISH_DRAIN_MS)))]);
      clearTimeout(timer);
      await closeRedis(pub);
    },
  };
}

/** How long a label may stay taken and unacknowledged before another gateway takes it over (its gateway died). */
export const LABEL_CLAIM_IDLE_MS = 30_000;

/**
 * Reads `<prefix>:labels` through the gateways' consumer group, so each label is acted on once; a label another
 * gateway took and did not acknowledge within claimIdleMs (it died while enforcing) is taken over and acted on.
 */
export async function consumeLabels(
  redis: Redis,
  prefix: string,
  signal: AbortSignal,
  handle: (events: LabelEvent[]) => Promise<void>,
  onError: (err: unknown) => void,
  claimIdleMs = LABEL_CLAIM_IDLE_MS,
): Promise<void> {
  const key = streamKeys(prefix).labels;
  const consumer = `gateway-${process.pid}-${randomBytes(4).toString('hex')}`;
  const act = async (entries: StreamEntries) => {
    if (!entries.length) return;
    const events: LabelEvent[] = [];
    for (const [, f] of entries) {
      try {
        events.push(JSON.parse(field(f, 'e') ?? '') as LabelEvent);
      } catch {
        // A corrupt label entry is skipped; the worker still holds the label in its own state.
      }
    }
    await handle(events);
    await redis.xack(key, ENFORCE_GROUP, ...entries.map(([id]) => id));
  };
  // The group is made inside the loop, so a Redis that is away or refuses at start is retried like any read
  // (outside it, the failure rejected a promise nobody awaited until close, which ended the gateway), and a
  // group lost with a Redis restarted without persistence is made again.
  let grouped = false;
  let claimedAt = 0;
  // Redis before 6.2 has no XAUTOCLAIM: said once, and labels are read as before.
  let claiming = true;
  while (!signal.aborted) {
    try {
      if (!grouped) {
        await redis.xgroup('CREATE', key, ENFORCE_GROUP, '0', 'MKSTREAM').catch((e: unknown) => {
          // Redis reports an existing group only by this message prefix.
          if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
        });
        grouped = true;
      }
      if (claiming && Date.now() - claimedAt >= Math.min(claimIdleMs, 5_000)) {
        claimedAt = Date.now();
        // Pending labels of a gateway that died are acknowledged by nobody else: take them over.
        for (let cursor = '0-0'; ; ) {
          const [next, entries] = (await redis.xautoclaim(key, ENFORCE_GROUP, consumer, claimIdleMs, cursor, 'COUNT', 100)) as [string, StreamEntries, string[]?];
          await act(entries.filter((e): e is [string, string[]] => Array.isArray(e?.[1])));
          if (next === '0-0' || signal.aborted) break;
          cursor = next;
        }
      }
      const r = (await redis.xreadgroup('GROUP', ENFORCE_GROUP, consumer, 'COUNT', 500, 'BLOCK', 100, 'STREAMS', key, '>')) as Array<[string, StreamEntries]> | null;
      await act(r?.[0]?.[1] ?? []);
    } catch (err) {
      if (signal.aborted) break;
      if (String((err as Error)?.message).includes('NOGROUP')) grouped = false;
      if (/unknown command .?xautoclaim/i.test(String((err as Error)?.message))) {
        claiming = false;
        onError(new Error(`this Redis has no XAUTOCLAIM (Redis 6.2 or later): labels a stopped gateway took are not taken over (${String((err as Error).message)})`));
        continue;
      }
      onError(err);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
