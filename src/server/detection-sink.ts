// What every live-detection mode shares (the sink of each mode is in its own file): the queue of request
// events, the tracker that turns labels into Detections, enforcement one detection at a time, counters, and
// the request metadata (key prefixes) that evidence carries.
import type { MoatConfig } from '../config/schema.js';
import type { DetectionSnapshot, Detector, LabelEvent } from '../detection/detector.js';
import type { ExplainTimeline } from '../detection/explain.js';
import type { DetectionTracker } from '../enforcement/detection-tracker.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { ConsumerHealth } from '../events/consumer-supervisor.js';
import type { RequestEvent } from '../events/request-event.js';
import type { TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import type { Logger } from '../ops/logger.js';

export interface SinkContext {
  cfg: MoatConfig['detection'];
  queue: BoundedQueue<RequestEvent>;
  tracker: DetectionTracker;
  /** Every label: into the tracker, then to the optional observer. */
  onLabel(e: LabelEvent): void;
  /** Hands the tracker's pending detections to enforcement (in order, one at a time); resolves when done. */
  enforcePending(): Promise<void>;
  /** Checks whether the wiring is idle (call after each batch). */
  checkIdle(): void;
  /** Counters the sinks move. */
  stats: { events: number; batches: number; restarts: number };
  /** Key id → key prefix, from the current view (evidence names keys by prefix). */
  keyPrefix(keyId: string): string;
  /** A batch taken off the queue as trace lines: each request noted for evidence (key prefix, model) and counted. */
  traceLinesOf(batch: readonly RequestEvent[]): TraceRequestLine[];
  /** Org lines of every org, as if none had been sent (a new detector knows no org). */
  allOrgLines(): TraceOrgLine[];
  health: ConsumerHealth;
  restartDelayMs: number;
  logger: Logger;
}

/** One mode of live detection: where events and org lines go, and where labels come from. */
export interface DetectionSink {
  /** New or changed orgs. */
  ingestOrgs(lines: TraceOrgLine[]): void;
  /** Takes events off the queue until it closes (supervised: restarted when it throws). */
  loop(): Promise<void>;
  /** Events taken but not yet judged (the idle check waits for none). */
  pending(): number;
  snapshot(): Promise<DetectionSnapshot | undefined>;
  explain?(org: string): Promise<ExplainTimeline | undefined>;
  detector?: Detector;
  terminateWorker?(): Promise<void>;
  /** Ends what the sink holds (threads, connections) after its loop ended. */
  close(): Promise<void>;
}

/**
 * The loop a sink runs over the event queue: batches of up to 256 events, as trace lines, handed to `handle`;
 * `pending` is 1 while a batch is in hand, and the wiring's idle check runs after each batch.
 */
export function batchLoop(ctx: SinkContext, handle: (lines: TraceRequestLine[]) => void | Promise<void>): Pick<DetectionSink, 'loop' | 'pending'> {
  let busy = false;
  return {
    pending: () => (busy ? 1 : 0),
    async loop() {
      for (;;) {
        const batch = await ctx.queue.take(256);
        if (batch.length === 0) break;
        busy = true;
        try {
          await handle(ctx.traceLinesOf(batch));
        } finally {
          busy = false;
          ctx.checkIdle();
        }
      }
    },
  };
}
