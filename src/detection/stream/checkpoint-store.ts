// A detect worker's checkpoint in Redis: one small JSON value (clock, counters, cluster labels, stream positions)
// plus hashes of per-org states and linkage entries. An incremental checkpoint sets the fields that changed and
// deletes the removed ones; a full one clears the hashes first. Every write goes into one MULTI, so a restart
// reads either the previous checkpoint or this one, never a mix.
import type { ChainableCommander, Redis } from 'ioredis';
import { READABLE_CHECKPOINT_VERSIONS, readableVersionsText } from '../checkpoint/migrate.js';
import { type DetectorCheckpoint, type DetectorGlobalState, type DetectorRestore } from '../detector.js';
import type { LinkerEntries } from '../linkage/linker.js';
import type { OrgState } from '../org-record.js';
import { compareStreamIds, streamKeys } from './redis-streams.js';

/** Version of the stored layout (1 kept linkage inside the JSON value; 2 keeps it in the link-* hashes). */
export const STORE_VERSION = 2;

export interface CheckpointPositions {
  orgs: string;
  links: string;
  events: Record<string, string>;
  linkSources: Record<string, string>;
}

export interface CheckpointMeta {
  version: typeof STORE_VERSION;
  at: number;
  global: DetectorGlobalState;
  positions: CheckpointPositions;
}

const LINK_PARTS = ['orgs', 'values', 'clusters'] as const;
/** Fields per HSET/HDEL command: a full checkpoint at 100,000 orgs is several hundred thousand fields. */
const CHUNK = 1000;

/**
 * The commands one checkpoint makes, in order: clear (full only), delete removed fields, set changed ones, meta, and
 * the worker's links position in the readers' hash (links are trimmed only below every reader's position).
 */
export interface CheckpointWrites {
  clear: string[];
  del: Array<[key: string, fields: string[]]>;
  set: Array<[key: string, fieldsAndValues: string[]]>;
  meta: [key: string, json: string];
  reader: [key: string, consumer: string, linksPosition: string];
}

export function checkpointWrites(prefix: string, consumer: string, ck: DetectorCheckpoint, meta: Omit<CheckpointMeta, 'version' | 'global'>): CheckpointWrites {
  const k = streamKeys(prefix);
  const w: CheckpointWrites = {
    clear: [],
    del: [],
    set: [],
    meta: [k.checkpoint(consumer), JSON.stringify({ version: STORE_VERSION, ...meta, global: ck.global } satisfies CheckpointMeta)],
    reader: [k.linkReaders, consumer, meta.positions.links],
  };
  if (ck.full) w.clear.push(k.checkpointOrgs(consumer), ...LINK_PARTS.map((p) => k.checkpointLink(consumer, p)));
  if (ck.orgs.length) w.set.push([k.checkpointOrgs(consumer), ck.orgs.flatMap((s) => [s.id, JSON.stringify(s)])]);
  for (const part of LINK_PARTS) {
    const entries: LinkerEntries[typeof part] = ck.linkage[part];
    const gone: string[] = [];
    const set: string[] = [];
    for (const [id, e] of entries) {
      if (e === null) gone.push(id);
      else set.push(id, JSON.stringify(e));
    }
    const key = k.checkpointLink(consumer, part);
    if (gone.length && !ck.full) w.del.push([key, gone]);
    if (set.length) w.set.push([key, set]);
  }
  return w;
}

/** Bytes sent for the values and field names (what Redis stores; protocol framing aside). */
export function checkpointBytes(w: CheckpointWrites): number {
  let n = Buffer.byteLength(w.meta[1]);
  for (const [, fields] of [...w.del, ...w.set]) for (const f of fields) n += Buffer.byteLength(f);
  return n;
}

export function queueCheckpoint(tx: ChainableCommander, w: CheckpointWrites): void {
  if (w.clear.length) tx.del(...w.clear);
  for (const [key, fields] of w.del) for (let i = 0; i < fields.length; i += CHUNK) tx.hdel(key, ...fields.slice(i, i + CHUNK));
  for (const [key, fv] of w.set) for (let i = 0; i < fv.length; i += 2 * CHUNK) tx.hset(key, ...fv.slice(i, i + 2 * CHUNK));
  tx.set(...w.meta);
  tx.hset(...w.reader);
}

/** The worker's stored checkpoint, or undefined when it has none; a layout this moat cannot read is refused (an earlier
 * detector version it can read is migrated when the detector restores it). */
export async function readCheckpoint(redis: Redis, prefix: string, consumer: string): Promise<{ meta: CheckpointMeta; restore: DetectorRestore } | undefined> {
  const k = streamKeys(prefix);
  const json = await redis.get(k.checkpoint(consumer));
  if (!json) return undefined;
  const meta = JSON.parse(json) as { version: number } & Omit<CheckpointMeta, 'version'>;
  if (!readable(meta))
    throw new Error(
      `checkpoint ${k.checkpoint(consumer)} has version ${meta.version} (detector ${String(meta.global.version)}); this moat reads version ${STORE_VERSION} ` +
        `(detector ${readableVersionsText()}). Delete ${k.checkpoint(consumer)} and ${k.checkpoint(consumer)}:* to start this worker afresh.`,
    );
  const [orgs, linkage] = await Promise.all([redis.hgetall(k.checkpointOrgs(consumer)), readLinkage(redis, prefix, consumer)]);
  return {
    meta,
    restore: { global: meta.global, orgs: Object.values(orgs).map((j) => JSON.parse(j) as OrgState), linkage },
  };
}

const readable = (meta: { version: number; global: { version: number } }): meta is CheckpointMeta =>
  meta.version === STORE_VERSION && READABLE_CHECKPOINT_VERSIONS.includes(meta.global.version);

async function readLinkage(redis: Redis, prefix: string, consumer: string): Promise<DetectorRestore['linkage']> {
  const k = streamKeys(prefix);
  return linkageOf(await Promise.all(LINK_PARTS.map((p) => redis.hgetall(k.checkpointLink(consumer, p)))));
}

/** Linkage entries from the link hashes, in LINK_PARTS order. */
function linkageOf(hashes: readonly unknown[]): DetectorRestore['linkage'] {
  const parse = <T>(h: unknown): Array<[string, T]> => Object.entries((h ?? {}) as Record<string, string>).map(([id, j]) => [id, JSON.parse(j) as T]);
  return { orgs: parse(hashes[0]), values: parse(hashes[1]), clusters: parse(hashes[2]) };
}

/**
 * Linkage to start a worker that has no checkpoint of its own: the readable checkpoint of another worker that read
 * the links stream furthest, with no orgs' windows (those are the other worker's). Every worker applies every link
 * record in one order, so this is the linkage the new worker would build from the whole stream, which trimming
 * has shortened. Undefined when no other worker has checkpointed.
 */
export async function readPeerLinkage(
  redis: Redis,
  prefix: string,
  consumer: string,
): Promise<{ from: string; restore: DetectorRestore; positions: Pick<CheckpointPositions, 'links' | 'linkSources'> } | undefined> {
  const k = streamKeys(prefix);
  const peers: Array<{ from: string; links: string }> = [];
  for (const peer of Object.keys(await redis.hgetall(k.linkReaders))) {
    if (peer === consumer) continue;
    const meta = parseMeta(await redis.get(k.checkpoint(peer)));
    if (meta) peers.push({ from: peer, links: meta.positions.links });
  }
  // The furthest first; the next one if a peer's checkpoint is gone by the time it is read.
  peers.sort((a, b) => compareStreamIds(b.links, a.links));
  for (const { from } of peers) {
    const got = await readPeer(redis, prefix, from);
    if (got) return got;
  }
  return undefined;
}

async function readPeer(redis: Redis, prefix: string, from: string): Promise<{ from: string; restore: DetectorRestore; positions: Pick<CheckpointPositions, 'links' | 'linkSources'> } | undefined> {
  const k = streamKeys(prefix);
  // The record and the link hashes in one transaction: the peer checkpoints every few seconds, and linkage newer
  // than the positions read with it would apply the link records between the two again.
  const tx = redis.multi().get(k.checkpoint(from));
  for (const part of LINK_PARTS) tx.hgetall(k.checkpointLink(from, part));
  const res = await tx.exec();
  const failed = res?.find(([err]) => err);
  if (!res || failed) throw failed?.[0] ?? new Error('reading a peer checkpoint: transaction aborted');
  const meta = parseMeta(res[0]![1] as string | null);
  if (!meta) return undefined;
  const g = meta.global;
  const zero = Object.fromEntries(Object.keys(g.diagnostics).map((d) => [d, 0])) as unknown as DetectorGlobalState['diagnostics'];
  return {
    from,
    // The clock and counters are the new worker's own (they follow its requests); cluster labels follow the links.
    restore: {
      global: { ...g, virtualNow: '-Infinity', requests: 0, diagnostics: zero },
      orgs: [],
      linkage: linkageOf(res.slice(1).map(([, h]) => h)),
    },
    positions: { links: meta.positions.links, linkSources: { ...meta.positions.linkSources } },
  };
}

/** A stored checkpoint record this moat reads, or undefined (none, or another layout or version). */
function parseMeta(json: string | null): CheckpointMeta | undefined {
  if (!json) return undefined;
  const meta = JSON.parse(json) as { version: number; global: { version: number } };
  return readable(meta) ? meta : undefined;
}
