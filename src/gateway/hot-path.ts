// The gateway's hot path on plain node:http: the model front doors (front-doors.ts) plus the side routes
// (models, limits, health, metrics). Per model call it reads only memory (policy view, limiter fast path):
// authenticate, read and check the body, route, decide, admit, then the upstream relay answers; the finished
// call is metered and becomes one request event. Everything else (admin API, console) is routed by the caller.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { MoatConfig, UpstreamConfig } from '../config/schema.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import { renderError, renderStreamError } from '../errors/wire-format.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Limiter, LimitInspector } from '../limits/limiter.js';
import type { UsageAggregator } from '../metering/usage-aggregator.js';
import { usageOutcome } from '../metering/usage-outcome.js';
import type { Clock } from '../ops/clock.js';
import type { Readiness } from '../ops/health.js';
import type { Logger } from '../ops/logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { OtlpTracer, RequestTrace } from '../ops/otlp-tracer.js';
import { requestSpan } from './request-span.js';
import type { Decision } from '../policy/decision.js';
import type { PolicySnapshot, PolicyViewReader } from '../policy/policy-snapshot.js';
import type { RequestFacts } from '../policy/request-facts.js';
import { authenticate, presentedKey } from './authenticate.js';
import { buildRequestEvent, type AuthenticatedExchange } from './build-request-event.js';
import { createBatchRoutes } from './batch-routes.js';
import { MemoryBatchRegistry, type BatchRegistry } from './batch-registry.js';
import { clientIp, newExchange, releaseExchange, type Exchange } from './exchange.js';
import { extractFacts } from './extract-facts.js';
import { frontDoorOf, mainDoorOf } from './front-doors.js';
import { InFlight } from './in-flight.js';
import { KeyHashCache } from './key-hash-cache.js';
import { createModelRouter } from './model-route.js';
import { parseJsonBodyText } from './parse-json-body.js';
import { isJsonContentType, readBody } from './read-body.js';
import { checkRequestShape } from './request-schema.js';
import { createRefusals, sendRendered } from './send-response.js';
import { createSideRoutes } from './side-routes.js';
import { staleViewDenial } from './stale-view.js';
import { createUpstreamRelay } from './upstream-relay.js';
import { sweepIntervalMs, sweepUpstreamDeadlines } from './upstream-deadlines.js';

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
  /** Present only when tracing is on: each model call becomes a span, its trace context forwarded upstream. */
  tracer?: Pick<OtlpTracer, 'startRequest' | 'record'> | undefined;
  /** `/metrics`: guarded by `token`, or not served here when `elsewhere` (a separate admin listener serves it). */
  metricsAccess?: { token?: string | undefined; elsewhere?: boolean } | undefined;
  clock: Clock;
  /** Readiness beyond draining (e.g. "policy view loaded"); ready when omitted. */
  readiness?: () => Readiness;
  /** Where upstream credentials (`apiKeyEnv`) are read; defaults to process.env. */
  env?: NodeJS.ProcessEnv;
  /** Who owns each batch and file id; defaults to this process's memory (bounded by `batches.trackedIds`). */
  batchRegistry?: BatchRegistry;
  /** Who owns each stored Responses API response; defaults to this process's memory (`responses.trackedIds`). */
  responseRegistry?: BatchRegistry;
}

export interface HotPath {
  /** Serves hot-path routes and returns true; returns false (touching nothing) for any other route. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Stops accepting (503 shutting_down), lets in-flight requests finish for up to graceMs, then ends the rest. */
  drain(graceMs: number): Promise<void>;
  /**
   * Ends every in-flight request of the org (streams at their next chunk with an SSE error event) and cancels
   * its remembered batches upstream in the background. Returns how many requests were ended.
   */
  abortOrgStreams(orgId: string, error: MoatError): number;
  /** Requests currently in flight. */
  readonly inFlight: number;
  /** Closes upstream connection pools (after drain). */
  close(): Promise<void>;
}

/** The response of a model call knows its exchange, so one shared 'close' listener serves every call. */
type ResponseOf = ServerResponse & { exchange?: Exchange };

/** The client hung up before the whole answer was written: stop the call (the upstream's too). */
function onResponseClose(this: ResponseOf): void {
  const x = this.exchange;
  if (x && !this.writableFinished) {
    x.clientGone = true;
    x.abort?.();
  }
}

export function createHotPath(deps: HotPathDeps): HotPath {
  const { config, view, limiter, events, usage, logger, metrics, clock, tracer } = deps;
  const router = createModelRouter(config.upstreams);
  const keyHashes = new KeyHashCache();
  const jsonLimits = { maxDepth: config.server.maxJsonDepth };
  // Only the trace file reads the body's text (its line splices it in); otherwise it is not kept.
  const keepBodyText = config.events.traceFile !== undefined;
  const inFlight = new InFlight();
  const refusals = createRefusals(config.server);
  const upstream = createUpstreamRelay({
    responseTextCap: config.events.responseTextCap,
    metrics,
    env: deps.env ?? process.env,
    routing: config.routing,
    now: () => clock.now(),
    onRetry: (x, up, why) => logger.warn({ requestId: x.id, upstream: up.name, why }, 'upstream failed before answering; trying another pool member'),
  });
  // Upstream headers and body timeouts: one sweep over the calls in flight (no timer per call).
  const deadlines = setInterval(() => sweepUpstreamDeadlines(inFlight.values(), performance.now()), sweepIntervalMs(config.upstreams));
  deadlines.unref();
  // Every member starts in rotation; passive health moves the gauge when it ejects or readmits one.
  for (const u of config.upstreams) metrics.upstreamHealthy.set({ upstream: u.name }, 1);
  const sideRoutes = createSideRoutes({
    view,
    now: () => clock.now(),
    router,
    keyHashes,
    ...(deps.limitInspector ? { limitInspector: deps.limitInspector } : {}),
    logger,
    metrics,
    metricsHere: deps.metricsAccess?.elsewhere ? undefined : { token: deps.metricsAccess?.token },
    ...(deps.readiness ? { readiness: deps.readiness } : {}),
    draining: () => inFlight.draining,
    refusals,
  });

  const responses = deps.responseRegistry ?? new MemoryBatchRegistry({ maxIds: config.responses.trackedIds, ttlMs: config.responses.trackedForMs }, () => clock.now());
  const batches = createBatchRoutes({
    config,
    view,
    decide: deps.decide,
    limiter,
    events,
    usage,
    registry: deps.batchRegistry ?? new MemoryBatchRegistry({ maxIds: config.batches.trackedIds, ttlMs: config.batches.trackedForMs }, () => clock.now()),
    responses,
    router,
    keyHashes,
    logger,
    now: () => clock.now(),
    env: deps.env ?? process.env,
    refusals,
    draining: () => inFlight.draining,
    clientIp: (req) => clientIp(req, config.server.trustProxy),
  });

  function handle(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const door = frontDoorOf(req.method, path);
    if (door) {
      void serveModelCall(newExchange(req, res, door, clock.now(), config.server.trustProxy));
      return true;
    }
    return batches.handle(req, res, path) || sideRoutes(req, res, path);
  }

  async function serveModelCall(x: Exchange): Promise<void> {
    inFlight.add(x);
    if (tracer) x.trace = tracer.startRequest(x.req.headers.traceparent, x.req.headers.tracestate);
    (x.res as ResponseOf).exchange = x;
    x.res.on('close', onResponseClose);
    try {
      if (inFlight.draining) throw new MoatError('shutting_down');
      const snapshot = view.current();
      const auth = authenticate(presentedKey(x.req.headers), snapshot, x.startMs, keyHashes);
      if (!auth.ok) {
        if (auth.owner) x.refusedOwner = auth.owner;
        throw auth.error;
      }
      x.orgId = auth.org.id;
      x.keyId = auth.key.id;
      x.tier = auth.org.tier;
      if (!isJsonContentType(x.req.headers['content-type']))
        throw new MoatError('unsupported_media_type', `Content-Type must be application/json (UTF-8), got ${x.req.headers['content-type'] ?? 'none'}.`);
      const raw = await readBody(x.req, config.server.bodyLimitBytes);
      x.bodyBytes = raw.length;
      const parsed = parseJsonBodyText(raw, jsonLimits);
      const body = parsed.body;
      x.body = body;
      if (keepBodyText) x.bodyText = parsed.text;
      if (typeof body.model !== 'string' || body.model === '')
        throw new MoatError('invalid_request', '`model` must be a non-empty string.', { param: 'model' });
      checkRequestShape(x.kind, body);
      x.model = body.model;
      // Embeddings and token counts never stream, whatever the body says: their answer is read whole.
      x.stream = body.stream === true && x.kind !== 'embeddings' && x.kind !== 'count_tokens';
      const pool = router.route(x.model, x.api);
      if (!pool) {
        const other = router.otherApiServing(x.model, x.api);
        if (!other) throw new MoatError('unknown_model', `No upstream serves model "${x.model}".`, { param: 'model' });
        throw new MoatError('api_mismatch', `Model "${x.model}" is served by an ${other} upstream; call it through ${mainDoorOf(other)}.`, { param: 'model' });
      }
      // The pool's first member until an attempt picks one (events of refused calls name where they were going).
      x.upstream = pool[0] as UpstreamConfig;
      const facts = extractFacts({ api: x.api, endpoint: x.endpoint, kind: x.kind, body, headers: x.req.headers, orgId: x.orgId, keyId: x.keyId, ip: x.ip, now: x.startMs });
      x.facts = facts;
      const decision = deps.decide(facts, snapshot);
      x.decision = decision.allow ? 'allow' : 'deny';
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
      await upstream.relay(x, pool, raw);
    } catch (e) {
      fail(x, e);
    } finally {
      finish(x);
      (x.res as ResponseOf).exchange = undefined;
      releaseExchange(x);
    }
  }

  function fail(x: Exchange, e: unknown): void {
    let err: MoatError;
    if (isMoatError(e)) err = e;
    else {
      logger.error({ err: e, requestId: x.id }, 'unexpected error in hot path');
      err = new MoatError('internal_error');
    }
    x.errorCode = err.code;
    if (err.limit !== undefined) x.limit = err.limit;
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
    else refusals.sendUnreadBodyError(x.req, res, rendered);
  }

  /** Settles limits, meters, and hands the request event to the queue. */
  function finish(x: Exchange): void {
    inFlight.delete(x);
    const latencyMs = performance.now() - x.startPerf;
    if (x.clientGone) x.status = 499; // nginx's "client closed request"
    const inputEstimate = x.facts?.inputTokensEstimate ?? 0;
    const u = x.meter ? x.meter.usage(inputEstimate) : { input_tokens: 0, output_tokens: 0 };
    void x.ticket?.settle({ inputTokens: u.input_tokens, outputTokens: u.output_tokens }).catch((e: unknown) => logger.error({ err: e, requestId: x.id }, 'limit settle failed'));
    const outcome = usageOutcome(x.status, x.errorCode, x.upstreamCalled);
    metrics.byModel.observe({
      api: x.api, endpoint: x.endpoint, status: x.status, code: x.errorCode ?? '', stream: x.stream, ttfbSeconds: x.ttfbMs === undefined ? undefined : x.ttfbMs / 1000,
      upstreamCalled: x.upstreamCalled, model: x.model, upstream: x.upstream?.name ?? '', outcome: outcome.outcome, served: x.upstreamCalled && x.status < 400,
      tier: x.tier ?? '', org: x.orgId ?? '', seconds: latencyMs / 1000, inputTokens: u.input_tokens, outputTokens: u.output_tokens,
    });
    if (tracer && x.trace) tracer.record(requestSpan(x as Exchange & { trace: RequestTrace }, u, latencyMs, outcome.outcome));
    // Every request of a known key is metered under its outcome (an in-memory add; the store write is batched).
    const known = x.orgId !== undefined && x.keyId !== undefined;
    const orgId = known ? x.orgId : x.refusedOwner?.orgId;
    const keyId = known ? x.keyId : x.refusedOwner?.keyId;
    if (orgId !== undefined && keyId !== undefined)
      usage.record({ orgId, keyId, model: x.model, inputTokens: u.input_tokens, outputTokens: u.output_tokens, outcome: outcome.outcome, reason: outcome.reason });
    if (x.orgId === undefined || x.keyId === undefined) return; // not authenticated: no event
    // A response the upstream stored may be retrieved or cancelled later, by its org only.
    const responseId = x.kind === 'responses' && x.status < 400 && x.body?.store !== false ? x.meter?.responseId : undefined;
    if (responseId && x.upstream)
      responses.putResponse(responseId, { orgId: x.orgId, keyId: x.keyId, upstream: x.upstream.name }).catch((e: unknown) => logger.error({ err: e, requestId: x.id }, 'recording a response\'s owner failed'));
    events.push(buildRequestEvent(x as AuthenticatedExchange, u, latencyMs));
    if (logger.isLevelEnabled('debug'))
      logger.debug({ requestId: x.id, org: x.orgId, key: x.keyId, model: x.model, status: x.status, code: x.errorCode, ms: Math.round(latencyMs * 100) / 100 }, 'request');
  }

  return {
    handle,
    get inFlight() {
      return inFlight.size;
    },
    abortOrgStreams: (orgId, error) => {
      batches
        .cancelOrgBatches(orgId)
        .then((n) => n && logger.info({ orgId, cancelled: n }, 'cancelled the batches of a denied org upstream'))
        .catch((e: unknown) => logger.error({ err: e, orgId }, 'cancelling a denied org\'s batches failed'));
      return inFlight.stopOrg(orgId, error);
    },
    drain: (graceMs) => inFlight.drain(graceMs),
    close: async () => {
      clearInterval(deadlines);
      await batches.close();
      await upstream.close();
    },
  };
}
