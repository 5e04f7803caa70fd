// Optional JSONL trace of live traffic (config.events.traceFile), in trace format v1 so it can be replayed.
// It consumes its own bounded queue in batches: a slow disk drops events (counted by the queue), never requests.
import { createWriteStream } from 'node:fs';
import type { BoundedQueue } from '../events/bounded-queue.js';
import { toTraceLine, type RequestEvent } from '../events/request-event.js';

export interface TraceWriter {
  /** Resolves once everything queued before close() is written. Close the queue first. */
  done: Promise<void>;
}

export function startTraceWriter(queue: BoundedQueue<RequestEvent>, file: string, onError: (e: unknown) => void = () => {}): TraceWriter {
  const out = createWriteStream(file, { flags: 'a' });
  out.on('error', onError);
  const done = (async () => {
    for (;;) {
      const batch = await queue.take(256);
      if (batch.length === 0) break; // queue closed and drained
      const text = batch.map((e) => JSON.stringify(toTraceLine(e))).join('\n') + '\n';
      if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((r) => out.end(() => r()));
  })();
  return { done };
}
