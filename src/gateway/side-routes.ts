// Everything the gateway answers besides the model calls: the model list and lookup, the caller's own limits and terms, 405 and
// 404 in the caller's format under /v1/, and health, readiness and metrics. Each reads memory only.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { UpstreamConfig } from '../config/schema.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import { renderError, type WireApi } from '../errors/wire-format.js';
import { describeLimits, type LimitsListing } from '../limits/describe-limits.js';
import type { LimitInspector } from '../limits/limiter.js';
import { healthBody, readinessBody, type Readiness } from '../ops/health.js';
import type { Logger } from '../ops/logger.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { serveMetrics } from '../ops/metrics-endpoint.js';
import type { PolicySnapshot, PolicyViewReader } from '../policy/policy-snapshot.js';
import { describeTerms } from '../policy/terms.js';
import { authenticate, presentedKey } from './authenticate.js';
import { callerApi } from './caller-api.js';
import { doorMethodsOf } from './front-doors.js';
import type { KeyHashCache } from './key-hash-cache.js';
import type { ModelRouter } from './model-route.js';
import { renderModel, renderModelList } from './models-list.js';
import { nextRequestId } from './request-id.js';
import { sendJson, sendRendered, type Refusals } from './send-response.js';

export interface SideRouteDeps {
  view: PolicyViewReader;
  now(): number;
  router: ModelRouter;
  keyHashes: KeyHashCache;
  /** Answers `GET /v1/moat/limits`; without it that route is 404. */
  limitInspector?: LimitInspector;
  logger: Logger;
  metrics: GatewayMetrics;
  /** `/metrics` on this port: absent when it is served on a separate admin address; `token` guards it. */
  metricsHere?: { token?: string | undefined } | undefined;
  /** Readiness beyond draining; ready when omitted. */
  readiness?: () => Readiness;
  draining(): boolean;
  refusals: Refusals;
}

/** Serves the side route at `path` and returns true, or returns false (touching nothing) for other routes. */
export type SideRoutes = (req: IncomingMessage, res: ServerResponse, path: string) => boolean;

export function createSideRoutes(deps: SideRouteDeps): SideRoutes {
  const { view, router, keyHashes, logger, metrics, refusals } = deps;

  const wrongMethod = (req: IncomingMessage, res: ServerResponse, path: string, allow: string) =>
    refusals.refuse(req, res, path, new MoatError('method_not_allowed', `${req.method} is not allowed on ${path}; use ${allow.split(', ')[0]}.`, { headers: { allow } }));

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
    const { api, id, auth } = authenticateSideRoute(req, view.current(), deps.now());
    if (!auth.ok) return sendRendered(res, renderError(api, auth.error, id));
    sendOk(res, api, id, renderModelList(api, router.listedModels(api)));
  }

  /** One model, when the caller's doors serve it (globs included: any name an upstream would take). */
  function serveModel(req: IncomingMessage, res: ServerResponse, rawId: string): void {
    const { api, id, auth } = authenticateSideRoute(req, view.current(), deps.now());
    if (!auth.ok) return sendRendered(res, renderError(api, auth.error, id));
    let model: string;
    try {
      model = decodeURIComponent(rawId);
    } catch {
      model = rawId;
    }
    const pool = model === '' ? undefined : router.route(model, api);
    if (!pool) return sendRendered(res, renderError(api, new MoatError('unknown_model', `No upstream serves model "${model.slice(0, 200)}" through this API.`, { param: 'model' }), id));
    sendOk(res, api, id, renderModel(api, { id: model, upstream: pool[0] as UpstreamConfig }));
  }

  /** Self-service: the caller's own limits and remaining quota, read without consuming anything. */
  async function serveLimits(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = deps.now();
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

  /** Self-service: the line, explicit — status and why, grants, denied features with their clauses, limits with current use. */
  async function serveTerms(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const now = deps.now();
    const snapshot = view.current();
    const { api, id, auth } = authenticateSideRoute(req, snapshot, now);
    if (!auth.ok) return sendRendered(res, renderError(api, auth.error, id));
    try {
      const terms = describeTerms(auth.org, auth.key, snapshot, now);
      let limits: LimitsListing['limits'] = [];
      if (deps.limitInspector) {
        const grantIds = (snapshot.grantsByOrg.get(auth.org.id) ?? []).map((g) => g.id);
        const subject = { orgId: auth.org.id, keyId: auth.key.id, tier: auth.org.tier, grantIds, orgAttributes: auth.org.attributes, now };
        limits = describeLimits(subject, await deps.limitInspector.peek(subject), now).limits;
      }
      sendOk(res, api, id, JSON.stringify({ ...terms, limits }));
    } catch (e) {
      logger.error({ err: e, requestId: id }, 'terms listing failed');
      sendRendered(res, renderError(api, new MoatError('internal_error', undefined, { cause: e }), id));
    }
  }

  return (req, res, path) => {
    const get = req.method === 'GET' || req.method === 'HEAD';
    switch (path) {
      case '/v1/models':
        if (get) serveModels(req, res);
        else wrongMethod(req, res, path, 'GET, HEAD');
        return true;
      case '/v1/moat/limits':
        if (get) void serveLimits(req, res);
        else wrongMethod(req, res, path, 'GET, HEAD');
        return true;
      case '/v1/moat/terms':
        if (get) void serveTerms(req, res);
        else wrongMethod(req, res, path, 'GET, HEAD');
        return true;
    }
    if (path.startsWith('/v1/models/')) {
      if (get) serveModel(req, res, path.slice('/v1/models/'.length));
      else wrongMethod(req, res, path, 'GET, HEAD');
      return true;
    }
    // Everything under /v1/ is the model API's namespace: a door called with another method is 405, unknown
    // routes are 404, both in the caller's format.
    if (path.startsWith('/v1/') || path === '/v1') {
      const allow = doorMethodsOf(path);
      if (allow) wrongMethod(req, res, path, allow);
      else refusals.refuse(req, res, path, new MoatError('not_found', `No endpoint ${req.method} ${path.slice(0, 200)}.`));
      return true;
    }
    if (!get) return false;
    switch (path) {
      case '/healthz':
        sendJson(res, 200, healthBody());
        return true;
      case '/readyz': {
        const r = deps.draining() ? { ready: false, reason: 'shutting down' } : (deps.readiness?.() ?? { ready: true });
        const out = readinessBody(r);
        sendJson(res, out.status, out.body);
        return true;
      }
      case '/metrics':
        if (!deps.metricsHere) return false;
        serveMetrics(req, res, { registry: metrics.registry, token: deps.metricsHere.token, logger });
        return true;
      default:
        return false;
    }
  };
}
