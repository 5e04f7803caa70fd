// One model call's state as it moves through the hot path: authentication, body, route, decision, limits,
// the upstream relay, and finally the request event. Plain data; the steps that fill it live beside it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { UpstreamConfig } from '../config/schema.js';
import type { MoatError } from '../errors/moat-error.js';
import type { WireApi } from '../errors/wire-format.js';
import type { LimitTicket } from '../limits/limiter.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { DoorKind, FrontDoor } from './front-doors.js';
import { nextRequestId } from './request-id.js';
import { idleActivity, type UpstreamActivity } from './upstream-deadlines.js';
import type { UsageMeter } from './usage-meter.js';
import type { RequestTrace } from '../ops/otlp-tracer.js';

export interface Exchange {
  id: string;
  api: WireApi;
  endpoint: string;
  /** The door's kind: which request shape it takes and where its usage is read. */
  kind: DoorKind;
  req: IncomingMessage;
  res: ServerResponse;
  startPerf: number;
  startMs: number;
  ip: string;
  orgId?: string;
  keyId?: string;
  /** The org's tier (metrics label when allow-listed). */
  tier?: string;
  /** What the policy decided, once it ran. */
  decision?: 'allow' | 'deny';
  /** The limit that refused the call, when one did. */
  limit?: string;
  /** Trace context, only when tracing is on (telemetry.otlp.endpoint). */
  trace?: RequestTrace;
  body?: Record<string, unknown>;
  /** The body's JSON text as received, kept only when a trace file is written (see RequestEvent.bodyJson). */
  bodyText?: string | undefined;
  /** Bytes of the request body as received. */
  bodyBytes: number;
  model: string;
  stream: boolean;
  facts?: RequestFacts;
  tags: string[];
  upstream?: UpstreamConfig;
  ticket?: LimitTicket;
  meter?: UsageMeter;
  /** Org and key of a known key that was refused before the org and key were accepted (disabled, expired). */
  refusedOwner?: { orgId: string; keyId: string };
  upstreamCalled: boolean;
  ttfbMs?: number;
  status: number;
  errorCode?: string;
  clientGone: boolean;
  /** Set to end the exchange early (org revoked, shutdown); streams stop at the next chunk. */
  stopWith?: MoatError;
  /** Cancels the upstream call in progress (client gone, org denied, shutdown, upstream timeout). */
  abort?: () => void;
  /** What the upstream call waits for and since when: the deadline sweep reads it (upstream-deadlines.ts). */
  upstreamActivity: UpstreamActivity;
}

export function newExchange(req: IncomingMessage, res: ServerResponse, door: FrontDoor, startMs: number, trustProxy: boolean): Exchange {
  return {
    id: nextRequestId(),
    api: door.api,
    endpoint: door.endpoint,
    kind: door.kind,
    req,
    res,
    startPerf: performance.now(),
    startMs,
    ip: clientIp(req, trustProxy),
    bodyBytes: 0,
    model: '',
    stream: false,
    tags: [],
    upstreamCalled: false,
    status: 0,
    clientGone: false,
    upstreamActivity: idleActivity(),
  };
}

/**
 * Lets go of everything a finished exchange reaches: its request and response objects, body, facts, meter,
 * limit ticket and upstream call. Something can still point at the exchange after its request is done (its
 * response, a closure of its call), and under load that something is sometimes an object already moved to the
 * old generation and dead there: young collections treat its pointers as live until the next full collection,
 * so every object the exchange reached was copied and then promoted with it. In 17 of 22 saturation runs a third
 * of all allocation was promoted that way (about 10 KB per request, scavenges of 8–12 ms, a full collection every
 * 2–3 s); released, in none of 20 (BENCHMARKS.md, "Promoted request graphs"). The exchange must not be used after this.
 */
export function releaseExchange(x: Exchange): void {
  const r = x as Partial<Exchange>;
  r.req = undefined;
  r.res = undefined;
  r.body = undefined;
  r.bodyText = undefined;
  r.facts = undefined;
  r.meter = undefined;
  r.ticket = undefined;
  r.abort = undefined;
  r.trace = undefined;
  r.upstreamActivity = undefined;
}

/** Headers of a successful (or passed-through) answer: content type, request id, rate-limit headers. One object, written once. */
export function successHeaders(x: Exchange, ctype: string): Record<string, string> {
  const h: Record<string, string> = { 'content-type': ctype, 'x-request-id': x.id };
  const t = x.ticket;
  if (t?.writeHeaders) t.writeHeaders(h);
  else if (t) Object.assign(h, t.headers);
  if (x.api === 'anthropic') h['request-id'] = x.id;
  return h;
}

/** The caller's address: the first `x-forwarded-for` hop behind a trusted proxy, else the socket's peer. */
export function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}
