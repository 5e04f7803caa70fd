// The request log's consumer: takes request events from its own bounded queue (the hot path never waits for
// it), keeps the sampled ones, and writes them to the store in batches on a timer; prunes by age and count
// once a minute. Rows a failed write leaves behind are retried, up to a bound past which the oldest are dropped
// and counted, so a store outage costs log entries, never memory or requests.
import type { BoundedQueue } from '../events/bounded-queue.js';
import { guardEvent, ignoreHealth, superviseLoop, type ConsumerHealth } from '../events/consumer-supervisor.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Clock } from '../ops/clock.js';
import type { SqlExecutor } from '../sql/sql-driver.js';
import { insertRequestLog, pruneRequestLog, recountRequestLog } from './request-log-repo.js';
import { requestLogRow, type RequestLogRow } from './request-log-row.js';
import type { RequestLogSettings } from './request-log-settings.js';

export interface RequestLogWriterOptions {
  queue: BoundedQueue<RequestEvent>;
  store: SqlExecutor;
  settings: RequestLogSettings;
  clock: Clock;
  flushMs?: number;
  /** Rows held while the store does not answer; beyond it the oldest are dropped. */
  maxPending?: number;
  /** Failed writes and prunes are reported here (metrics, rate-limited log) and to onError. */
  health?: ConsumerHealth;
  onError?: (err: unknown) => void;
}

export interface RequestLogWriter {
  /** Writes what is pending now (tests, shutdown). */
  flush(): Promise<void>;
  /** Rows dropped because the store could not take them in time. */
  readonly dropped: number;
  /** Resolves when the queue has closed and the last rows are written. */
  readonly done: Promise<void>;
}

const PRUNE_EVERY_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Statements one pruning pass may run (50 rows each): a backlog goes on at the next flush, not a minute later. */
const PRUNE_BUDGET = 40;

export function startRequestLogWriter(o: RequestLogWriterOptions): RequestLogWriter {
  const health = o.health ?? ignoreHealth;
  const maxPending = o.maxPending ?? 10_000;
  let pending: RequestLogRow[] = [];
  let dropped = 0;
  let lastPrune = -Infinity;
  let pruneBacklog = false;
  let lastRecount = -Infinity;
  let writing: Promise<void> = Promise.resolve();

  const writeOnce = async () => {
    if (pending.length) {
      const rows = pending;
      pending = [];
      try {
        await insertRequestLog(o.store, rows);
      } catch (err) {
        pending = rows.concat(pending);
        if (pending.length > maxPending) {
          dropped += pending.length - maxPending;
          pending = pending.slice(pending.length - maxPending);
        }
        // Counted in metrics and logged at most once a minute, like every event consumer's failures.
        health.eventFailed('request_log', err);
        o.onError?.(err);
        return;
      }
    }
    const now = o.clock.now();
    if (now - lastPrune >= PRUNE_EVERY_MS || pruneBacklog) {
      lastPrune = now;
      try {
        // The row count pruning goes by is recounted at start and hourly (see recountRequestLog).
        if (now - lastRecount >= HOUR_MS) {
          await recountRequestLog(o.store);
          lastRecount = now;
        }
        const pass = await pruneRequestLog(o.store, new Date(now - o.settings.retentionHours * HOUR_MS).toISOString(), o.settings.maxRows, PRUNE_BUDGET);
        pruneBacklog = pass.more;
      } catch (err) {
        pruneBacklog = false;
        health.eventFailed('request_log', err);
        o.onError?.(err);
      }
    }
  };
  // Writes never overlap: each waits for the one before.
  const flush = () => (writing = writing.then(writeOnce));
  const timer = setInterval(() => void flush(), o.flushMs ?? 1_000);
  timer.unref();

  const done = (async () => {
    await superviseLoop('request_log', health, async () => {
      for (;;) {
        const batch = await o.queue.take(1024);
        if (batch.length === 0) return;
        for (const e of batch)
          guardEvent(health, 'request_log', () => {
            const row = requestLogRow(e, o.settings);
            if (row) pending.push(row);
          });
        if (pending.length > maxPending) {
          dropped += pending.length - maxPending;
          pending = pending.slice(pending.length - maxPending);
        }
      }
    });
    clearInterval(timer);
    await flush();
  })();

  return {
    flush,
    get dropped() {
      return dropped;
    },
    done,
  };
}
