// Live detection: the gateway's bounded event queue feeds the same detector `moat replay` uses (local mode),
// or Redis Streams for `moat detect` workers (streams mode); either way label events become Detections for
// the enforcement service. Runs beside the hot path: the queue drops (and counts) what it cannot keep up with.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { MoatConfig } from '../config/schema.js';
import { loadDetectionAssets, type DetectionAssets } from '../detection/assets.js';
import { createDetector, type DetectionSnapshot, type Detector, type LabelEvent } from '../detection/detector.js';
import type { ExplainTimeline } from '../detection/explain.js';
import { orgToTraceLine } from '../events/org-trace-line.js';
import { field, publishTraceLine, streamKeys, type StreamEntries } from '../detection/stream/redis-streams.js';
import type { Detection } from '../enforcement/detection-input.js';
import type { CaseStore } from '../enforcement/case-store.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import { guardEvent, ignoreHealth, superviseLoop, type ConsumerHealth } from '../events/consumer-supervisor.js';
import { toTraceLine, type RequestEvent } from '../events/request-event.js';
import type { TraceOrgLine } from '../events/trace-format.js';
import type { Logger } from '../ops/logger.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { PolicyView } from '../view/policy-view.js';
import { DetectionTracker } from '../enforcement/detection-tracker.js';
import { DetectionWorker } from './detection-worker.js';
import { sweepEvidenceRetention } from '../enforcement/evidence-retention.js';

/** Consumer group of gateways on `<prefix>:labels`: each label is acted on by one gateway. */
export const ENFORCE_GROUP = 'moat-enforce';

export interface DetectionStats {
  /** Request events taken off the queue (judged locally or published). */
  events: number;
  /** Events the detection queue dropped because it was full. */
  dropped: number;
  labels: number;
  /** Detections handed to enforcement, and how many of those calls failed. */
  detections: number;
  failures: number;
  /** Times the detection worker thread died and was started again (its per-org state starts empty). */
  restarts: number;
}

export interface DetectionWiring {
  mode: 'local' | 'streams';
  /** The live detector (mode local with `detection.worker: false`; with the worker thread it lives there). */
  detector?: Detector;
  /** The live detector's state after every event taken so far (mode local); undefined in mode streams. */
  snapshot(): Promise<DetectionSnapshot | undefined>;
  /** Explains one org (mode local); undefined for an org not seen. Absent in mode streams. */
  explain?: (org: string) => Promise<ExplainTimeline | undefined>;
  tracker: DetectionTracker;
  stats(): DetectionStats;
  /** Resolves once the detection queue is empty and every detection so far has been handed to enforcement. */
  idle(): Promise<void>;
  /** Ends the loops; call after the event queue was closed (pending events are still judged). */
  stop(): Promise<void>;
  /** Drills and tests: ends the worker thread as a crash would (mode local with the worker); the next batch restarts it. */
  terminateWorker?(): Promise<void>;
}

export interface DetectionDeps {
  config: MoatConfig;
  view: PolicyView;
  queue: BoundedQueue<RequestEvent>;
  enforcement: { onDetection(d: Detection): Promise<unknown> };
  /** For the evidence-retention sweep. */
  cases?: CaseStore;
  logger: Logger;
  assets?: DetectionAssets;
  /** Called for every label (tests, metrics). */
  onLabel?: (e: LabelEvent) => void;
  /** Where skipped events and restarts are reported (metrics, rate-limited log). */
  health?: ConsumerHealth;
  /** Pause before restarting a dead worker thread or loop (default 1 s). */
  restartDelayMs?: number;
}

/** Largest batch sent to the worker, in the queue's estimated bytes: bounds the structured-clone copy in flight. */
const BATCH_BYTES = 8 * 1024 * 1024;

/** Org lines of the orgs whose facts changed since `last` (all of them on the first call). */
export function changedOrgLines(snap: PolicySnapshot, last: Map<string, string>): TraceOrgLine[] {
  const out: TraceOrgLine[] = [];
  for (const org of snap.orgs.values()) {
    const line = orgToTraceLine(org, snap.grantsByOrg.get(org.id) ?? [], snap.affiliationsByOrg.get(org.id) ?? []);
    const json = JSON.stringify(line);
    if (last.get(org.id) === json) continue;
    last.set(org.id, json);
    out.push(line);
  }
  return out;
}

function keyPrefixes(snap: PolicySnapshot): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of snap.keyByHash.values()) m.set(k.id, k.prefix);
  return m;
}

export async function wireDetection(deps: DetectionDeps): Promise<DetectionWiring> {
  const { config, view, queue, logger } = deps;
  const health = deps.health ?? ignoreHealth;
  const restartDelayMs = deps.restartDelayMs ?? 1_000;
  const cfg = config.detection;
  const tracker = new DetectionTracker();
  const stats = { events: 0, detections: 0, failures: 0, restarts: 0 };
  const orgJson = new Map<string, string>();
  let prefixes = keyPrefixes(view.current());
  const cleanups: Array<() => Promise<void> | void> = [];
  const onLabel = (e: LabelEvent) => {
    tracker.onLabel(e);
    deps.onLabel?.(e);
  };

  // Enforcement runs one detection at a time, in label order, off the hot path.
  let enforcing: Promise<void> = Promise.resolve();
  const enforce = (ds: Detection[]) => {
    for (const d of ds)
      enforcing = enforcing.then(async () => {
        stats.detections++;
        try {
          await deps.enforcement.onDetection(d);
        } catch (err) {
          stats.failures++;
          logger.error({ err, org: d.org }, 'enforcement of a detection failed');
        }
      });
    return enforcing;
  };

  let busy = false;
  let idleWaiters: Array<() => void> = [];
  const checkIdle = () => {
    if (busy || queue.size > 0 || (worker?.outstanding ?? 0) > 0) return;
    const ws = idleWaiters;
    idleWaiters = [];
    void enforcing.then(() => ws.forEach((w) => w()));
  };

  const mode = cfg.mode;
  let detector: Detector | undefined;
  let worker: DetectionWorker | undefined;
  let publish: ((lines: ReadonlyArray<TraceOrgLine | ReturnType<typeof toTraceLine>>) => Promise<void>) | undefined;
  let labelsLoop: Promise<void> | undefined;
  const abort = new AbortController();

  const startWorker = () => {
    const w = new DetectionWorker({
      evidenceSamples: cfg.evidenceSamples,
      diagnostics: logger.isLevelEnabled('debug'),
      onDiagnostic: (x) => logger.debug({ kind: x.kind, org: x.org }, `detection: ${x.message}`),
      onError: (err) => logger.error({ err }, 'detection worker thread crashed; it is restarted with the next events'),
    });
    worker = w;
    // A new thread knows no org yet: every org line goes again.
    orgJson.clear();
    w.ingestOrgs(changedOrgLines(view.current(), orgJson));
    return w;
  };
  if (mode === 'local' && cfg.worker && !deps.assets) {
    startWorker();
    cleanups.push(() => worker?.close());
  } else if (mode === 'local') {
    const d = createDetector({
      ...(deps.assets ?? loadDetectionAssets()),
      evidence: { samples: cfg.evidenceSamples, maxChars: 300 },
      onLabel,
      onDiagnostic: (x) => logger.debug({ kind: x.kind, org: x.org }, `detection: ${x.message}`),
    });
    detector = d;
    for (const l of changedOrgLines(view.current(), orgJson)) d.ingestOrg(l);
  } else {
    if (!config.redisUrl) throw new Error('detection.mode streams needs redisUrl');
    const pub = new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2 });
    const sub = new Redis(config.redisUrl, { lazyConnect: false });
    cleanups.push(() => void pub.disconnect(), () => void sub.disconnect());
    publish = async (lines) => {
      for (const l of lines) {
        try {
          await publishTraceLine(pub, cfg.streamPrefix, cfg.partitions, l);
        } catch (err) {
          health.eventFailed('streams_publisher', err);
        }
      }
    };
    await publish(changedOrgLines(view.current(), orgJson));
    labelsLoop = consumeLabels(sub, cfg.streamPrefix, abort.signal, (events) => {
      for (const e of events) onLabel(e);
      return enforce(tracker.drain());
    }, (err) => logger.warn({ err }, 'detection label stream read failed'));
  }

  const stopSwap = view.onSwap((snap) => {
    prefixes = keyPrefixes(snap);
    const lines = changedOrgLines(snap, orgJson);
    if (!lines.length) return;
    if (worker) worker.ingestOrgs(lines);
    else if (detector) for (const l of lines) detector.ingestOrg(l);
    else void publish?.(lines).catch((err) => logger.warn({ err }, 'publishing org lines failed'));
  });
  cleanups.push(stopSwap);

  // Worker thread: batches go out as they come; each batch's request metadata is noted and its labels handled
  // when the worker answers for it, i.e. in the same order and at the same point as the in-process loop below.
  // A dead thread is replaced before the next batch; a batch the structured clone refuses goes event by event.
  const workerLoop = async () => {
    let last: Promise<unknown> = Promise.resolve();
    const liveWorker = async (): Promise<DetectionWorker> => {
      const w = worker as DetectionWorker;
      if (!w.isDead) return w;
      await last;
      stats.restarts++;
      health.restarted('detection', new Error('the detection worker thread died'));
      await new Promise((r) => setTimeout(r, restartDelayMs));
      return startWorker();
    };
    for (;;) {
      await (await liveWorker()).slot();
      const batch = await queue.take(256, BATCH_BYTES);
      if (batch.length === 0) break;
      // The thread may have died while this loop waited for events.
      const w = await liveWorker();
      // Only the small metadata waits for the reply: holding the batch itself (request bodies, response text)
      // until the worker answers kept it alive across young-gen GCs on the main thread.
      const n = batch.length;
      // The org's latest request wins, as with one noteRequest per event.
      const latest = new Map<string, { keyId: string; model: string; endpoint: string }>();
      for (const e of batch) latest.set(e.orgId, { keyId: e.keyId, model: e.model, endpoint: e.endpoint });
      const done = sendToWorker(w, batch.map(toTraceLine));
      last = done.then(({ labels, error }) => {
        for (const [org, m] of latest) tracker.noteRequest(org, { keyPrefix: prefixes.get(m.keyId) ?? m.keyId, model: m.model, endpoint: m.endpoint });
        stats.events += n;
        if (error) health.eventFailed('detection', new Error(error));
        for (const l of labels) onLabel(l);
        if (tracker.hasPending) void enforce(tracker.drain());
        checkIdle();
      });
    }
    await last; // replies come in order: the last batch's answer means all were judged
  };

  /** One batch to the worker; if it cannot be copied as a whole, event by event, skipping those that cannot. */
  const sendToWorker = (w: DetectionWorker, lines: ReturnType<typeof toTraceLine>[]): Promise<{ labels: LabelEvent[]; error?: string }> => {
    try {
      return w.ingestRequests(lines);
    } catch {
      const parts: Array<Promise<{ labels: LabelEvent[]; error?: string }>> = [];
      for (const l of lines) {
        try {
          parts.push(w.ingestRequests([l]));
        } catch (err) {
          health.eventFailed('detection', err);
        }
      }
      return Promise.all(parts).then((rs) => {
        const error = rs.find((r) => r.error)?.error;
        return { labels: rs.flatMap((r) => r.labels), ...(error ? { error } : {}) };
      });
    }
  };

  const localLoop = async () => {
    for (;;) {
      const batch = await queue.take(256);
      if (batch.length === 0) break;
      busy = true;
      try {
        const lines = batch.map((e) => {
          tracker.noteRequest(e.orgId, { keyPrefix: prefixes.get(e.keyId) ?? e.keyId, model: e.model, endpoint: e.endpoint });
          return toTraceLine(e);
        });
        stats.events += batch.length;
        if (detector) {
          const d = detector;
          for (const l of lines) guardEvent(health, 'detection', () => d.ingestRequest(l));
          if (tracker.hasPending) void enforce(tracker.drain());
        } else await publish?.(lines);
      } finally {
        busy = false;
        checkIdle();
      }
    }
  };
  const loop = superviseLoop('detection', health, worker ? workerLoop : localLoop, { restartDelayMs });

  if (deps.cases) {
    // Hourly, the first a minute after start; shutdown waits for a sweep in flight (the store closes after).
    const cases = deps.cases;
    let sweeping: Promise<unknown> = Promise.resolve();
    const sweep = () => {
      sweeping = sweepEvidenceRetention(cases, Date.now(), cfg.evidenceRetentionDays).catch((err) => logger.warn({ err }, 'evidence retention sweep failed'));
    };
    const first = setTimeout(sweep, 60_000);
    const t = setInterval(sweep, 3_600_000);
    first.unref();
    t.unref();
    cleanups.push(async () => {
      clearTimeout(first);
      clearInterval(t);
      await sweeping;
    });
  }

  return {
    mode,
    ...(detector ? { detector } : {}),
    tracker,
    snapshot: async () => (worker ? worker.snapshot() : detector?.snapshot()),
    ...(mode === 'local' ? { explain: async (org: string) => (worker ? worker.explain(org) : detector?.explain(org)) } : {}),
    stats: () => ({ ...stats, dropped: queue.dropped, labels: tracker.labels }),
    idle: () =>
      new Promise<void>((r) => {
        idleWaiters.push(r);
        checkIdle();
      }),
    ...(worker ? { terminateWorker: async () => void (await worker?.close()) } : {}),
    async stop() {
      await loop;
      await enforcing;
      abort.abort();
      await labelsLoop;
      await enforcing;
      for (const c of cleanups.splice(0).reverse()) await c();
    },
  };
}

/** Streams mode: read `<prefix>:labels` through the gateways' consumer group, so each label is acted on once. */
async function consumeLabels(
  redis: Redis,
  prefix: string,
  signal: AbortSignal,
  handle: (events: LabelEvent[]) => Promise<void>,
  onError: (err: unknown) => void,
): Promise<void> {
  const key = streamKeys(prefix).labels;
  const consumer = `gateway-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await redis.xgroup('CREATE', key, ENFORCE_GROUP, '0', 'MKSTREAM');
  } catch (e) {
    if (!String((e as Error).message).includes('BUSYGROUP')) throw e;
  }
  while (!signal.aborted) {
    try {
      const r = (await redis.xreadgroup('GROUP', ENFORCE_GROUP, consumer, 'COUNT', 500, 'BLOCK', 100, 'STREAMS', key, '>')) as Array<[string, StreamEntries]> | null;
      const entries = r?.[0]?.[1] ?? [];
      if (!entries.length) continue;
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
    } catch (err) {
      if (signal.aborted) break;
      onError(err);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
