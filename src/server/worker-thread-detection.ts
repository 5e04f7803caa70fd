// Live detection in a worker thread (`detection.mode: local`, the default): batches go out as they come;
// each batch's request metadata is noted and its labels handled when the worker answers for it, i.e. in the
// same order and at the same point as in-process detection. Batches leave at most every `batchIntervalMs`.
// A dead thread is replaced before the next batch; a batch the structured clone refuses goes event by event.
import type { LabelEvent } from '../detection/detector.js';
import { toDetectionLine } from '../events/request-event.js';
import type { DetectionSink, SinkContext } from './detection-sink.js';
import { DetectionWorker } from './detection-worker.js';

/** Largest batch sent to the worker, in the queue's estimated bytes: bounds the structured-clone copy in flight. */
const BATCH_BYTES = 8 * 1024 * 1024;

type Answer = { labels: LabelEvent[]; error?: string };

export function workerThreadDetection(ctx: SinkContext): DetectionSink {
  const { queue, tracker, logger, health } = ctx;
  let worker: DetectionWorker;
  const startWorker = (): DetectionWorker => {
    worker = new DetectionWorker({
      evidenceSamples: ctx.cfg.evidenceSamples,
      diagnostics: logger.isLevelEnabled('debug'),
      onDiagnostic: (x) => logger.debug({ kind: x.kind, org: x.org }, `detection: ${x.message}`),
      onError: (err) => logger.error({ err }, 'detection worker thread crashed; it is restarted with the next events'),
    });
    // A new thread knows no org yet: every org line goes again.
    worker.ingestOrgs(ctx.allOrgLines());
    return worker;
  };
  startWorker();

  /** One batch to the worker; if it cannot be copied as a whole, event by event, skipping those that cannot. */
  const sendToWorker = (w: DetectionWorker, lines: ReturnType<typeof toDetectionLine>[]): Promise<Answer> => {
    try {
      return w.ingestRequests(lines);
    } catch {
      const parts: Array<Promise<Answer>> = [];
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

  return {
    ingestOrgs: (lines) => worker.ingestOrgs(lines),
    pending: () => worker.outstanding,
    async loop() {
      let last: Promise<unknown> = Promise.resolve();
      const liveWorker = async (): Promise<DetectionWorker> => {
        if (!worker.isDead) return worker;
        await last;
        ctx.stats.restarts++;
        health.restarted('detection', new Error('the detection worker thread died'));
        await new Promise((r) => setTimeout(r, ctx.restartDelayMs));
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
        const done = sendToWorker(w, batch.map(toDetectionLine));
        last = done.then(({ labels, error }) => {
          for (const [org, m] of latest) tracker.noteRequest(org, { keyPrefix: ctx.keyPrefix(m.keyId), model: m.model, endpoint: m.endpoint });
          ctx.stats.events += n;
          ctx.stats.batches++;
          if (error) health.eventFailed('detection', new Error(error));
          for (const l of labels) ctx.onLabel(l);
          if (tracker.hasPending) void ctx.enforcePending();
          ctx.checkIdle();
        });
        // Let events gather: at thousands of requests a second, sending each as it came cost a message and a
        // reply per request on the gateway's main thread.
        if (ctx.cfg.batchIntervalMs > 0) await new Promise((r) => setTimeout(r, ctx.cfg.batchIntervalMs));
      }
      await last; // replies come in order: the last batch's answer means all were judged
    },
    snapshot: () => worker.snapshot(),
    explain: (org) => worker.explain(org),
    terminateWorker: async () => void (await worker.close()),
    close: async () => void (await worker.close()),
  };
}
