// `moat detect` worker: the live driver for several gateways. It owns some event partitions (consumer group
// per partition stream), reads every org line and every link record, and runs the same detector as replay.
// State is in memory: after a restart, unacknowledged events are re-delivered (pending entries) but windows
// start empty — a documented bounded loss (at most one window, 200 requests per org) until checkpoints exist.
import type { Redis } from 'ioredis';
import type { TraceOrgLine, TraceRequestLine } from '../../events/trace-format.js';
import type { DetectionAssets } from '../assets.js';
import { createDetector, type Detector, type LabelEvent } from '../detector.js';
import type { LinkRecord } from '../linkage.js';
import { parseTraceLine } from '../trace-reader.js';
import { GROUP, field, streamKeys, type StreamEntries } from './redis-streams.js';

export interface DetectWorkerOptions {
  /** A connection for this worker alone (it issues blocking reads). */
  redis: Redis;
  prefix: string;
  partitions: number;
  owned: number[];
  consumer: string;
  assets: DetectionAssets;
  onLabel?: (e: LabelEvent) => void;
  batch?: number;
  blockMs?: number;
}

export interface DetectWorker {
  detector: Detector;
  stats(): { requests: number; links: number; orgs: number };
  /** Runs until the signal aborts. */
  run(signal: AbortSignal): Promise<void>;
}

type XReadReply = Array<[key: string, entries: StreamEntries]> | null;

export async function createDetectWorker(o: DetectWorkerOptions): Promise<DetectWorker> {
  const k = streamKeys(o.prefix);
  const batch = o.batch ?? 500;
  const pendingLinks: LinkRecord[] = [];
  const labels: LabelEvent[] = [];
  const detector = createDetector({
    ...o.assets,
    shareLinks: (rec) => pendingLinks.push(rec),
    onLabel: (e) => {
      labels.push(e);
      o.onLabel?.(e);
    },
  });
  for (const p of o.owned) {
    try {
      await o.redis.xgroup('CREATE', k.events(p), GROUP, '0', 'MKSTREAM');
    } catch (e) {
      if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
    }
  }
  let orgId = '0';
  let linkId = '0';
  let requests = 0;
  let links = 0;
  let orgCount = 0;

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

  async function step(): Promise<void> {
    await drainOrgs();
    await drainLinks();
    const keys = o.owned.map((p) => k.events(p));
    const r = (await o.redis.xreadgroup('GROUP', GROUP, o.consumer, 'COUNT', batch, 'BLOCK', o.blockMs ?? 50, 'STREAMS', ...keys, ...keys.map(() => '>'))) as XReadReply;
    if (!r) return;
    // Org lines written just before these requests must be known first.
    await drainOrgs();
    const acks: Array<[string, string]> = [];
    for (const [key, entries] of r) {
      for (const [id, f] of entries) {
        const item = parseTraceLine(field(f, 'l') ?? '', 0);
        if (item.ok === true && item.value.type === 'request') {
          detector.ingestRequest(item.value as TraceRequestLine);
          requests++;
        }
        acks.push([key, id]);
      }
    }
    const pipe = o.redis.pipeline();
    for (const rec of pendingLinks.splice(0)) pipe.xadd(k.links, '*', 'r', JSON.stringify(rec));
    for (const l of labels.splice(0)) pipe.xadd(k.labels, '*', 'org', l.org, 'label', l.label, 'e', JSON.stringify(l));
    for (const [key, id] of acks) pipe.xack(key, GROUP, id);
    await pipe.exec();
  }

  return {
    detector,
    stats: () => ({ requests, links, orgs: orgCount }),
    async run(signal) {
      while (!signal.aborted) await step();
      await drainLinks();
    },
  };
}
