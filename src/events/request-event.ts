// The one event every finished request yields. The hot path builds it and hands it to a bounded queue;
// detection, the trace writer and enforcement consume it.
import type { TraceRequestLine, TraceUsage } from './trace-format.js';

export interface RequestEvent {
  id: string;
  /** ISO time the request arrived. */
  ts: string;
  orgId: string;
  keyId: string;
  model: string;
  api: 'openai' | 'anthropic';
  endpoint: string;
  stream: boolean;
  purpose?: string;
  client: { ip: string; userAgent?: string };
  /** Request headers that matter to policy and detection (moat-purpose, anthropic-beta), never auth headers. */
  headers: Record<string, string>;
  body: unknown;
  /**
   * The body's JSON text as the client sent it, when kept (a trace file is written): the trace line carries it
   * instead of stringifying `body` again (the same object when parsed: duplicate keys and invalid UTF-8 are refused).
   */
  bodyJson?: string;
  /** Size of the request body as received, in bytes (bounds queued memory; see eventBytes). */
  requestBytes?: number;
  status: number;
  errorCode?: string;
  usage: TraceUsage;
  /** Response text, capped at events.responseTextCap characters. */
  responseText: string;
  latencyMs: number;
  ttfbMs?: number;
  /** Policy tags attached at admission (e.g. "grant:safety_evaluation"). */
  tags: string[];
  upstream?: string;
  /** Set when the upstream was called (an error after that is the model server's, not a refusal). */
  upstreamCalled?: boolean;
  /** Set on the events of a batch's items: the batch and the item's custom_id (the item was not a call of its own). */
  batch?: { id: string; customId: string };
}

/**
 * Estimated memory an event holds: its parsed body (about twice the bytes received: object overhead, two-byte
 * strings), the body's text when kept and the response text (two bytes a character), plus the fixed fields.
 * Queues bound themselves by it.
 */
export function eventBytes(e: RequestEvent): number {
  return 2 * (e.requestBytes ?? 0) + 2 * e.responseText.length + 2 * (e.bodyJson?.length ?? 0) + 1024;
}

/** The event as a trace line, as the trace file keeps it (response text capped at `events.responseTextCap`). */
export function toTraceLine(e: RequestEvent, o: { responseText: boolean } = { responseText: true }): TraceRequestLine {
  const response: NonNullable<TraceRequestLine['response']> = { status: e.status, usage: e.usage, latency_ms: Math.round(e.latencyMs) };
  if (o.responseText) response.text = e.responseText;
  const line: TraceRequestLine = {
    type: 'request',
    id: e.id,
    ts: e.ts,
    org: e.orgId,
    key: e.keyId,
    client: e.client.userAgent ? { ip: e.client.ip, user_agent: e.client.userAgent } : { ip: e.client.ip },
    api: e.api,
    endpoint: e.endpoint,
    body: e.body,
    response,
  };
  if (Object.keys(e.headers).length) line.headers = e.headers;
  if (e.batch) line.batch = { id: e.batch.id, custom_id: e.batch.customId };
  return line;
}

/**
 * The trace line's JSON text (one line). With the body's text kept, that text is spliced in as received rather
 * than `body` stringified again: most of a line's bytes, and most of the trace writer's work, are the body. Its
 * line breaks can only be whitespace between tokens (JSON strings escape them), so they become spaces.
 */
export function traceLineJson(e: RequestEvent): string {
  const line = toTraceLine(e);
  if (e.bodyJson === undefined) return JSON.stringify(line);
  line.body = undefined; // left out by JSON.stringify, spliced in below
  const text = e.bodyJson.includes('\n') || e.bodyJson.includes('\r') ? e.bodyJson.replace(/[\r\n]/g, ' ') : e.bodyJson;
  return `${JSON.stringify(line).slice(0, -1)},"body":${text}}`;
}

/**
 * The event as detection is handed it (its worker thread, Redis Streams): without the response text, which
 * detection never reads and which would be most of what is copied or sent per event.
 */
export function toDetectionLine(e: RequestEvent): TraceRequestLine {
  return toTraceLine(e, { responseText: false });
}
