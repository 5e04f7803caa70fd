// Prometheus metrics of the gateway. Each gateway owns its own registry (no global state), so tests and
// several gateways in one process do not collide.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface GatewayMetrics {
  registry: Registry;
  requests: Counter<'api' | 'endpoint' | 'status' | 'code'>;
  duration: Histogram<'api' | 'stream'>;
  ttfb: Histogram<'api'>;
  upstreamErrors: Counter<'upstream' | 'code'>;
  /** Calls to each upstream by outcome: `ok` (its answer went to the client), `retried` (failed before any byte reached the client, another member was tried), `failed` (failed, nothing left to try). */
  upstreamAttempts: Counter<'upstream' | 'outcome'>;
  /** 1 while a pool member is in rotation, 0 while ejected by passive health. */
  upstreamHealthy: Gauge<'upstream'>;
  /** Times a pool member was ejected after consecutive failures. */
  upstreamEjections: Counter<'upstream'>;
  eventsDropped: Counter<string>;
  tokens: Counter<'api' | 'direction'>;
  /** Events an event consumer (trace writer, detection, metering, streams publisher) failed on and skipped. */
  consumerFailures: Counter<'consumer'>;
  /** Times an event consumer's loop died and was started again. */
  consumerRestarts: Counter<'consumer'>;
  /** Make `moat_events_dropped_total` report the queue's own drop counter. */
  watchQueueDrops(dropped: () => number): void;
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function createMetrics(opts: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (opts.defaultMetrics) collectDefaultMetrics({ register: registry });
  let droppedSource: (() => number) | undefined;
  const eventsDropped = new Counter({
    name: 'moat_events_dropped_total',
    help: 'Request events dropped because the bounded event queue was full.',
    registers: [registry],
    collect() {
      if (!droppedSource) return;
      this.reset();
      this.inc(droppedSource());
    },
  });
  return {
    registry,
    requests: new Counter({ name: 'moat_requests_total', help: 'Finished front-door requests.', labelNames: ['api', 'endpoint', 'status', 'code'], registers: [registry] }),
    duration: new Histogram({ name: 'moat_request_duration_seconds', help: 'Time from request arrival to the end of the response.', labelNames: ['api', 'stream'], buckets: LATENCY_BUCKETS, registers: [registry] }),
    ttfb: new Histogram({ name: 'moat_time_to_first_byte_seconds', help: 'Time from request arrival to the first response body byte sent to the client.', labelNames: ['api'], buckets: LATENCY_BUCKETS, registers: [registry] }),
    upstreamErrors: new Counter({ name: 'moat_upstream_errors_total', help: 'Upstream failures by upstream and Moat error code.', labelNames: ['upstream', 'code'], registers: [registry] }),
    upstreamAttempts: new Counter({ name: 'moat_upstream_requests_total', help: 'Calls to each upstream by outcome (ok, retried, failed).', labelNames: ['upstream', 'outcome'], registers: [registry] }),
    upstreamHealthy: new Gauge({ name: 'moat_upstream_healthy', help: 'Whether a pool member is in rotation (1) or ejected by passive health (0).', labelNames: ['upstream'], registers: [registry] }),
    upstreamEjections: new Counter({ name: 'moat_upstream_ejections_total', help: 'Times a pool member was ejected after consecutive failures.', labelNames: ['upstream'], registers: [registry] }),
    tokens: new Counter({ name: 'moat_tokens_total', help: 'Metered tokens by direction (input, output).', labelNames: ['api', 'direction'], registers: [registry] }),
    consumerFailures: new Counter({ name: 'moat_consumer_event_failures_total', help: 'Events an event consumer failed on and skipped (the consumer keeps going).', labelNames: ['consumer'], registers: [registry] }),
    consumerRestarts: new Counter({ name: 'moat_consumer_restarts_total', help: 'Times an event consumer died and was restarted.', labelNames: ['consumer'], registers: [registry] }),
    eventsDropped,
    watchQueueDrops(dropped) {
      droppedSource = dropped;
    },
  };
}
