// Live detection in the gateway's own thread (`detection.mode: local`, `detection.worker: false`): the
// detector `moat replay` uses, fed event by event.
import { loadDetectionAssets, type DetectionAssets } from '../detection/assets.js';
import { createDetector } from '../detection/detector.js';
import { guardEvent } from '../events/consumer-supervisor.js';
import { batchLoop, type DetectionSink, type SinkContext } from './detection-sink.js';

export function inProcessDetection(ctx: SinkContext, assets?: DetectionAssets): DetectionSink {
  const { tracker, logger, health } = ctx;
  const detector = createDetector({
    ...(assets ?? loadDetectionAssets()),
    evidence: { samples: ctx.cfg.evidenceSamples, maxChars: 300 },
    onLabel: (e) => ctx.onLabel(e),
    onDiagnostic: (x) => logger.debug({ kind: x.kind, org: x.org }, `detection: ${x.message}`),
  });
  for (const l of ctx.allOrgLines()) detector.ingestOrg(l);
  return {
    detector,
    ingestOrgs: (lines) => {
      for (const l of lines) detector.ingestOrg(l);
    },
    ...batchLoop(ctx, (lines) => {
      for (const l of lines) guardEvent(health, 'detection', () => detector.ingestRequest(l));
      if (tracker.hasPending) void ctx.enforcePending();
    }),
    snapshot: async () => detector.snapshot(),
    explain: async (org) => detector.explain(org),
    close: async () => {},
  };
}
