// Spans of the gateway's requests, exported with OTLP/HTTP in its JSON encoding
// (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): a bounded in-memory queue, sent in
// batches every `flushMs` or when a batch is full, one export in flight at a time. A full queue or a failed
// export drops spans and counts them; the hot path only appends to an array. Made only when
// `telemetry.otlp.endpoint` is set: with tracing off there is no tracer and the hot path skips it entirely.
import { Counter, type Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { newSpanId, newTraceId, parseTraceparent } from './trace-context.js';

export type AttributeValue = string | number | boolean;

/** The trace context of one request: continued from the caller's `traceparent` or new. */
export interface RequestTrace {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  sampled: boolean;
  /** The caller's `tracestate`, forwarded unchanged. */
  tracestate?: string;
}

export interface FinishedSpan {
  trace: RequestTrace;
  name: string;
  kind: 'server' | 'client' | 'internal';
  startMs: number;
  durationMs: number;
  attributes: ReadonlyArray<readonly [string, AttributeValue]>;
  error?: string;
}

export interface OtlpTracerOptions {
  endpoint: string;
  headers?: Record<string, string>;
  serviceName: string;
  serviceVersion?: string;
  batchSize: number;
  queueSize: number;
  flushMs: number;
  timeoutMs: number;
  registry?: Registry;
  logger?: Logger;
  fetch?: typeof fetch;
}

const KIND = { internal: 1, server: 2, client: 3 } as const;

function otlpValue(v: AttributeValue): Record<string, unknown> {
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
}

/** Nanoseconds since the epoch as the decimal string OTLP JSON carries for fixed64 fields. */
function nanos(ms: number): string {
  const whole = Math.floor(ms);
  return (BigInt(whole) * 1_000_000n + BigInt(Math.round((ms - whole) * 1e6))).toString();
}

/** One export request body for `spans` (exported for tests and the receiver in them). */
export function otlpTraceRequest(spans: readonly FinishedSpan[], resource: { serviceName: string; serviceVersion?: string }): Record<string, unknown> {
  return {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: resource.serviceName } }, ...(resource.serviceVersion ? [{ key: 'service.version', value: { stringValue: resource.serviceVersion } }] : [])] },
        scopeSpans: [
          {
            scope: { name: 'moat-gateway', ...(resource.serviceVersion ? { version: resource.serviceVersion } : {}) },
            spans: spans.map((s) => ({
              traceId: s.trace.traceId,
              spanId: s.trace.spanId,
              ...(s.trace.parentSpanId ? { parentSpanId: s.trace.parentSpanId } : {}),
              ...(s.trace.tracestate ? { traceState: s.trace.tracestate } : {}),
              name: s.name,
              kind: KIND[s.kind],
              startTimeUnixNano: nanos(s.startMs),
              endTimeUnixNano: nanos(s.startMs + s.durationMs),
              attributes: s.attributes.map(([key, value]) => ({ key, value: otlpValue(value) })),
              status: s.error === undefined ? { code: 0 } : { code: 2, message: s.error },
            })),
          },
        ],
      },
    ],
  };
}

export class OtlpTracer {
  private queue: FinishedSpan[] = [];
  private inFlight: Promise<void> | undefined;
  private readonly timer: NodeJS.Timeout;
  private readonly exported: Counter;
  private readonly dropped: Counter;
  private readonly send: typeof fetch;

  constructor(private readonly o: OtlpTracerOptions) {
    this.send = o.fetch ?? fetch;
    const registers = o.registry ? [o.registry] : [];
    this.exported = new Counter({ name: 'moat_trace_spans_exported_total', help: 'Spans accepted by the OTLP endpoint.', registers });
    this.dropped = new Counter({ name: 'moat_trace_spans_dropped_total', help: 'Spans not exported: queue_full (the export queue was full) or export_failed.', labelNames: ['reason'], registers });
    this.timer = setInterval(() => void this.flush(), o.flushMs);
    this.timer.unref();
  }

  /** The request's trace context: the caller's trace continued (this span its child) or a new trace. */
  startRequest(traceparent: string | string[] | undefined, tracestate: string | string[] | undefined): RequestTrace {
    const parent = parseTraceparent(traceparent);
    if (!parent) return { traceId: newTraceId(), spanId: newSpanId(), sampled: true };
    return { traceId: parent.traceId, spanId: newSpanId(), parentSpanId: parent.spanId, sampled: parent.sampled, ...(typeof tracestate === 'string' && tracestate.length <= 512 ? { tracestate } : {}) };
  }

  /** Queues a finished span (unless its trace is not sampled). Never blocks, never throws. */
  record(span: FinishedSpan): void {
    if (!span.trace.sampled) return;
    if (this.queue.length >= this.o.queueSize) {
      this.dropped.inc({ reason: 'queue_full' });
      return;
    }
    this.queue.push(span);
    if (this.queue.length >= this.o.batchSize && !this.inFlight) void this.flush();
  }

  /** Exports what is queued, one batch at a time. */
  flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return this.inFlight ?? Promise.resolve();
    this.inFlight = (async () => {
      while (this.queue.length) {
        const batch = this.queue.splice(0, this.o.batchSize);
        await this.export(batch);
      }
    })().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async export(batch: FinishedSpan[]): Promise<void> {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), this.o.timeoutMs);
    try {
      const res = await this.send(this.o.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...this.o.headers },
        body: JSON.stringify(otlpTraceRequest(batch, { serviceName: this.o.serviceName, ...(this.o.serviceVersion ? { serviceVersion: this.o.serviceVersion } : {}) })),
        signal: ctrl.signal,
      });
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      this.exported.inc(batch.length);
    } catch (err) {
      this.dropped.inc({ reason: 'export_failed' }, batch.length);
      this.o.logger?.warn({ err, spans: batch.length }, 'trace export failed');
    } finally {
      clearTimeout(t);
    }
  }

  /** Stops the timer and exports what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
