// Prometheus metrics of the gateway. Each gateway owns its own registry (no global state), so tests and
// several gateways in one process do not collide.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { CounterFamily, HistogramFamily } from './metric-cells.js';
import { LATENCY_BUCKETS, RequestMetrics, type RequestMetricsOptions } from './request-metrics.js';

/** Counters of the product's own work: detection, cases, enforcement actions, webhooks. */
export interface OperationsMetrics {
  /** Labels detection attached, by label and by each rule that fired. */
  detectionLabels: Counter<'label' | 'rule'>;
  /** Case events: opened, approved, dismissed, reinstated, appealed. */
  cases: Counter<'event'>;
  /** Enforcement actions carried out, by kind (restrict, suspend, revoke, throttle, lift, ...). */
  enforcementActions: Counter<'action'>;
  /** Webhook delivery attempts by target kind (ops, customer) and result (delivered, failed, dead). */
  webhookDeliveries: Counter<'target' | 'result'>;
}

export interface GatewayMetrics {
  registry: Registry;
  /** Labels api, endpoint, status, code. */
  requests: CounterFamily;
  /** Labels api, stream. */
  duration: HistogramFamily;
  /** Label api. */
  ttfb: HistogramFamily;
  upstreamErrors: Counter<'upstream' | 'code'>;
  /** Calls to each upstream by outcome: `ok` (its answer went to the client), `retried` (failed before any byte reached the client, another member was tried), `failed` (failed, nothing left to try). */
  upstreamAttempts: CounterFamily;
  /** 1 while a pool member is in rotation, 0 while ejected by passive health. */
  upstreamHealthy: Gauge<'upstream'>;
  /** Times a pool member was ejected after consecutive failures. */
  upstreamEjections: Counter<'upstream'>;
  eventsDropped: Counter<string>;
  /** Labels api, direction. */
  tokens: CounterFamily;
  /** Events an event consumer (trace writer, detection, metering, streams publisher) failed on and skipped. */
  consumerFailures: Counter<'consumer'>;
  /** Times an event consumer's loop died and was started again. */
  consumerRestarts: Counter<'consumer'>;
  /** Make `moat_events_dropped_total` report the queue's own drop counter. */
  watchQueueDrops(dropped: () => number): void;
  /** Make `moat_consumer_events_dropped_total{consumer}` report one consumer queue's drop counter. */
  watchConsumerDrops(consumer: string, dropped: () => number): void;
  /** Per-request metrics by model, upstream and outcome; what the hot path records a finished request with. */
  byModel: RequestMetrics;
  operations: OperationsMetrics;
}

export function createMetrics(opts: { defaultMetrics?: boolean } & RequestMetricsOptions = {}): GatewayMetrics {
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
  const consumerDrops = new Map<string, () => number>();
  new Counter({
    name: 'moat_consumer_events_dropped_total',
    help: "Request events dropped because one consumer's bounded queue was full (detection, trace writer, ...).",
    labelNames: ['consumer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [consumer, dropped] of consumerDrops) this.inc({ consumer }, dropped());
    },
  });
  const api = {
    requests: new CounterFamily('moat_requests_total', 'Finished front-door requests.', ['api', 'endpoint', 'status', 'code'], registry),
    duration: new HistogramFamily('moat_request_duration_seconds', 'Time from request arrival to the end of the response.', ['api', 'stream'], LATENCY_BUCKETS, registry),
    ttfb: new HistogramFamily('moat_time_to_first_byte_seconds', 'Time from request arrival to the first response body byte sent to the client.', ['api'], LATENCY_BUCKETS, registry),
    tokens: new CounterFamily('moat_tokens_total', 'Metered tokens by direction (input, output).', ['api', 'direction'], registry),
  } as const;
  return {
    registry,
    ...api,
    upstreamAttempts: new CounterFamily('moat_upstream_requests_total', 'Calls to each upstream by outcome (ok, retried, failed).', ['upstream', 'outcome'], registry),
    upstreamHealthy: new Gauge({ name: 'moat_upstream_healthy', help: 'Whether a pool member is in rotation (1) or ejected by passive health (0).', labelNames: ['upstream'], registers: [registry] }),
    upstreamEjections: new Counter({ name: 'moat_upstream_ejections_total', help: 'Times a pool member was ejected after consecutive failures.', labelNames: ['upstream'], registers: [registry] }),
    byModel: new RequestMetrics(registry, api, opts),
    operations: {
      detectionLabels: new Counter({ name: 'moat_detection_labels_total', help: 'Labels detection attached to orgs, by label and by each rule that fired.', labelNames: ['label', 'rule'], registers: [registry] }),
      cases: new Counter({ name: 'moat_cases_total', help: 'Case events: opened, approved, dismissed, reinstated, appealed.', labelNames: ['event'], registers: [registry] }),
      enforcementActions: new Counter({ name: 'moat_enforcement_actions_total', help: 'Enforcement actions carried out, by kind.', labelNames: ['action'], registers: [registry] }),
      webhookDeliveries: new Counter({ name: 'moat_webhook_deliveries_total', help: 'Webhook delivery attempts by target (ops, customer) and result (delivered, failed: retried later, dead: moved to the dead letters).', labelNames: ['target', 'result'], registers: [registry] }),
    },
    upstreamErrors: new Counter({ name: 'moat_upstream_errors_total', help: 'Upstream failures by upstream and Moat error code.', labelNames: ['upstream', 'code'], registers: [registry] }),
    consumerFailures: new Counter({ name: 'moat_consumer_event_failures_total', help: 'Events an event consumer failed on and skipped (the consumer keeps going).', labelNames: ['consumer'], registers: [registry] }),
    consumerRestarts: new Counter({ name: 'moat_consumer_restarts_total', help: 'Times an event consumer died and was restarted.', labelNames: ['consumer'], registers: [registry] }),
    eventsDropped,
    watchQueueDrops(dropped) {
      droppedSource = dropped;
    },
    watchConsumerDrops(consumer, dropped) {
      consumerDrops.set(consumer, dropped);
    },
  };
}
