// Main-thread side of the live detector's worker thread (src/detection/live-worker.ts). Batches go out in order
// with an id; each reply carries the labels that batch produced, so the caller handles them exactly where the
// in-process driver would have (after the batch). At most `maxOutstanding` batches are in flight: past that the
// caller waits, and the gateway's bounded queue drops and counts overflow as before (memory stays bounded).
import type { Worker } from 'node:worker_threads';
import type { DetectionSnapshot, LabelEvent } from '../detection/detector.js';
import type { ExplainTimeline } from '../detection/explain.js';
import type { DetectionWorkerData, FromDetectionWorker, ToDetectionWorker } from '../detection/live-worker.js';
import type { TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import { startModuleWorker } from '../threads/module-worker.js';

export interface DetectionWorkerOptions extends DetectionWorkerData {
  onDiagnostic?: (d: { kind: string; org?: string; message: string }) => void;
  /** A crash of the worker thread (detection stops; the gateway keeps serving). */
  onError: (err: unknown) => void;
}

export class DetectionWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly batches = new Map<number, (r: { labels: LabelEvent[]; error?: string }) => void>();
  private readonly snapshots = new Map<number, (s: DetectionSnapshot) => void>();
  private readonly explains = new Map<number, (e: ExplainTimeline | undefined) => void>();
  private slotWaiters: Array<() => void> = [];
  private dead: Error | undefined;

  constructor(opts: DetectionWorkerOptions, private readonly maxOutstanding = 4) {
    const data: DetectionWorkerData = { evidenceSamples: opts.evidenceSamples, diagnostics: opts.diagnostics };
    this.worker = startModuleWorker(import.meta.url, '../detection/live-worker', { workerData: data });
    this.worker.on('message', (m: FromDetectionWorker) => {
      if (m.t === 'done') {
        const r = this.batches.get(m.id);
        this.batches.delete(m.id);
        r?.(m.error ? { labels: m.labels, error: m.error } : { labels: m.labels });
        this.slotWaiters.shift()?.();
      } else if (m.t === 'snapshot') {
        this.snapshots.get(m.id)?.(m.snapshot);
        this.snapshots.delete(m.id);
      } else if (m.t === 'explain') {
        this.explains.get(m.id)?.(m.explain);
        this.explains.delete(m.id);
      } else opts.onDiagnostic?.(m);
    });
    this.worker.on('error', (err) => {
      this.dead = err instanceof Error ? err : new Error(String(err));
      opts.onError(err);
      this.failAll();
    });
    this.worker.on('exit', () => {
      this.dead ??= new Error('detection worker exited');
      this.failAll();
    });
  }

  private failAll(): void {
    for (const r of this.batches.values()) r({ labels: [], error: this.dead?.message ?? 'detection worker stopped' });
    this.batches.clear();
    for (const w of this.slotWaiters.splice(0)) w();
  }

  private post(m: ToDetectionWorker): void {
    if (!this.dead) this.worker.postMessage(m);
  }

  ingestOrgs(lines: TraceOrgLine[]): void {
    if (lines.length) this.post({ t: 'org', lines });
  }

  /** Waits until fewer than maxOutstanding batches are in flight (call before taking more events). */
  async slot(): Promise<void> {
    while (this.batches.size >= this.maxOutstanding && !this.dead) await new Promise<void>((r) => this.slotWaiters.push(r));
  }

  /**
   * Sends one batch; resolves with the labels it produced once the worker has ingested it. Throws (and sends
   * nothing) when the batch cannot be copied to the worker (structured clone refused a value).
   */
  ingestRequests(lines: TraceRequestLine[]): Promise<{ labels: LabelEvent[]; error?: string }> {
    if (this.dead) return Promise.resolve({ labels: [], error: this.dead.message });
    const id = this.nextId++;
    const p = new Promise<{ labels: LabelEvent[]; error?: string }>((r) => this.batches.set(id, r));
    try {
      this.post({ t: 'requests', id, lines });
    } catch (e) {
      this.batches.delete(id);
      throw e;
    }
    return p;
  }

  /** Whether the thread has crashed, exited or been closed. */
  get isDead(): boolean {
    return this.dead !== undefined;
  }

  get outstanding(): number {
    return this.batches.size;
  }

  /** The detector's state after everything sent so far. */
  snapshot(): Promise<DetectionSnapshot> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const p = new Promise<DetectionSnapshot>((r) => this.snapshots.set(id, r));
    this.post({ t: 'snapshot', id });
    return p;
  }

  /** The detector's explanation of one org after everything sent so far. */
  explain(org: string): Promise<ExplainTimeline | undefined> {
    if (this.dead) return Promise.reject(this.dead);
    const id = this.nextId++;
    const p = new Promise<ExplainTimeline | undefined>((r) => this.explains.set(id, r));
    this.post({ t: 'explain', id, org });
    return p;
  }

  async close(): Promise<void> {
    this.dead ??= new Error('detection worker stopped');
    await this.worker.terminate();
  }
}
