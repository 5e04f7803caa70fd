// Keeps the scale-out streams bounded. After each of its checkpoints a worker removes what no reader will read
// again:
//   events:<p>  its own partitions, up to its checkpointed position (a restarted worker rewinds to it, never before)
//   links       up to the oldest position in <prefix>:link-readers (every worker's last checkpoint, or the
//               position it started from until its first checkpoint)
//   labels      up to the gateways' group progress (its oldest unacknowledged label, else the last delivered)
//   orgs        never: a worker that starts afresh reads every org line
// Trimming is exact (XTRIM MINID id removes every entry below id, none at or above it): once per checkpoint, its
// cost is the entries removed, and what stays is exactly what a reader may still read.
import type { Redis } from 'ioredis';
import { compareStreamIds, ENFORCE_GROUP, streamKeys } from './redis-streams.js';

/** Entries removed per stream by one trim. */
export interface TrimResult {
  events: number;
  links: number;
  labels: number;
}

/** The oldest of some stream ids, or undefined for none. */
export function oldestStreamId(ids: readonly string[]): string | undefined {
  let min: string | undefined;
  for (const id of ids) if (min === undefined || compareStreamIds(id, min) < 0) min = id;
  return min;
}

/** Removes what every reader has passed. eventPositions: this worker's checkpointed position per owned partition. */
export async function trimStreams(redis: Redis, prefix: string, eventPositions: Readonly<Record<string, string>>): Promise<TrimResult> {
  const k = streamKeys(prefix);
  const linksTo = oldestStreamId(Object.values(await redis.hgetall(k.linkReaders)));
  const labelsTo = await enforcedUpTo(redis, k.labels);
  const pipe = redis.pipeline();
  const parts = Object.entries(eventPositions);
  for (const [p, id] of parts) pipe.xtrim(k.events(Number(p)), 'MINID', id);
  if (linksTo !== undefined) pipe.xtrim(k.links, 'MINID', linksTo);
  if (labelsTo !== undefined) pipe.xtrim(k.labels, 'MINID', labelsTo);
  const res = (await pipe.exec()) ?? [];
  const failed = res.find(([err]) => err);
  if (failed) throw failed[0];
  const n = (i: number) => Number(res[i]?.[1] ?? 0);
  let events = 0;
  for (let i = 0; i < parts.length; i++) events += n(i);
  return { events, links: linksTo !== undefined ? n(parts.length) : 0, labels: labelsTo !== undefined ? n(parts.length + (linksTo !== undefined ? 1 : 0)) : 0 };
}

/**
 * The id below which the gateways' group needs no label: its oldest pending entry, else its last delivered one.
 * Undefined when no gateway has made the group yet (the labels wait for one) or the stream does not exist.
 */
async function enforcedUpTo(redis: Redis, key: string): Promise<string | undefined> {
  let groups: unknown[][];
  try {
    groups = (await redis.xinfo('GROUPS', key)) as unknown[][];
  } catch (e) {
    if (String((e as Error).message).includes('no such key')) return undefined;
    throw e;
  }
  const info = groups.map(pairs).find((g) => g.name === ENFORCE_GROUP);
  if (!info || typeof info['last-delivered-id'] !== 'string') return undefined;
  const delivered = info['last-delivered-id'];
  if (Number(info.pending) === 0) return delivered;
  const [, oldestPending] = (await redis.xpending(key, ENFORCE_GROUP)) as [number, string | null, string | null, unknown];
  return oldestPending ? oldestStreamId([delivered, oldestPending]) : delivered;
}

function pairs(flat: unknown[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) o[String(flat[i])] = flat[i + 1];
  return o;
}
