// Replay driver: streams a trace through the same detector the live consumer uses and builds the v1 report.
import type { Readable } from 'node:stream';
import { actionFor as defaultActionFor, type ActionFor } from './action-for.js';
import { loadDetectionAssets, type DetectionAssets } from './assets.js';
import { createDetector, type Detector, type Diagnostic, type DetectorOptions, type LabelEvent } from './detector.js';
import { buildReport, clusterRuleIds, type ReplayReportV1 } from './report.js';
import { readTrace, type SkippedLine } from './trace-reader.js';
import { DomainError } from '../errors/domain-error.js';

export interface ReplayOptions {
  strict?: boolean;
  policy?: unknown;
  actionFor?: ActionFor;
  assets?: DetectionAssets;
  onLabel?: (e: LabelEvent) => void;
  onDiagnostic?: (d: Diagnostic) => void;
  onSkipped?: (s: SkippedLine) => void;
  onProgress?: (lines: number) => void;
  detector?: Partial<Pick<DetectorOptions, 'disabledSignals' | 'evidence' | 'explain' | 'onWindow' | 'onClusterWindow'>>;
  /** Called with the detector once the trace is read (explain, features). */
  onDone?: (detector: Detector) => void;
}

export class StrictModeError extends DomainError {
  constructor(message: string) {
    super('invalid_trace', message);
    this.name = 'StrictModeError';
  }
}

export async function replayTrace(input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>, opts: ReplayOptions = {}): Promise<ReplayReportV1> {
  const assets = opts.assets ?? loadDetectionAssets();
  const detector = createDetector({
    ...assets,
    ...opts.detector,
    ...(opts.onLabel ? { onLabel: opts.onLabel } : {}),
    ...(opts.onDiagnostic ? { onDiagnostic: opts.onDiagnostic } : {}),
  });
  const skipped: SkippedLine[] = [];
  let malformed = 0;
  let lines = 0;
  for await (const item of readTrace(input)) {
    lines++;
    if (opts.onProgress && lines % 10000 === 0) opts.onProgress(lines);
    if (item.ok === true) detector.ingest(item.value);
    else if (item.ok === false) {
      if (opts.strict) throw new StrictModeError(`line ${item.skipped.line}: ${item.skipped.reason}`);
      malformed++;
      if (skipped.length < 100) skipped.push(item.skipped);
      opts.onSkipped?.(item.skipped);
    }
  }
  opts.onDone?.(detector);
  return buildReport(detector.snapshot(), { malformed, skipped }, opts.actionFor ?? defaultActionFor, clusterRuleIds(assets.rules), opts.policy);
}
