// Hands a batch's item events to the bounded hand-off as it has room (half its capacity), a slice per
// event-loop turn: a 50,000-item batch reaches detection as 50,000 requests without overrunning the queue at
// once. A queue that stays full for 10 s takes the rest anyway, dropping and counting what it cannot hold, as
// it would for the same calls. Batches are fed one after another; each event is built only when it is pushed,
// so a waiting batch holds its upload's bytes, not a parsed body per item.
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Logger } from '../ops/logger.js';

/** Events pushed per event-loop turn while the hand-off has room. */
const SLICE = 256;
/** How long a full hand-off holds the rest back before they are pushed (and dropped, counted). */
const STALL_MS = 10_000;

export interface EventFeed {
  /** Queues a batch's events; they are pulled from `events` (built) only as the hand-off has room. */
  feed(events: Iterator<RequestEvent>): void;
  /** Resolves once everything handed to `feed` so far is in the queue (or dropped). */
  idle(): Promise<void>;
}

export function createEventFeed(queue: BoundedQueue<RequestEvent>, logger: Logger): EventFeed {
  let feeding: Promise<void> = Promise.resolve();

  async function feedAll(evs: Iterator<RequestEvent>): Promise<void> {
    let stalledSince = Date.now();
    for (;;) {
      const room = Math.floor(queue.capacity / 2) - queue.size;
      if (room <= 0 && Date.now() - stalledSince < STALL_MS) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      for (let n = Math.min(Math.max(room, 1), SLICE); n > 0; n--) {
        const next = evs.next();
        if (next.done) return;
        queue.push(next.value);
      }
      stalledSince = Date.now();
      await new Promise((r) => setImmediate(r));
    }
  }

  return {
    feed(evs) {
      feeding = feeding.then(() => feedAll(evs)).catch((e: unknown) => logger.error({ err: e }, 'feeding batch item events failed'));
    },
    idle: () => feeding,
  };
}
