// Reports event-consumer failures (src/events/consumer-supervisor.ts): every failure is counted in metrics,
// but logged once per consumer per minute (the first one with its error, later ones as a count), so an
// attacker sending a stream of bad events cannot flood the logs.
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics } from './metrics.js';

const LOG_EVERY_MS = 60_000;

export function createConsumerHealth(logger: Logger, metrics: Pick<GatewayMetrics, 'consumerFailures' | 'consumerRestarts'>, clock: Clock) {
  const lastLogged = new Map<string, number>();
  const unlogged = new Map<string, number>();
  return {
    eventFailed(consumer: string, err: unknown): void {
      metrics.consumerFailures.inc({ consumer });
      const now = clock.now();
      const last = lastLogged.get(consumer);
      if (last !== undefined && now - last < LOG_EVERY_MS) {
        unlogged.set(consumer, (unlogged.get(consumer) ?? 0) + 1);
        return;
      }
      const since = unlogged.get(consumer) ?? 0;
      unlogged.delete(consumer);
      lastLogged.set(consumer, now);
      logger.error({ err, consumer, ...(since ? { moreFailuresSinceLastLog: since } : {}) }, 'event consumer skipped an event it could not handle');
    },
    restarted(consumer: string, err: unknown): void {
      metrics.consumerRestarts.inc({ consumer });
      logger.error({ err, consumer }, 'event consumer died; restarting it');
    },
  };
}
