// Live detection: the gateway's bounded event queue feeds the detector `moat replay` uses, in a worker thread
// (worker-thread-detection.ts) or in-process (in-process-detection.ts), or Redis Streams for `moat detect`
// workers (streams-detection.ts); either way label events become Detections for the enforcement service.
// Runs beside the hot path: the queue drops (and counts) what it cannot keep up with.
import type { MoatConfig } from '../config/schema.js';
import type { DetectionAssets } from '../detection/assets.js';
import type { DetectionSnapshot, Detector, LabelEvent } from '../detection/detector.js';
import type { ExplainTimeline } from '../detection/explain.js';
import type { CaseStore } from '../enforcement/case-store.js';
import type { Detection } from '../enforcement/detection-input.js';
import type { OperationsMetrics } from '../ops/metrics.js';
import { DetectionTracker } from '../enforcement/detection-tracker.js';
import { scheduleEvidenceRetention } from '../enforcement/evidence-retention.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import { ignoreHealth, superviseLoop, type ConsumerHealth } from '../events/consumer-supervisor.js';
import { orgToTraceLine } from '../events/org-trace-line.js';
import { toDetectionLine, type RequestEvent } from '../events/request-event.js';
import type { TraceOrgLine } from '../events/trace-format.js';
import { systemClock, type Clock } from '../ops/clock.js';
import type { Logger } from '../ops/logger.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { PolicyView } from '../view/policy-view.js';
import type { DetectionSink, SinkContext } from './detection-sink.js';
import { inProcessDetection } from './in-process-detection.js';
import { streamsDetection } from './streams-detection.js';
import { workerThreadDetection } from './worker-thread-detection.js';

export interface DetectionStats {
  /** Request events taken off the queue (judged locally or published). */
  events: number;
  /** Batches those events were taken in (events per batch: how well they coalesce, see detection.batchIntervalMs). */
  batches: number;
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
  /** Time of the evidence-retention sweep (default: the system clock). */
  clock?: Clock;
  logger: Logger;
  assets?: DetectionAssets;
  /** Called for every label (tests, metrics). */
  onLabel?: (e: LabelEvent) => void;
  /** Where skipped events and restarts are reported (metrics, rate-limited log). */
  health?: ConsumerHealth;
  /** Pause before restarting a dead worker thread or loop (default 1 s). */
  restartDelayMs?: number;
  /** Labels by label and rule, counted for /metrics. */
  metrics?: Pick<OperationsMetrics, 'detectionLabels'>;
}

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
  const cfg = config.detection;
  const health = deps.health ?? ignoreHealth;
  const restartDelayMs = deps.restartDelayMs ?? 1_000;
  const tracker = new DetectionTracker();
  const stats = { events: 0, batches: 0, detections: 0, failures: 0, restarts: 0 };
  const orgJson = new Map<string, string>();
  let prefixes = keyPrefixes(view.current());

  // Enforcement runs one detection at a time, in label order, off the hot path.
  let enforcing: Promise<void> = Promise.resolve();
  const enforcePending = (): Promise<void> => {
    for (const d of tracker.drain()) {
      enforcing = enforcing.then(async () => {
        stats.detections++;
        try {
          await deps.enforcement.onDetection(d);
        } catch (err) {
          stats.failures++;
          logger.error({ err, org: d.org }, 'enforcement of a detection failed');
        }
      });
    }
    return enforcing;
  };

  // Set once the sink exists; checkIdle may run before (an empty queue at start).
  let sink: DetectionSink | undefined = undefined;
  let idleWaiters: Array<() => void> = [];
  const checkIdle = () => {
    if (queue.size > 0 || (sink?.pending() ?? 0) > 0) return;
    const ws = idleWaiters;
    idleWaiters = [];
    void enforcing.then(() => ws.forEach((w) => w()));
  };

  const ctx: SinkContext = {
    cfg,
    queue,
    tracker,
    onLabel: (e) => {
      tracker.onLabel(e);
      if (deps.metrics) for (const rule of e.rules.length ? e.rules : ['']) deps.metrics.detectionLabels.inc({ label: e.label, rule });
      deps.onLabel?.(e);
    },
    enforcePending,
    checkIdle,
    stats,
    keyPrefix: (keyId) => prefixes.get(keyId) ?? keyId,
    traceLinesOf: (batch) => {
      stats.events += batch.length;
      stats.batches++;
      return batch.map((e) => {
        tracker.noteRequest(e.orgId, { keyPrefix: prefixes.get(e.keyId) ?? e.keyId, model: e.model, endpoint: e.endpoint });
        return toDetectionLine(e);
      });
    },
    allOrgLines: () => {
      orgJson.clear();
      return changedOrgLines(view.current(), orgJson);
    },
    health,
    restartDelayMs,
    logger,
  };
  const mode = cfg.mode;
  // Explicit assets (tests, replays of a lab model) cannot cross into the worker thread, which loads its own.
  const live: DetectionSink =
    mode === 'streams' ? await streamsDetection(ctx, config.redisUrl) : cfg.worker && !deps.assets ? workerThreadDetection(ctx) : inProcessDetection(ctx, deps.assets);
  sink = live;

  const stopSwap = view.onSwap((snap) => {
    prefixes = keyPrefixes(snap);
    const lines = changedOrgLines(snap, orgJson);
    if (lines.length) live.ingestOrgs(lines);
  });
  const loop = superviseLoop('detection', health, () => live.loop(), { restartDelayMs });
  const stopSweep = deps.cases
    ? scheduleEvidenceRetention(deps.cases, deps.clock ?? systemClock, cfg.evidenceRetentionDays, (err) => logger.warn({ err }, 'evidence retention sweep failed'))
    : async () => {};

  return {
    mode,
    ...(live.detector ? { detector: live.detector } : {}),
    tracker,
    snapshot: () => live.snapshot(),
    ...(live.explain ? { explain: live.explain } : {}),
    stats: () => ({ ...stats, dropped: queue.dropped, labels: tracker.labels }),
    idle: () =>
      new Promise<void>((r) => {
        idleWaiters.push(r);
        checkIdle();
      }),
    ...(live.terminateWorker ? { terminateWorker: live.terminateWorker } : {}),
    async stop() {
      await loop;
      await enforcing;
      await live.close();
      await enforcing;
      await stopSweep();
      stopSwap();
    },
  };
}
