// The request event of a finished model call, built from the exchange: a pure function, so what detection and
// the trace see is testable without a server.
import type { RequestEvent } from '../events/request-event.js';
import type { TraceUsage } from '../events/trace-format.js';
import type { Exchange } from './exchange.js';

/** Request headers recorded on events (policy and detection use them); never auth headers. */
const EVENT_HEADERS = ['moat-purpose', 'anthropic-beta', 'anthropic-version'] as const;

export type AuthenticatedExchange = Exchange & { orgId: string; keyId: string };

export function buildRequestEvent(x: AuthenticatedExchange, usage: TraceUsage, latencyMs: number): RequestEvent {
  const headers: Record<string, string> = {};
  for (const h of EVENT_HEADERS) {
    const v = x.req.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const ua = x.req.headers['user-agent'];
  const ev: RequestEvent = {
    id: x.id,
    ts: new Date(x.startMs).toISOString(),
    orgId: x.orgId,
    keyId: x.keyId,
    model: x.model,
    api: x.api,
    endpoint: x.endpoint,
    stream: x.stream,
    client: typeof ua === 'string' ? { ip: x.ip, userAgent: ua } : { ip: x.ip },
    headers,
    body: x.body ?? null,
    requestBytes: x.bodyBytes,
    status: x.status,
    usage,
    responseText: x.meter?.responseText() ?? '',
    latencyMs,
    tags: x.tags,
  };
  if (x.bodyText !== undefined) ev.bodyJson = x.bodyText;
  if (x.facts?.purpose !== undefined) ev.purpose = x.facts.purpose;
  if (x.errorCode !== undefined) ev.errorCode = x.errorCode;
  if (x.ttfbMs !== undefined) ev.ttfbMs = x.ttfbMs;
  if (x.upstream) ev.upstream = x.upstream.name;
  if (x.upstreamCalled) ev.upstreamCalled = true;
  return ev;
}
