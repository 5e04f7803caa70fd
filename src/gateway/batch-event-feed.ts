// Hands a batch's item events to the bounded hand-off as it has room (half its capacity), a slice per
// event-loop turn: a 50,000-item batch reaches detection as 50,000 requests without overrunning the queue at
// once. A queue that stays full for 10 s takes the rest anyway, dropping and counting what it cannot hold, as
// it would for the same calls. Batches are fed one after another.
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Logger } from '../ops/logger.js';

/** Events pushed per event-loop turn while the hand-off has room. */
const SLICE = 256;
/** How long a full hand-off holds the rest back before they are pushed (and dropped, counted). */
const STALL_MS = 10_000;

export interface EventFeed {
  feed(events: RequestEvent[]): void;
  /** Resolves once everything handed to `feed` so far is in the queue (or dropped). */
  idle(): Promise<void>;
}

export function createEventFeed(queue: BoundedQueue<RequestEvent>, logger: Logger): EventFeed {
  let feeding: Promise<void> = Promise.resolve();

  async function feedAll(evs: RequestEvent[]): Promise<void> {
    let i = 0;
    let stalledSince = Date.now();
    while (i < evs.length) {
      const room = Math.floor(queue.capacity / 2) - queue.size;
      if (room <= 0 && Date.now() - stalledSince < STALL_MS) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      const n = Math.min(evs.length - i, Math.max(room, 1), SLICE);
      for (const end = i + n; i < end; i++) queue.push(evs[i] as RequestEvent);
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
