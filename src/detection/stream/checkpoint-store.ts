// A detect worker's checkpoint in Redis: one small JSON value (clock, counters, cluster labels, stream positions)
// plus hashes of per-org states and linkage entries. An incremental checkpoint sets the fields that changed and
// deletes the removed ones; a full one clears the hashes first. Every write goes into one MULTI, so a restart
// reads either the previous checkpoint or this one, never a mix.
import type { ChainableCommander, Redis } from 'ioredis';
import { READABLE_CHECKPOINT_VERSIONS, readableVersionsText } from '../checkpoint/migrate.js';
import { type DetectorCheckpoint, type DetectorGlobalState, type DetectorRestore } from '../detector.js';
import type { LinkerEntries } from '../linkage/linker.js';
import type { OrgState } from '../org-record.js';
import { streamKeys } from './redis-streams.js';

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

/** The commands one checkpoint makes, in order: clear (full only), delete removed fields, set changed ones, meta. */
export interface CheckpointWrites {
  clear: string[];
  del: Array<[key: string, fields: string[]]>;
  set: Array<[key: string, fieldsAndValues: string[]]>;
  meta: [key: string, json: string];
}

export function checkpointWrites(prefix: string, consumer: string, ck: DetectorCheckpoint, meta: Omit<CheckpointMeta, 'version' | 'global'>): CheckpointWrites {
  const k = streamKeys(prefix);
  const w: CheckpointWrites = { clear: [], del: [], set: [], meta: [k.checkpoint(consumer), JSON.stringify({ version: STORE_VERSION, ...meta, global: ck.global } satisfies CheckpointMeta)] };
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
}

/** The worker's stored checkpoint, or undefined when it has none; a layout this moat cannot read is refused (an earlier
 * detector version it can read is migrated when the detector restores it). */
export async function readCheckpoint(redis: Redis, prefix: string, consumer: string): Promise<{ meta: CheckpointMeta; restore: DetectorRestore } | undefined> {
  const k = streamKeys(prefix);
  const json = await redis.get(k.checkpoint(consumer));
  if (!json) return undefined;
  const meta = JSON.parse(json) as { version: number } & Omit<CheckpointMeta, 'version'>;
  if (meta.version !== STORE_VERSION || !READABLE_CHECKPOINT_VERSIONS.includes(meta.global.version))
    throw new Error(
      `checkpoint ${k.checkpoint(consumer)} has version ${meta.version} (detector ${String(meta.global.version)}); this moat reads version ${STORE_VERSION} ` +
        `(detector ${readableVersionsText()}). Delete ${k.checkpoint(consumer)} and ${k.checkpoint(consumer)}:* to start this worker afresh.`,
    );
  const [orgs, ...link] = await Promise.all([redis.hgetall(k.checkpointOrgs(consumer)), ...LINK_PARTS.map((p) => redis.hgetall(k.checkpointLink(consumer, p)))]);
  const parse = <T>(h: Record<string, string> | undefined): Array<[string, T]> => Object.entries(h ?? {}).map(([id, j]) => [id, JSON.parse(j) as T]);
  return {
    meta: meta as CheckpointMeta,
    restore: {
      global: meta.global,
      orgs: Object.values(orgs).map((j) => JSON.parse(j) as OrgState),
      linkage: { orgs: parse(link[0]), values: parse(link[1]), clusters: parse(link[2]) },
    },
  };
}
