// Worker-thread entry of live detection (src/server/detection-worker.ts starts it): the detector runs on its own
// thread and heap, so its per-request work and its long-lived per-org state (which made the gateway's young-
// generation GC pauses several ms long) stay off the hot path's event loop. Messages arrive in order on one
// port: org lines and request batches are ingested exactly as the in-process driver would.
import { parentPort, workerData } from 'node:worker_threads';
import { loadDetectionAssets } from './assets.js';
import { createDetector, type LabelEvent } from './detector.js';
import type { TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import type { ExplainTimeline } from './explain.js';

export type ToDetectionWorker =
  | { t: 'org'; lines: TraceOrgLine[] }
  | { t: 'requests'; id: number; lines: TraceRequestLine[] }
  | { t: 'snapshot'; id: number }
  | { t: 'explain'; id: number; org: string };

export type FromDetectionWorker =
  | { t: 'done'; id: number; labels: LabelEvent[]; error?: string }
  | { t: 'snapshot'; id: number; snapshot: ReturnType<ReturnType<typeof createDetector>['snapshot']> }
  | { t: 'explain'; id: number; explain: ExplainTimeline | undefined }
  | { t: 'diagnostic'; kind: string; org?: string; message: string };

export interface DetectionWorkerData {
  evidenceSamples: number;
  diagnostics: boolean;
}

const port = parentPort;
if (port) {
  const opts = workerData as DetectionWorkerData;
  let labels: LabelEvent[] = [];
  const detector = createDetector({
    ...loadDetectionAssets(),
    evidence: { samples: opts.evidenceSamples, maxChars: 300 },
    onLabel: (e) => labels.push(e),
    ...(opts.diagnostics ? { onDiagnostic: (d) => port.postMessage({ t: 'diagnostic', kind: d.kind, ...(d.org ? { org: d.org } : {}), message: d.message } satisfies FromDetectionWorker) } : {}),
  });
  port.on('message', (m: ToDetectionWorker) => {
    if (m.t === 'org') for (const l of m.lines) detector.ingestOrg(l);
    else if (m.t === 'snapshot') port.postMessage({ t: 'snapshot', id: m.id, snapshot: detector.snapshot() } satisfies FromDetectionWorker);
    else if (m.t === 'explain') port.postMessage({ t: 'explain', id: m.id, explain: detector.explain(m.org) } satisfies FromDetectionWorker);
    else {
      let error: string | undefined;
      try {
        for (const l of m.lines) detector.ingestRequest(l);
      } catch (e) {
        error = (e as Error).stack ?? String(e);
      }
      const out = labels;
      labels = [];
      port.postMessage({ t: 'done', id: m.id, labels: out, ...(error ? { error } : {}) } satisfies FromDetectionWorker);
    }
  });
}
