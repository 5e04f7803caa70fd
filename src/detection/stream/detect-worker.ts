// `moat detect` worker: the live driver for several gateways. It owns some event partitions (consumer group
// per partition stream), reads every org line and every link record, and runs the same detector as replay.
//
// Restart safety: every `checkpointMs` (and on a clean stop) the worker writes its detector state — per-org
// windows, sketches and counters, linkage entries per org, value and cluster (only those changed since the last
// write), cluster labels — together with its stream positions (last judged event per owned partition, org and
// link stream offsets) in one MULTI (checkpoint-store.ts).
// On start it restores that state and rewinds its partitions' consumer group to the checkpointed event, so the
// events judged after the checkpoint are judged again on top of the state they were judged on the first time.
// Their link records are published again; every worker drops a link record whose source event is not newer
// than the last one it applied from that partition, so clusters never count a request twice. Labels attached
// after the checkpoint may be emitted twice (at least once); enforcement opens or updates one case per key.
//
// Bounded streams: after each checkpoint the worker trims what no reader needs any more (stream-trim.ts). A worker
// with no checkpoint of its own (a new worker index) therefore cannot rebuild linkage from the links stream: it
// starts from the linkage of the worker that read furthest, and reads on from that worker's position.
import type { Redis } from 'ioredis';
import type { TraceOrgLine, TraceRequestLine } from '../../events/trace-format.js';
import type { DetectionAssets } from '../assets.js';
import { createDetector, type Detector, type LabelEvent } from '../detector.js';
import type { LinkRecord } from '../linkage/link-record.js';
import { parseTraceLine } from '../trace-reader.js';
import { checkpointWrites, queueCheckpoint, readCheckpoint, readPeerLinkage } from './checkpoint-store.js';
import { GROUP, compareStreamIds, field, streamKeys, type StreamEntries } from './redis-streams.js';
import { trimStreams } from './stream-trim.js';

export interface DetectWorkerOptions {
  /** A connection for this worker alone (it issues blocking reads). */
  redis: Redis;
  prefix: string;
  partitions: number;
  owned: number[];
  /** Stable across restarts: the checkpoint is kept under this name. */
  consumer: string;
  assets: DetectionAssets;
  onLabel?: (e: LabelEvent) => void;
  batch?: number;
  blockMs?: number;
  /** Periodic checkpoints (ms); 0 = only when asked (checkpoint()) — no write on stop either. Default 5000. */
  checkpointMs?: number;
  /** Injected clock for the checkpoint period. */
  now?: () => number;
  /** A failed periodic checkpoint (the next one carries everything); the worker keeps going. */
  onCheckpointError?: (err: unknown) => void;
  /** Trim the streams after each checkpoint (default true); off, they grow with every request. */
  trim?: boolean;
  /** A failed trim (the next checkpoint's trim catches up); the worker keeps going. */
  onTrimError?: (err: unknown) => void;
}

export interface DetectWorker {
  detector: Detector;
  /** Whether this worker continued from a checkpoint. */
  restored: boolean;
  /** Without a checkpoint of its own: the worker whose linkage it started from, if any had checkpointed. */
  seededFrom: string | undefined;
  /** Started with neither, on a trimmed links stream: the oldest link record left (the linkage before it is lost). */
  linksTrimmedBefore: string | undefined;
  /**
   * linkPosition: id of the last link record read (caught up when it equals the stream's last id); trimmed: stream
   * entries this worker's trims removed.
   */
  stats(): { requests: number; links: number; duplicateLinks: number; orgs: number; checkpoints: number; linkPosition: string; trimmed: { events: number; links: number; labels: number } };
  /** Writes a checkpoint between two steps (now, when the worker is not running). */
  checkpoint(): Promise<void>;
  /** Runs until the signal aborts; then writes a final checkpoint unless checkpointMs is 0. */
  run(signal: AbortSignal): Promise<void>;
}

type XReadReply = Array<[key: string, entries: StreamEntries]> | null;

export async function createDetectWorker(o: DetectWorkerOptions): Promise<DetectWorker> {
  const k = streamKeys(o.prefix);
  const batch = o.batch ?? 500;
  const every = o.checkpointMs ?? 5000;
  const now = o.now ?? Date.now;
  const pendingLinks: Array<{ rec: LinkRecord; p: number; id: string }> = [];
  const labels: LabelEvent[] = [];
  let source: { p: number; id: string } = { p: -1, id: '0' };

  // Stream positions, all part of the checkpoint.
  let orgId = '0';
  let linkId = '0';
  /** Last judged event per owned partition. */
  const eventPos: Record<string, string> = {};
  /** Per partition, the newest source event whose link record was applied (dedupe after a restart). */
  const linkSources: Record<string, string> = {};

  const stored = await readCheckpoint(o.redis, o.prefix, o.consumer);
  const meta = stored?.meta;
  // Registered before anything is read: no trim goes past this position until this worker's first checkpoint,
  // so the links after the position a new worker starts from (its peer's, read next) are all still there.
  await o.redis.hset(k.linkReaders, o.consumer, meta?.positions.links ?? '0');
  const peer = stored ? undefined : await readPeerLinkage(o.redis, o.prefix, o.consumer);
  // Starting afresh with no peer to take linkage from, on a links stream already trimmed (a one-worker fleet that
  // lost its checkpoint, every checkpoint deleted after an upgrade): linkage is rebuilt from what is left.
  const linksTrimmedBefore = stored || peer ? undefined : await trimmedBefore(o.redis, k.links);
  const restore = stored?.restore ?? peer?.restore;
  const detector = createDetector({
    ...o.assets,
    shareLinks: (rec) => pendingLinks.push({ rec, ...source }),
    onLabel: (e) => {
      labels.push(e);
      o.onLabel?.(e);
    },
    ...(restore ? { restore } : {}),
  });
  if (meta) {
    orgId = meta.positions.orgs;
    linkId = meta.positions.links;
    Object.assign(linkSources, meta.positions.linkSources);
  } else if (peer) {
    // Its own store holds nothing yet: the first checkpoint must carry everything, not what changed since.
    detector.markAllDirty();
    linkId = peer.positions.links;
    await o.redis.hset(k.linkReaders, o.consumer, linkId);
    Object.assign(linkSources, peer.positions.linkSources);
  }
  for (const p of o.owned) {
    try {
      await o.redis.xgroup('CREATE', k.events(p), GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
    const pos = meta?.positions.events[String(p)];
    if (pos !== undefined) {
      // Judge again whatever was judged after the checkpoint (its effects on the state were lost).
      await o.redis.xgroup('SETID', k.events(p), GROUP, pos);
      eventPos[String(p)] = pos;
    }
  }

  let requests = 0;
  let links = 0;
  let duplicateLinks = 0;
  let orgCount = 0;
  let checkpoints = 0;
  let lastCheckpoint = now();
  const trimmed = { events: 0, links: 0, labels: 0 };

  async function writeCheckpoint(): Promise<void> {
    // Incremental on top of what is stored; the detector makes it full after a fresh start or a failed write.
    const ck = detector.checkpoint({ dirtyOnly: true });
    const events = { ...eventPos };
    const tx = o.redis.multi();
    queueCheckpoint(tx, checkpointWrites(o.prefix, o.consumer, ck, { at: now(), positions: { orgs: orgId, links: linkId, events, linkSources: { ...linkSources } } }));
    try {
      const res = await tx.exec();
      const err = res?.find(([e]) => e)?.[0];
      if (!res || err) throw err ?? new Error('checkpoint transaction aborted');
      checkpoints++;
      lastCheckpoint = now();
    } catch (e) {
      // What changed was consumed by this write: the next one must carry everything.
      detector.markAllDirty();
      throw e;
    }
    if (o.trim === false) return;
    try {
      const t = await trimStreams(o.redis, o.prefix, events);
      trimmed.events += t.events;
      trimmed.links += t.links;
      trimmed.labels += t.labels;
    } catch (e) {
      o.onTrimError?.(e);
    }
  }

  async function drainOrgs(): Promise<void> {
    for (;;) {
      const r = (await o.redis.xread('COUNT', 1000, 'STREAMS', k.orgs, orgId)) as XReadReply;
      const entries = r?.[0]?.[1] ?? [];
      for (const [id, f] of entries) {
        orgId = id;
        const item = parseTraceLine(field(f, 'l') ?? '', 0);
        if (item.ok === true && item.value.type === 'org') {
          detector.ingestOrg(item.value as TraceOrgLine);
          orgCount++;
        }
      }
      if (entries.length < 1000) return;
    }
  }

  async function drainLinks(): Promise<void> {
    for (;;) {
      const r = (await o.redis.xread('COUNT', 1000, 'STREAMS', k.links, linkId)) as XReadReply;
      const entries = r?.[0]?.[1] ?? [];
      for (const [id, f] of entries) {
        linkId = id;
        const p = field(f, 'p');
        const src = field(f, 'e');
        if (p !== undefined && src !== undefined) {
          const seen = linkSources[p];
          if (seen !== undefined && compareStreamIds(src, seen) <= 0) {
            duplicateLinks++;
            continue;
          }
          linkSources[p] = src;
        }
        try {
          detector.ingestLink(JSON.parse(field(f, 'r') ?? '') as LinkRecord);
          links++;
        } catch {
          // A corrupt link record only weakens linkage; it must not stop the worker.
        }
      }
      if (entries.length < 1000) return;
    }
  }

  // Events read but not judged yet. A batch is judged in timestamp order across the owned partitions (stream
  // ids do not order entries of different streams written in the same millisecond), and only up to the time
  // every partition has been read to, so requests are not judged out of order (the virtual clock would clamp
  // them and bend the timing features).
  type Held = { key: string; p: number; id: string; ts: number; line?: TraceRequestLine };
  let held: Held[] = [];
  /**
   * Per partition, the latest time read so far. An entry never sorts before an earlier entry of its partition, even
   * one read in an earlier batch: what is judged of a partition is then always a prefix of it, so the checkpointed
   * position has nothing held before it (a restart rewinds there, and the trim removes what lies before it).
   */
  const lastTs = new Map<number, number>();

  async function step(): Promise<void> {
    await drainOrgs();
    await drainLinks();
    const keys = o.owned.map((p) => k.events(p));
    const r = (await o.redis.xreadgroup('GROUP', GROUP, o.consumer, 'COUNT', batch, 'BLOCK', held.length ? 1 : o.blockMs ?? 50, 'STREAMS', ...keys, ...keys.map(() => '>'))) as XReadReply;
    if (!r && !held.length) {
      // Link records judge clusters (and org rules that read them): labels they brought are published now, not
      // whenever the next event happens to come.
      if (labels.length) await judge([]);
      return;
    }
    // Org lines written just before these requests must be known first.
    await drainOrgs();
    let readTo = Infinity; // a partition that returned a full batch may hold more, older than others' news
    for (const [key, entries] of r ?? []) {
      const p = Number(key.slice(key.lastIndexOf(':') + 1));
      let last = lastTs.get(p) ?? -Infinity;
      for (const [id, f] of entries) {
        const item = parseTraceLine(field(f, 'l') ?? '', 0);
        const line = item.ok === true && item.value.type === 'request' ? (item.value as TraceRequestLine) : undefined;
        const ts = line ? Date.parse(line.ts) : NaN;
        // Unreadable times keep their place right after the previous entry of their partition.
        last = Number.isNaN(ts) ? last : Math.max(last, ts);
        held.push({ key, p, id, ts: last, ...(line ? { line } : {}) });
      }
      lastTs.set(p, last);
      if (entries.length >= batch) readTo = Math.min(readTo, last);
    }
    held.sort((a, b) => a.ts - b.ts || a.p - b.p || compareStreamIds(a.id, b.id));
    const cut = held.findIndex((e) => e.ts > readTo);
    const ready = cut < 0 ? held : held.slice(0, cut);
    held = cut < 0 ? [] : held.slice(cut);
    await judge(ready);
  }

  /** Judges events (in the given order), then publishes their link records and labels and acknowledges them. */
  async function judge(ready: Held[]): Promise<void> {
    const acks: Array<[string, string]> = [];
    for (const { key, p, id, line } of ready) {
      if (line) {
        source = { p, id };
        detector.ingestRequest(line);
        requests++;
      }
      acks.push([key, id]);
    }
    // The checkpoint's position per partition: everything up to it has been judged (held entries come later).
    for (const e of ready) if (eventPos[String(e.p)] === undefined || compareStreamIds(e.id, eventPos[String(e.p)]!) > 0) eventPos[String(e.p)] = e.id;
    const pipe = o.redis.pipeline();
    for (const { rec, p, id } of pendingLinks.splice(0)) pipe.xadd(k.links, '*', 'r', JSON.stringify(rec), 'p', String(p), 'e', id);
    for (const l of labels.splice(0)) pipe.xadd(k.labels, '*', 'org', l.org, 'label', l.label, 'e', JSON.stringify(l));
    for (const [key, id] of acks) pipe.xack(key, GROUP, id);
    // A command Redis refuses inside the pipeline (a full Redis, a key of another type) would lose those link
    // records or labels and leave the events pending: the worker stops with the error instead, and restarted from
    // its checkpoint judges them again (at least once, as after any stop).
    const failed = (await pipe.exec())?.find(([err]) => err);
    if (failed) throw failed[0];
  }

  let running = false;
  const asked: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  return {
    detector,
    restored: !!meta,
    seededFrom: peer?.from,
    linksTrimmedBefore,
    stats: () => ({ requests, links, duplicateLinks, orgs: orgCount, checkpoints, linkPosition: linkId, trimmed: { ...trimmed } }),
    checkpoint() {
      if (!running) return writeCheckpoint();
      return new Promise<void>((resolve, reject) => asked.push({ resolve, reject }));
    },
    async run(signal) {
      running = true;
      try {
        while (!signal.aborted) {
          await step();
          const waiting = asked.splice(0);
          if (waiting.length || (every > 0 && now() - lastCheckpoint >= every)) {
            try {
              await writeCheckpoint();
              waiting.forEach((w) => w.resolve());
            } catch (e) {
              waiting.forEach((w) => w.reject(e));
              if (!waiting.length) o.onCheckpointError?.(e);
            }
          }
        }
        // Entries read but held back for ordering are judged now (nothing newer will come from this worker).
        await judge(held.splice(0));
        await drainLinks();
        // Labels the last link records brought: the checkpoint below records their rules as fired.
        if (labels.length) await judge([]);
        if (every > 0) await writeCheckpoint();
      } finally {
        running = false;
        for (const w of asked.splice(0)) w.reject(new Error('worker stopped'));
      }
    },
  };
}

/**
 * The oldest entry left in a stream from which entries were removed (more added than it holds), or undefined if
 * none were. Redis 7 reports both; earlier versions report neither, and the answer is undefined.
 */
async function trimmedBefore(redis: Redis, key: string): Promise<string | undefined> {
  let info: unknown[];
  try {
    info = (await redis.xinfo('STREAM', key)) as unknown[];
  } catch (e) {
    if (String((e as Error).message).includes('no such key')) return undefined;
    throw e;
  }
  const get = (name: string) => (info.indexOf(name) >= 0 ? info[info.indexOf(name) + 1] : undefined);
  const added = Number(get('entries-added'));
  const first = get('first-entry');
  if (!(added > Number(get('length')))) return undefined;
  return Array.isArray(first) && typeof first[0] === 'string' ? first[0] : 'the end';
}
