// Copies every event from the hot path's queue into one bounded queue per consumer (trace writer, detection),
// so a slow consumer drops only its own copy and never holds back the others or the hot path.
import type { BoundedQueue } from './bounded-queue.js';

export function fanOut<T>(source: BoundedQueue<T>, targets: ReadonlyArray<BoundedQueue<T>>): { done: Promise<void> } {
  const done = (async () => {
    for (;;) {
      const batch = await source.take(512);
      if (batch.length === 0) break;
      for (const item of batch) for (const t of targets) t.push(item);
    }
    for (const t of targets) t.close();
  })();
  return { done };
}
