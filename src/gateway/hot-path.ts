// The gateway's hot path on plain node:http: the model front doors (OpenAI chat completions, Anthropic messages,
// model lists) plus health and metrics. Per request it reads only memory (policy view, limiter fast path) and
// relays the upstream's response chunk by chunk. Everything else (admin API, console) is routed by the caller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MoatConfig, UpstreamConfig } from '../config/schema.js';
import type { PolicySnapshot, PolicyViewReader } from '../view/policy-snapshot.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { Decision } from '../policy/decision.js';
import type { Limiter, LimitInspector, LimitTicket } from '../limits/limiter.js';
import { describeLimits } from '../limits/describe-limits.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { RequestEvent } from '../events/request-event.js';
import type { UsageAggregator } from '../metering/usage-aggregator.js';
import { usageOutcome } from '../metering/usage-outcome.js';
import type { Logger } from '../ops/logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { Clock } from '../ops/clock.js';
import { healthBody, readinessBody, type Readiness } from '../ops/health.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import { renderError, renderStreamError, type RenderedError, type WireApi } from '../errors/wire-format.js';
import { authenticate, presentedKey } from './authenticate.js';
import { extractFacts } from './extract-facts.js';
import { createModelRouter } from './model-route.js';
import { renderModelList } from './models-list.js';
import { isJsonContentType, readBody } from './read-body.js';
import { parseJsonBody } from './parse-json-body.js';
import { discardRestOfBody } from './discard-body.js';
import { checkRequestShape } from './request-schema.js';
import { SseParser } from './sse-parser.js';
import { UsageMeter } from './usage-meter.js';
import { createUpstreamPools, requestBuffered, upstreamError, upstreamPath } from './upstream-client.js';
import { KeyHashCache } from './key-hash-cache.js';
import { staleViewDenial } from './stale-view.js';
import { nextRequestId } from './request-id.js';
import { callerApi } from './caller-api.js';

export interface HotPathDeps {
  config: MoatConfig;
  view: PolicyViewReader;
  decide(facts: RequestFacts, snapshot: PolicySnapshot): Decision;
  limiter: Limiter;
  /** Answers `GET /v1/moat/limits` (the key's own limits and remaining quota); both limiters implement it. */
  limitInspector?: LimitInspector;
  events: BoundedQueue<RequestEvent>;
  usage: UsageAggregator;
  logger: Logger;
  metrics: GatewayMetrics;
  clock: Clock;
  /** Readiness beyond draining (e.g. "policy view loaded"); ready when omitted. */
  readiness?: () => Readiness;
  /** Where upstream credentials (`apiKeyEnv`) are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
}

export interface HotPath {
  /** Serves hot-path routes and returns true; returns false (touching nothing) for any other route. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops accepting (503 shutting_down), lets in-flight requests finish for up to graceMs, then ends the rest. */
  drain(graceMs: number): Promise<void>;
  /** Ends every in-flight request of the org: streams at their next chunk with an SSE error event. Returns how many. */
  abortOrgStreams(orgId: string, error: MoatError): number;
  /** Requests currently in flight. */
  readonly inFlight: number;
  /** Closes upstream connection pools (after drain). */
  close(): Promise<void>;
}

/** Per-request state, shared by the steps of one exchange. */
interface Exchange {
  id: string;
  api: WireApi;
  endpoint: string;
  req: IncomingMessage;
  res: ServerResponse;
  startPerf: number;
  startMs: number;
  ip: string;
  orgId?: string;
  keyId?: string;
  body?: Record<string, unknown>;
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
  /** Cancels the upstream call in progress (client gone, org denied, shutdown). */
  abort?: () => void;
}

const FRONT_DOORS: Record<string, { api: WireApi; endpoint: string }> = {
  'POST /v1/chat/completions': { api: 'openai', endpoint: '/v1/chat/completions' },
  'POST /v1/messages': { api: 'anthropic', endpoint: '/v1/messages' },
};

/** Request headers recorded on events (policy and detection use them); never auth headers. */
const EVENT_HEADERS = ['moat-purpose', 'anthropic-beta', 'anthropic-version'] as const;
/** Upstream response headers worth passing to the client on errors it should act on. */
const PASSTHROUGH_ERROR_HEADERS = ['retry-after', 'x-should-retry'] as const;
/** Upstream response headers a buffered (non-streaming) call keeps. */
const BUFFERED_RESPONSE_HEADERS = ['content-type', ...PASSTHROUGH_ERROR_HEADERS] as const;

export function createHotPath(deps: HotPathDeps): HotPath {
  const { config, view, limiter, events, usage, logger, metrics, clock } = deps;
  const env = deps.env ?? process.env;
  const router = createModelRouter(config.upstreams);
  const pools = createUpstreamPools();
  const keyHashes = new KeyHashCache();
  const jsonLimits = { maxDepth: config.server.maxJsonDepth };
  const lingerLimits = { maxBytes: config.server.lingerBytes, maxMs: config.server.lingerMs };
  const targets = new Map<UpstreamConfig, { pathPrefix: string; headers: Record<string, string> }>();
  const inflight = new Set<Exchange>();
  let draining = false;
  let drained: (() => void) | undefined;

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const door = FRONT_DOORS[`${req.method} ${path}`];
    if (door) {
      void serveModelCall(newExchange(req, res, door.api, door.endpoint));
      return true;
    }
    const get = req.method === 'GET' || req.method === 'HEAD';
    switch (path) {
      case '/v1/models':
        if (get) serveModels(req, res);
        else refuse(req, res, path, new MoatError('method_not_allowed', `${req.method} is not allowed on ${path}; use GET.`, { headers: { allow: 'GET, HEAD' } }));
        return true;
      case '/v1/moat/limits':
        if (get) void serveLimits(req, res);
        else refuse(req, res, path, new MoatError('method_not_allowed', `${req.method} is not allowed on ${path}; use GET.`, { headers: { allow: 'GET, HEAD' } }));
        return true;
      case '/v1/chat/completions':
      case '/v1/messages':
        refuse(req, res, path, new MoatError('method_not_allowed', `${req.method} is not allowed on ${path}; use POST.`, { headers: { allow: 'POST' } }));
        return true;
    }
    // Everything under /v1/ is the model API's namespace: unknown routes answer in the caller's format.
    if (path.startsWith('/v1/') || path === '/v1') {
      refuse(req, res, path, new MoatError('not_found', `No endpoint ${req.method} ${path.slice(0, 200)}.`));
      return true;
    }
    if (!get) return false;
    switch (path) {
      case '/healthz':
        sendJson(res, 200, healthBody());
        return true;
      case '/readyz': {
        const r = draining ? { ready: false, reason: 'shutting down' } : (deps.readiness?.() ?? { ready: true });
        const out = readinessBody(r);
        sendJson(res, out.status, out.body);
        return true;
      }
      case '/metrics':
        void metrics.registry.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': metrics.registry.contentType });
            res.end(text);
          },
          (e: unknown) => {
            logger.error({ err: e }, 'metrics collection failed');
            res.writeHead(500).end();
          },
        );
        return true;
      default:
        return false;
    }
  }

  /** An error outside the front doors, in the caller's format; a request body is discarded (bounded). */
  function refuse(req: IncomingMessage, res: ServerResponse, path: string, err: MoatError): void {
    sendUnreadBodyError(req, res, renderError(callerApi(req.headers, path), err, nextRequestId()));
  }

  /**
   * Answers a request whose body Moat will not use: the rest is read and discarded (up to the linger bounds)
   * so the caller, perhaps still uploading, reads the answer; a body declared past the bounds closes the
   * connection after the answer instead.
   */
  function sendUnreadBodyError(req: IncomingMessage, res: ServerResponse, rendered: RenderedError): void {
    // A caller waiting for `100 Continue` that was never sent (body over the limit) will not send the body.
    const uninvited = /100-continue/i.test(req.headers.expect ?? '') && Number(req.headers['content-length']) > config.server.bodyLimitBytes;
    if (uninvited || !discardRestOfBody(req, lingerLimits)) {
      rendered.headers.connection = 'close';
      res.once('finish', () => req.destroy());
    }
    sendRendered(res, rendered);
  }

  function newExchange(req: IncomingMessage, res: ServerResponse, api: WireApi, endpoint: string): Exchange {
    return {
      id: nextRequestId(),
      api,
      endpoint,
      req,
      res,
      startPerf: performance.now(),
      startMs: clock.now(),
      ip: clientIp(req, config.server.trustProxy),
      bodyBytes: 0,
      model: '',
      stream: false,
      tags: [],
      upstreamCalled: false,
      status: 0,
      clientGone: false,
    };
  }

  /**
   * The common start of the small GET routes: the caller's wire format (Anthropic when it sends
   * `anthropic-version` or `x-api-key`), a request id, and authentication from the in-memory view.
   */
  function authenticateSideRoute(req: IncomingMessage, snapshot: PolicySnapshot, now: number) {
    return { api: callerApi(req.headers), id: nextRequestId(), auth: authenticate(presentedKey(req.headers), snapshot, now, keyHashes) };
  }

  function sendOk(res: ServerResponse, api: WireApi, id: string, body: string): void {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': id };
    if (api === 'anthropic') headers['request-id'] = id;
    sendRendered(res, { status: 200, headers, body });
  }

  function serveModels(req: IncomingMessage, res: ServerResponse): void {
    const { api, id, auth } = authenticateSideRoute(req, view.current(), clock.now());
    if (!auth.ok) return sendRendered(res, renderError(api, auth.error, id));
    sendOk(res, api, id, renderModelList(api, router.listedModels()));
  }

  /** Self-service: the caller's own limits and remaining quota, read without consuming anything. */
  async function serveLimits(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = clock.now();
    const snapshot = view.current();
    const { api, id, auth } = authenticateSideRoute(req, snapshot, now);
    if (!auth.ok) return sendRendered(res, renderError(api, auth.error, id));
    try {
      if (!deps.limitInspector) throw new MoatError('not_found', 'This gateway does not expose limits.');
      const grantIds = (snapshot.grantsByOrg.get(auth.org.id) ?? []).map((g) => g.id);
      const subject = { orgId: auth.org.id, keyId: auth.key.id, tier: auth.org.tier, grantIds, orgAttributes: auth.org.attributes, now };
      sendOk(res, api, id, JSON.stringify(describeLimits(subject, await deps.limitInspector.peek(subject), now)));
    } catch (e) {
      const err = isMoatError(e) ? e : new MoatError('internal_error', undefined, { cause: e });
      if (!isMoatError(e)) logger.error({ err: e, requestId: id }, 'limits listing failed');
      sendRendered(res, renderError(api, err, id));
    }
  }

  async function serveModelCall(x: Exchange): Promise<void> {
    inflight.add(x);
    x.res.on('close', () => {
      if (!x.res.writableFinished) {
        x.clientGone = true;
        x.abort?.();
      }
    });
    try {
      if (draining) throw new MoatError('shutting_down');
      const snapshot = view.current();
      const auth = authenticate(presentedKey(x.req.headers), snapshot, x.startMs, keyHashes);
      if (!auth.ok) {
        if (auth.owner) x.refusedOwner = auth.owner;
        throw auth.error;
      }
      x.orgId = auth.org.id;
      x.keyId = auth.key.id;
      if (!isJsonContentType(x.req.headers['content-type']))
        throw new MoatError('unsupported_media_type', `Content-Type must be application/json (UTF-8), got ${x.req.headers['content-type'] ?? 'none'}.`);
      const raw = await readBody(x.req, config.server.bodyLimitBytes);
      x.bodyBytes = raw.length;
      const body = parseJsonBody(raw, jsonLimits);
      x.body = body;
      if (typeof body.model !== 'string' || body.model === '')
        throw new MoatError('invalid_request', '`model` must be a non-empty string.', { param: 'model' });
      checkRequestShape(x.api, body);
      x.model = body.model;
      x.stream = body.stream === true;
      const upstream = router.route(x.model);
      if (!upstream) throw new MoatError('unknown_model', `No upstream serves model "${x.model}".`, { param: 'model' });
      if (upstream.api !== x.api)
        throw new MoatError(
          'api_mismatch',
          `Model "${x.model}" is served by an ${upstream.api} upstream; call it through ${upstream.api === 'openai' ? '/v1/chat/completions' : '/v1/messages'}.`,
          { param: 'model' },
        );
      x.upstream = upstream;
      const facts = extractFacts({ api: x.api, endpoint: x.endpoint, body, headers: x.req.headers, orgId: x.orgId, keyId: x.keyId, ip: x.ip, now: x.startMs });
      x.facts = facts;
      const decision = deps.decide(facts, snapshot);
      if (!decision.allow)
        throw new MoatError(decision.code, decision.message, { retryable: decision.retryable, ...(decision.clause ? { clause: decision.clause } : {}) });
      // What the view says is allowed holds only while the view is recent enough to vouch for it.
      if (view.freshness) {
        const unconfirmed = staleViewDenial(config.view, view.freshness(), auth.org, x.startMs);
        if (unconfirmed) throw unconfirmed;
      }
      x.tags = decision.tags;
      const admitted = await limiter.admit({ facts, tier: auth.org.tier, features: decision.features, orgAttributes: auth.org.attributes, ...(decision.grantId ? { grantId: decision.grantId } : {}) });
      if (!admitted.ok) throw admitted.error;
      x.ticket = admitted.ticket;
      if (x.stopWith) throw x.stopWith;
      if (x.clientGone) return;
      await callUpstream(x, upstream, raw);
    } catch (e) {
      fail(x, e);
    } finally {
      finish(x);
    }
  }

  async function callUpstream(x: Exchange, up: UpstreamConfig, raw: Buffer): Promise<void> {
    const body = x.body as Record<string, unknown>;
    let payload: Buffer | string = raw;
    // Metering needs the final usage chunk; when the client did not ask for it we do, and hide it again.
    let stripUsageChunk = false;
    if (x.api === 'openai' && x.stream) {
      const so = body.stream_options;
      const asked = typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true;
      if (!asked) {
        payload = JSON.stringify({ ...body, stream_options: { ...(typeof so === 'object' && so !== null ? so : {}), include_usage: true } });
        stripUsageChunk = true;
      }
    }
    const target = upstreamTarget(up);
    const headers: Record<string, string> = { ...target.headers, accept: x.stream ? 'text/event-stream' : 'application/json' };
    for (const h of ['anthropic-version', 'anthropic-beta'] as const) {
      const v = x.req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const url = x.req.url ?? '';
    const q = url.indexOf('?');
    const path = target.pathPrefix + x.endpoint + (q >= 0 ? url.slice(q) : '');
    x.meter = new UsageMeter(x.api, config.events.responseTextCap);
    x.upstreamCalled = true;
    if (!x.stream) return callBuffered(x, up, path, headers, payload);
    const abort = new AbortController();
    x.abort = () => abort.abort();
    let resp;
    try {
      resp = await pools.pool(up).request({ method: 'POST', path, headers, body: payload, signal: abort.signal });
    } catch (e) {
      if (x.clientGone) return;
      if (x.stopWith) throw x.stopWith;
      throw upstreamError(e, 'headers', up.name);
    }
    const ctype = String(resp.headers['content-type'] ?? '');
    if (resp.statusCode < 200 || resp.statusCode >= 300) return passThroughError(x, resp.statusCode, ctype, resp.headers, await readAll(x, resp.body, up));
    if (!ctype.includes('text/event-stream')) {
      resp.body.on('error', () => {}).destroy();
      throw new MoatError('upstream_bad_response', `The model server answered a streaming request with ${ctype || 'no content type'} instead of an event stream.`);
    }
    return relayStream(x, resp.statusCode, ctype, resp.body, stripUsageChunk);
  }

  /** Non-streaming: the whole upstream body in memory, metered, then one write to the client. */
  async function callBuffered(x: Exchange, up: UpstreamConfig, path: string, headers: Record<string, string>, payload: Buffer | string): Promise<void> {
    const call = requestBuffered(pools.pool(up), { path, headers, body: payload }, up.name, BUFFERED_RESPONSE_HEADERS);
    x.abort = call.abort;
    let resp;
    try {
      resp = await call.response;
    } catch (e) {
      if (x.clientGone) return;
      if (x.stopWith) throw x.stopWith;
      throw e;
    }
    if (x.clientGone) return;
    const ctype = resp.headers['content-type'] ?? '';
    if (resp.status < 200 || resp.status >= 300) return passThroughError(x, resp.status, ctype, resp.headers, resp.body);
    let parsed: unknown;
    try {
      parsed = JSON.parse(resp.body.toString('utf8'));
    } catch {
      throw new MoatError('upstream_bad_response', 'The model server answered with a body that is not JSON.');
    }
    (x.meter as UsageMeter).observeBody(parsed);
    if (x.stopWith) throw x.stopWith;
    x.status = resp.status;
    x.ttfbMs = performance.now() - x.startPerf;
    const out = successHeaders(x, ctype || 'application/json');
    out['content-length'] = String(resp.body.length);
    x.res.writeHead(resp.status, out);
    x.res.end(resp.body);
  }

  /** Per upstream, computed once: the base URL's path prefix and the headers every call carries. */
  function upstreamTarget(up: UpstreamConfig): { pathPrefix: string; headers: Record<string, string> } {
    let t = targets.get(up);
    if (!t) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const credential = up.apiKeyEnv ? env[up.apiKeyEnv] : undefined;
      if (credential) {
        if (up.api === 'anthropic') headers['x-api-key'] = credential;
        else headers.authorization = `Bearer ${credential}`;
      }
      t = { pathPrefix: upstreamPath(up, ''), headers };
      targets.set(up, t);
    }
    return t;
  }

  /** Reads a whole (non-streaming) upstream body. Returns undefined if the client went away meanwhile. */
  async function readAll(x: Exchange, body: NodeJS.ReadableStream, up: UpstreamConfig): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of body) chunks.push(c as Buffer);
    } catch (e) {
      if (x.clientGone) return undefined;
      if (x.stopWith) throw x.stopWith;
      throw upstreamError(e, 'body', up.name);
    }
    return Buffer.concat(chunks);
  }

  function passThroughError(x: Exchange, status: number, ctype: string, upHeaders: Record<string, string | string[] | undefined>, body: Buffer | undefined): void {
    if (body === undefined) return;
    x.status = status;
    const headers = successHeaders(x, ctype || 'application/json');
    for (const h of PASSTHROUGH_ERROR_HEADERS) {
      const v = upHeaders[h];
      if (typeof v === 'string') headers[h] = v;
    }
    headers['content-length'] = String(body.length);
    x.res.writeHead(status, headers);
    x.res.end(body);
  }

  function relayStream(x: Exchange, status: number, ctype: string, body: NodeJS.ReadableStream & { destroy(): void }, strip: boolean): Promise<void> {
    const { res } = x;
    const meter = x.meter as UsageMeter;
    const parser = new SseParser();
    x.status = status;
    res.writeHead(status, { ...successHeaders(x, ctype), 'cache-control': 'no-cache' });
    return new Promise<void>((resolve) => {
      let done = false;
      const end = (err?: MoatError) => {
        if (done) return;
        done = true;
        if (err) {
          x.errorCode = err.code;
          if (!res.writableEnded && !x.clientGone) res.end(renderStreamError(x.api, err, x.id));
          if (err.code.startsWith('upstream_')) metrics.upstreamErrors.inc({ upstream: x.upstream?.name ?? '', code: err.code });
        } else if (!res.writableEnded && !x.clientGone) res.end();
        resolve();
      };
      body.on('data', (chunk: Buffer) => {
        if (done) return;
        if (x.stopWith) {
          x.abort?.();
          body.destroy();
          return end(x.stopWith);
        }
        if (x.ttfbMs === undefined) x.ttfbMs = performance.now() - x.startPerf;
        const evs = parser.push(chunk);
        let ok: boolean;
        if (strip) {
          let out = '';
          for (const ev of evs) if (!meter.observeEvent(ev)) out += ev.raw;
          ok = out === '' || res.write(out);
        } else {
          for (const ev of evs) meter.observeEvent(ev);
          ok = res.write(chunk);
        }
        // Backpressure: a slow client pauses the upstream instead of growing our buffers.
        if (!ok) {
          body.pause();
          res.once('drain', () => body.resume());
        }
      });
      body.on('end', () => {
        if (strip) {
          const rest = parser.rest();
          if (rest && !res.writableEnded) res.write(rest);
        }
        end();
      });
      body.on('error', (e: unknown) => {
        if (x.clientGone) return end();
        end(x.stopWith ?? upstreamError(e, 'body', x.upstream?.name ?? ''));
      });
    });
  }

  function successHeaders(x: Exchange, ctype: string): Record<string, string> {
    const h: Record<string, string> = { 'content-type': ctype, 'x-request-id': x.id, ...(x.ticket?.headers ?? {}) };
    if (x.api === 'anthropic') h['request-id'] = x.id;
    return h;
  }

  function fail(x: Exchange, e: unknown): void {
    let err: MoatError;
    if (isMoatError(e)) err = e;
    else {
      logger.error({ err: e, requestId: x.id }, 'unexpected error in hot path');
      err = new MoatError('internal_error');
    }
    x.errorCode = err.code;
    if (err.code.startsWith('upstream_')) {
      metrics.upstreamErrors.inc({ upstream: x.upstream?.name ?? '', code: err.code });
      logger.warn({ requestId: x.id, upstream: x.upstream?.name, code: err.code, cause: (err.cause as Error | undefined)?.message }, 'upstream failure');
    }
    if (x.clientGone) return;
    const { res } = x;
    if (res.headersSent) {
      if (!res.writableEnded) res.end(renderStreamError(x.api, err, x.id));
      return;
    }
    const rendered = renderError(x.api, err, x.id);
    x.status = rendered.status;
    if (x.req.complete) sendRendered(res, rendered);
    else sendUnreadBodyError(x.req, res, rendered);
  }

  function finish(x: Exchange): void {
    inflight.delete(x);
    if (draining && inflight.size === 0) drained?.();
    const latencyMs = performance.now() - x.startPerf;
    if (x.clientGone) x.status = 499; // nginx's "client closed request"
    const inputEstimate = x.facts?.inputTokensEstimate ?? 0;
    const u = x.meter ? x.meter.usage(inputEstimate) : { input_tokens: 0, output_tokens: 0 };
    void x.ticket?.settle({ inputTokens: u.input_tokens, outputTokens: u.output_tokens }).catch((e: unknown) => logger.error({ err: e, requestId: x.id }, 'limit settle failed'));
    metrics.requests.inc({ api: x.api, endpoint: x.endpoint, status: String(x.status), code: x.errorCode ?? '' });
    metrics.duration.observe({ api: x.api, stream: String(x.stream) }, latencyMs / 1000);
    if (x.ttfbMs !== undefined) metrics.ttfb.observe({ api: x.api }, x.ttfbMs / 1000);
    // Every request of a known key is metered under its outcome (an in-memory add; the store write is batched).
    const owner = x.orgId !== undefined && x.keyId !== undefined ? { orgId: x.orgId, keyId: x.keyId } : x.refusedOwner;
    if (owner) usage.record({ ...owner, model: x.model, inputTokens: u.input_tokens, outputTokens: u.output_tokens, ...usageOutcome(x.status, x.errorCode, x.upstreamCalled) });
    if (x.orgId === undefined || x.keyId === undefined) return; // not authenticated: no event
    if (x.upstreamCalled) {
      metrics.tokens.inc({ api: x.api, direction: 'input' }, u.input_tokens);
      metrics.tokens.inc({ api: x.api, direction: 'output' }, u.output_tokens);
    }
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
      usage: u,
      responseText: x.meter?.responseText() ?? '',
      latencyMs,
      tags: x.tags,
    };
    if (x.facts?.purpose !== undefined) ev.purpose = x.facts.purpose;
    if (x.errorCode !== undefined) ev.errorCode = x.errorCode;
    if (x.ttfbMs !== undefined) ev.ttfbMs = x.ttfbMs;
    if (x.upstream) ev.upstream = x.upstream.name;
    events.push(ev);
    if (logger.isLevelEnabled('debug'))
      logger.debug({ requestId: x.id, org: x.orgId, key: x.keyId, model: x.model, status: x.status, code: x.errorCode, ms: Math.round(latencyMs * 100) / 100 }, 'request');
  }

  return {
    handle,
    get inFlight() {
      return inflight.size;
    },
    abortOrgStreams(orgId, error) {
      let n = 0;
      for (const x of inflight)
        if (x.orgId === orgId && !x.stopWith) {
          x.stopWith = error;
          n++;
        }
      return n;
    },
    async drain(graceMs) {
      draining = true;
      if (inflight.size > 0) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          new Promise<void>((r) => (drained = r)),
          new Promise<void>((r) => (timer = setTimeout(r, graceMs))),
        ]);
        clearTimeout(timer);
      }
      // Past the deadline: end what is left, streams with an SSE error event, others with a 503.
      const err = new MoatError('shutting_down');
      const left = [...inflight];
      for (const x of left) {
        x.stopWith ??= err;
        x.abort?.();
      }
      if (left.length === 0) return;
      // Aborting ends upstream calls at once; a client still trickling its request body gets one more second.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => (inflight.size === 0 ? r() : (drained = r))),
        new Promise<void>((r) => (timer = setTimeout(r, 1_000))),
      ]);
      clearTimeout(timer);
      for (const x of inflight) x.res.destroy();
    },
    close: () => pools.close(),
  };
}

function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  if (trustProxy) {
    const xff = req.headers['x-forwarded-for'];
    const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
    if (first) return first;
  }
  return req.socket.remoteAddress ?? '';
}

// Responses whose body is known carry content-length: writeHead() with a headers object fixes the header block
// at once, so without it node would frame the body as chunked (extra bytes and a longer write per response).
function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function sendRendered(res: ServerResponse, r: { status: number; headers: Record<string, string>; body: string }): void {
  res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}
