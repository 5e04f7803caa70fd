// Optional JSONL trace of live traffic (config.events.traceFile), in trace format v1 so it can be replayed.
// It consumes its own bounded queue in batches: a slow disk drops events (counted by the queue), never requests.
// Batches are written at most every `flushIntervalMs`: each file write is a thread-pool round trip (futex
// wake-ups and an eventfd write on the event loop), which at one write per request cost ~5% of the gateway's CPU.
// An event that cannot be serialised is skipped and reported; a write error (disk full, file removed) ends the
// loop, which is restarted on a fresh stream, so neither can stop the trace or the process.
import { createWriteStream } from 'node:fs';
import type { BoundedQueue } from '../events/bounded-queue.js';
import { guardEvent, ignoreHealth, superviseLoop, type ConsumerHealth } from '../events/consumer-supervisor.js';
import { traceLineJson, type RequestEvent } from '../events/request-event.js';
import type { TraceOrgLine } from '../events/trace-format.js';

export interface TraceWriter {
  /** Resolves once everything queued before close() is written. Close the queue first. */
  done: Promise<void>;
}

export interface TraceWriterOptions {
  /** Pause after each write so events coalesce into one write (the delay before an event reaches the file). */
  flushIntervalMs?: number;
  /**
   * The org's current `org` line. It is written before the org's first request and again whenever it changes
   * (status, attributes, grants), so the trace replays with the same org facts the live detector saw.
   */
  orgLine?: (orgId: string) => TraceOrgLine | undefined;
  /** Where skipped events and restarts are reported. */
  health?: ConsumerHealth;
  /** Pause before reopening the file after a write error (default 1 s). */
  restartDelayMs?: number;
}

/** Largest batch taken at once, in estimated bytes (the queue's estimate): bounds one write's string. */
const BATCH_BYTES = 8 * 1024 * 1024;

export function startTraceWriter(queue: BoundedQueue<RequestEvent>, file: string, onError: (e: unknown) => void = () => {}, opts: TraceWriterOptions = {}): TraceWriter {
  const flushIntervalMs = opts.flushIntervalMs ?? 25;
  const health = opts.health ?? ignoreHealth;
  // orgLine() may return the same object for many events (the server caches it per view snapshot): its JSON
  // is computed once per object, not per event.
  const jsonOf = new WeakMap<TraceOrgLine, string>();

  const run = async () => {
    // A fresh stream per run: after a failure the org lines are written again before each org's next request.
    const writtenOrgLines = new Map<string, string>();
    const out = createWriteStream(file, { flags: 'a' });
    let failed: unknown;
    const failure = new Promise<never>((_, reject) =>
      out.once('error', (e) => {
        failed = e;
        onError(e);
        reject(e);
      }),
    );
    failure.catch(() => {});
    // The org's line when new or changed, and its affiliates' lines: an affiliate's facts (a competitor parent)
    // matter to detection even when the affiliate sends no request of its own. Recorded as written only once the
    // request's own line serialised. The helpers live per run, not per event (this loop sees every request).
    const pending: [string, string][] = [];
    let text = '';
    const orgLineText = (id: string, withAffiliates: boolean): string => {
      const org = opts.orgLine?.(id);
      if (!org) return '';
      let json = jsonOf.get(org);
      if (json === undefined) jsonOf.set(org, (json = JSON.stringify(org)));
      if (writtenOrgLines.get(id) === json || pending.some(([p]) => p === id)) return '';
      pending.push([id, json]);
      let t = '';
      if (withAffiliates) for (const a of org.affiliates ?? []) if (!writtenOrgLines.has(a.org)) t += orgLineText(a.org, false);
      return t + json + '\n';
    };
    const addLine = (e: RequestEvent): void => {
      pending.length = 0;
      const lines = orgLineText(e.orgId, true) + traceLineJson(e) + '\n';
      text += lines;
      for (const [id, json] of pending) writtenOrgLines.set(id, json);
    };
    try {
      for (;;) {
        const batch = await queue.take(4096, BATCH_BYTES);
        if (batch.length === 0) break; // queue closed and drained
        text = '';
        for (const e of batch) guardEvent(health, 'trace_writer', addLine, e);
        if (failed !== undefined) throw failed;
        if (text && !out.write(text)) await Promise.race([new Promise<void>((r) => out.once('drain', () => r())), failure]);
        if (flushIntervalMs > 0) await new Promise<void>((r) => setTimeout(r, flushIntervalMs));
      }
      // end()'s callback also runs on a write error, possibly before the 'error' event: it must not count as done.
      await Promise.race([
        new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : failed !== undefined ? reject(failed) : resolve()))),
        failure,
      ]);
      if (failed !== undefined) throw failed;
    } catch (e) {
      out.destroy();
      throw e;
    }
  };
  return { done: superviseLoop('trace_writer', health, run, opts.restartDelayMs === undefined ? {} : { restartDelayMs: opts.restartDelayMs }) };
}
