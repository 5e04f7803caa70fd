// Optional JSONL trace of live traffic (config.events.traceFile), in trace format v1 so it can be replayed.
// It consumes its own bounded queue in batches: a slow disk drops events (counted by the queue), never requests.
// Batches are written at most every `flushIntervalMs`: each file write is a thread-pool round trip (futex
// wake-ups and an eventfd write on the event loop), which at one write per request cost ~5% of the gateway's CPU.
import { createWriteStream } from 'node:fs';
import type { BoundedQueue } from '../events/bounded-queue.js';
import { toTraceLine, type RequestEvent } from '../events/request-event.js';
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
}

export function startTraceWriter(queue: BoundedQueue<RequestEvent>, file: string, onError: (e: unknown) => void = () => {}, opts: TraceWriterOptions = {}): TraceWriter {
  const flushIntervalMs = opts.flushIntervalMs ?? 25;
  const out = createWriteStream(file, { flags: 'a' });
  out.on('error', onError);
  const writtenOrgLines = new Map<string, string>();
  // orgLine() may return the same object for many events (the server caches it per view snapshot): its JSON
  // is computed once per object, not per event.
  const jsonOf = new WeakMap<TraceOrgLine, string>();
  const done = (async () => {
    for (;;) {
      const batch = await queue.take(4096);
      if (batch.length === 0) break; // queue closed and drained
      let text = '';
      // The org's line when new or changed, and its affiliates' lines: an affiliate's facts (a competitor
      // parent) matter to detection even when the affiliate sends no request of its own.
      const orgLineText = (id: string, withAffiliates: boolean): string => {
        const org = opts.orgLine?.(id);
        if (!org) return '';
        let json = jsonOf.get(org);
        if (json === undefined) jsonOf.set(org, (json = JSON.stringify(org)));
        if (writtenOrgLines.get(id) === json) return '';
        writtenOrgLines.set(id, json);
        let t = '';
        if (withAffiliates) for (const a of org.affiliates ?? []) if (!writtenOrgLines.has(a.org)) t += orgLineText(a.org, false);
        return t + json + '\n';
      };
      for (const e of batch) {
        text += orgLineText(e.orgId, true);
        text += JSON.stringify(toTraceLine(e)) + '\n';
      }
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
      if (flushIntervalMs > 0) await new Promise<void>((r) => setTimeout(r, flushIntervalMs));
    }
    await new Promise<void>((r) => out.end(() => r()));
  })();
  return { done };
}
