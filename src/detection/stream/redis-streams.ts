// Scale-out transport (Redis Streams). Gateways append trace lines; `moat detect` workers consume them.
//   <prefix>:orgs          org lines, read in full by every worker
//   <prefix>:events:<p>    request lines of partition p = fnv1a(org) mod P; one consumer group, so each
//                          partition (and every org in it) is judged by one worker at a time, in order
//   <prefix>:links         every worker's link records, read in full by every worker in the same order, so
//                          all build the same clusters over every account
//   <prefix>:labels        labels as they are attached (for enforcement; at least once: a restarted worker may
//                          repeat labels it attached after its last checkpoint)
//   <prefix>:link-readers  hash worker -> the links position of its last checkpoint (where it would resume)
//   <prefix>:ckpt:<consumer>       a worker's detector-wide state and stream positions (JSON)
//   <prefix>:ckpt:<consumer>:orgs  hash org -> that org's latest checkpointed state (JSON)
//   <prefix>:ckpt:<consumer>:link-orgs, :link-values, :link-clusters
//                                  hashes of the worker's linkage entries by org, value and cluster root (JSON)
import type { Redis } from 'ioredis';
import type { TraceLine } from '../../events/trace-format.js';
import { fnv1a } from '../text/hash.js';

export const GROUP = 'moat-detect';
/** Consumer group of gateways on `<prefix>:labels`: each label is acted on by one gateway. */
export const ENFORCE_GROUP = 'moat-enforce';

export const streamKeys = (prefix: string) => ({
  orgs: `${prefix}:orgs`,
  links: `${prefix}:links`,
  labels: `${prefix}:labels`,
  linkReaders: `${prefix}:link-readers`,
  events: (p: number) => `${prefix}:events:${p}`,
  checkpoint: (consumer: string) => `${prefix}:ckpt:${consumer}`,
  checkpointOrgs: (consumer: string) => `${prefix}:ckpt:${consumer}:orgs`,
  checkpointLink: (consumer: string, part: 'orgs' | 'values' | 'clusters') => `${prefix}:ckpt:${consumer}:link-${part}`,
});

/** Orders two stream ids (`<ms>-<seq>`). */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  return am.length !== bm.length ? am.length - bm.length : am !== bm ? (am < bm ? -1 : 1) : Number(as) - Number(bs);
}

export function partitionOf(org: string, partitions: number): number {
  return fnv1a(org) % partitions;
}

/** The gateway side: append one trace line (e.g. toTraceLine(event)) to the right stream. */
export async function publishTraceLine(redis: Redis, prefix: string, partitions: number, line: TraceLine): Promise<void> {
  const [err] = await publishTraceLines(redis, prefix, partitions, [line]);
  if (err) throw err;
}

/**
 * Appends a batch of trace lines in one pipeline (one write and one read instead of a round trip per line; one
 * connection keeps their order). Resolves with each line's error, or null; rejects only if Redis cannot be reached.
 */
export async function publishTraceLines(redis: Redis, prefix: string, partitions: number, lines: readonly TraceLine[]): Promise<Array<Error | null>> {
  const k = streamKeys(prefix);
  const errors: Array<Error | null> = lines.map(() => null);
  const sent: number[] = [];
  const pipe = redis.pipeline();
  lines.forEach((line, i) => {
    let text: string;
    try {
      text = JSON.stringify(line);
    } catch (e) {
      errors[i] = e instanceof Error ? e : new Error(String(e));
      return;
    }
    pipe.xadd(line.type === 'org' ? k.orgs : k.events(partitionOf(line.org, partitions)), '*', 'l', text);
    sent.push(i);
  });
  if (sent.length === 0) return errors;
  const results = (await pipe.exec()) ?? [];
  sent.forEach((i, j) => {
    const err = results[j]?.[0];
    if (err) errors[i] = err;
  });
  return errors;
}

export type StreamEntries = Array<[id: string, fields: string[]]>;

export function field(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}
