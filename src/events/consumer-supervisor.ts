// Keeps event consumers (trace writer, detection, metering, streams publisher, request log) alive whatever one event does:
// a failure on one event skips that event and is reported; a consumer loop that dies is started again after a
// pause. Reporting goes through ConsumerHealth, which the server wires to metrics and a rate-limited log, so a
// stream of bad events costs a counter increment each, not a log line each.

export type ConsumerName = 'trace_writer' | 'detection' | 'metering' | 'streams_publisher' | 'request_log';

export interface ConsumerHealth {
  /** One event (or one batch) the consumer could not handle and skipped. */
  eventFailed(consumer: ConsumerName, err: unknown): void;
  /** The consumer's loop died with err and is being started again. */
  restarted(consumer: ConsumerName, err: unknown): void;
}

export const ignoreHealth: ConsumerHealth = { eventFailed() {}, restarted() {} };

/** Runs fn for one event; a throw is reported and swallowed. Returns whether fn succeeded. */
export function guardEvent<T>(health: ConsumerHealth, consumer: ConsumerName, fn: (arg: T) => void, arg?: T): boolean {
  try {
    fn(arg as T);
    return true;
  } catch (err) {
    health.eventFailed(consumer, err);
    return false;
  }
}

export interface SuperviseOptions {
  /** Pause before a restart (default 1 s), so a loop that dies at once does not spin. */
  restartDelayMs?: number;
}

/**
 * Runs loop until it returns (its queue closed and drained); each time it throws, reports a restart, waits, and
 * runs it again. The loop must resume from shared state (its queue), not from a position of its own.
 */
export async function superviseLoop(consumer: ConsumerName, health: ConsumerHealth, loop: () => Promise<void>, opts: SuperviseOptions = {}): Promise<void> {
  for (;;) {
    try {
      await loop();
      return;
    } catch (err) {
      health.restarted(consumer, err);
      await new Promise((r) => setTimeout(r, opts.restartDelayMs ?? 1_000));
    }
  }
}
