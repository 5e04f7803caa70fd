// The batch APIs: OpenAI `/v1/files` (batch input files) and `/v1/batches`, Anthropic `/v1/messages/batches`;
// and the stored objects of the Responses API (`GET /v1/responses/{id}`, `POST /v1/responses/{id}/cancel`).
// A batch is traffic: at submission every item is judged like a call to its own door (batch-items.ts,
// batch-admission.ts), the limits are reserved for all items at once, and each item becomes one request event
// (fed to the bounded hand-off as it has room). Reads are passed through for the owning org only (the
// upstream holds every org's batches under one credential; batch-registry.ts remembers whose is whose), results
// are metered line by line the first time they are read, and a denied org's batches are cancelled upstream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { servedApis, type MoatConfig, type UpstreamConfig } from '../config/schema.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import { renderError, type WireApi } from '../errors/wire-format.js';
import type { BoundedQueue } from '../events/bounded-queue.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Limiter } from '../limits/limiter.js';
import type { UsageAggregator } from '../metering/usage-aggregator.js';
import { usageOutcome } from '../metering/usage-outcome.js';
import type { Org } from '../model/org.js';
import type { Logger } from '../ops/logger.js';
import { effectiveStatus } from '../policy/decide.js';
import type { Decision } from '../policy/decision.js';
import type { PolicySnapshot, PolicyViewReader } from '../policy/policy-snapshot.js';
import type { RequestFacts } from '../policy/request-facts.js';
import { authenticate, presentedKey } from './authenticate.js';
import { BatchJudge, itemEvents, reserveBatch, type BatchCaller } from './batch-admission.js';
import { assertNoCaseTwins, OPENAI_BATCH_ENDPOINTS, readAnthropicBatch, readOpenAiBatch, type BatchItem } from './batch-items.js';
import type { BatchRegistry, TrackedBatch } from './batch-registry.js';
import { createEventFeed } from './batch-event-feed.js';
import { resultLineMeter } from './batch-result-meter.js';
import { createBatchUpstream, type BatchUpstreamCall, type UpstreamAnswer } from './batch-upstream.js';
import type { KeyHashCache } from './key-hash-cache.js';
import type { ModelRouter } from './model-route.js';
import { buildMultipart, multipartBoundary, parseMultipart } from './multipart-form.js';
import { parseJsonBody } from './parse-json-body.js';
import { isJsonContentType, readBody } from './read-body.js';
import { nextRequestId } from './request-id.js';
import { sendRendered, type Refusals } from './send-response.js';
import { staleViewDenial } from './stale-view.js';
import { createUpstreamPools } from './upstream-client.js';
import { createUpstreamTargets } from './upstream-target.js';
import { isJsonObject } from '../json/is-json-object.js';

export interface BatchRouteDeps {
  config: MoatConfig;
  view: PolicyViewReader;
  decide(facts: RequestFacts, snapshot: PolicySnapshot): Decision;
  limiter: Limiter;
  events: BoundedQueue<RequestEvent>;
  usage: UsageAggregator;
  registry: BatchRegistry;
  /** Owners of stored Responses API responses. */
  responses: BatchRegistry;
  router: ModelRouter;
  keyHashes: KeyHashCache;
  logger: Logger;
  now(): number;
  env: NodeJS.ProcessEnv;
  refusals: Refusals;
  draining(): boolean;
  clientIp(req: IncomingMessage): string;
}

export interface BatchRoutes {
  /** Serves a batch route and returns true; false (touching nothing) for other paths. */
  handle(req: IncomingMessage, res: ServerResponse, path: string): boolean;
  /** Cancels upstream every remembered batch of the org; resolves to how many cancels the upstream accepted. */
  cancelOrgBatches(orgId: string): Promise<number>;
  close(): Promise<void>;
}

/** Ids as the APIs issue them; anything else never reaches an upstream path. */
const ID = '([A-Za-z0-9_-]{1,200})';
const ROUTES: Array<{ re: RegExp; api: WireApi; methods: string; name: RouteName }> = [
  { re: /^\/v1\/files$/, api: 'openai', methods: 'POST, GET', name: 'files' },
  { re: new RegExp(`^/v1/files/${ID}$`), api: 'openai', methods: 'GET, DELETE', name: 'getFile' },
  { re: new RegExp(`^/v1/files/${ID}/content$`), api: 'openai', methods: 'GET', name: 'fileContent' },
  { re: /^\/v1\/batches$/, api: 'openai', methods: 'GET, POST', name: 'openaiBatches' },
  { re: new RegExp(`^/v1/batches/${ID}$`), api: 'openai', methods: 'GET', name: 'getOpenaiBatch' },
  { re: new RegExp(`^/v1/batches/${ID}/cancel$`), api: 'openai', methods: 'POST', name: 'cancelOpenaiBatch' },
  { re: new RegExp(`^/v1/responses/${ID}$`), api: 'openai', methods: 'GET', name: 'getResponse' },
  { re: new RegExp(`^/v1/responses/${ID}/cancel$`), api: 'openai', methods: 'POST', name: 'cancelResponse' },
  { re: /^\/v1\/messages\/batches$/, api: 'anthropic', methods: 'GET, POST', name: 'anthropicBatches' },
  { re: new RegExp(`^/v1/messages/batches/${ID}$`), api: 'anthropic', methods: 'GET, DELETE', name: 'getAnthropicBatch' },
  { re: new RegExp(`^/v1/messages/batches/${ID}/cancel$`), api: 'anthropic', methods: 'POST', name: 'cancelAnthropicBatch' },
  { re: new RegExp(`^/v1/messages/batches/${ID}/results$`), api: 'anthropic', methods: 'GET', name: 'anthropicResults' },
];
type RouteName =
  | 'files' | 'getFile' | 'fileContent' | 'openaiBatches' | 'getOpenaiBatch' | 'cancelOpenaiBatch'
  | 'anthropicBatches' | 'getAnthropicBatch' | 'cancelAnthropicBatch' | 'anthropicResults' | 'getResponse' | 'cancelResponse';
/** Routes whose bodies are batch uploads, read up to `batches.maxUploadBytes` instead of `server.bodyLimitBytes`. */
export function isBatchUpload(method: string | undefined, path: string): boolean {
  return method === 'POST' && (path === '/v1/files' || path === '/v1/messages/batches');
}

/** Paths under which ids are looked up: an id of another shape is simply not found. */
const ID_PREFIXES = ['/v1/files/', '/v1/batches/', '/v1/messages/batches/', '/v1/responses/'];

interface Call {
  req: IncomingMessage;
  res: ServerResponse;
  api: WireApi;
  id: string;
  org: Org;
  keyId: string;
  snapshot: PolicySnapshot;
  now: number;
  query: string;
}

type Json = Record<string, unknown>;
/** Longest result line metered (a line beyond is passed on unmetered). */
const MAX_RESULT_LINE = 16 * 1024 * 1024;

export function createBatchRoutes(deps: BatchRouteDeps): BatchRoutes {
  const { config, registry, logger } = deps;
  const pools = createUpstreamPools();
  const upstream = createBatchUpstream(pools, createUpstreamTargets(deps.env));
  const limits = { maxDepth: config.server.maxJsonDepth, maxItems: config.batches.maxItems };
  const upstreamByName = new Map(config.upstreams.map((u) => [u.name, u]));
  const eventFeed = createEventFeed(deps.events, logger);

  function handle(req: IncomingMessage, res: ServerResponse, path: string): boolean {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const query = q < 0 ? '' : url.slice(q);
    for (const r of ROUTES) {
      const m = r.re.exec(path);
      if (!m) continue;
      const method = req.method === 'HEAD' ? 'GET' : (req.method ?? '');
      if (!r.methods.split(', ').includes(method)) {
        deps.refusals.refuse(req, res, path, new MoatError('method_not_allowed', `${req.method} is not allowed on ${path}; use ${r.methods.split(', ')[0]}.`, { headers: { allow: r.methods } }));
        return true;
      }
      void serve(req, res, r.api, query, (c) => ROUTE_HANDLERS[r.name](c, m[1] as string));
      return true;
    }
    if (ID_PREFIXES.some((p) => path.startsWith(p))) {
      deps.refusals.refuse(req, res, path, new MoatError('not_found', `No endpoint ${req.method} ${path.slice(0, 200)}.`));
      return true;
    }
    return false;
  }

  /** Authentication, the org's standing, and errors in the caller's format, around each route. */
  async function serve(req: IncomingMessage, res: ServerResponse, api: WireApi, query: string, fn: (c: Call) => Promise<void>): Promise<void> {
    const id = nextRequestId();
    try {
      if (deps.draining()) throw new MoatError('shutting_down');
      const snapshot = deps.view.current();
      const now = deps.now();
      const auth = authenticate(presentedKey(req.headers), snapshot, now, deps.keyHashes);
      if (!auth.ok) throw auth.error;
      const status = effectiveStatus(auth.org, now);
      if (status === 'revoked') throw new MoatError('org_revoked', "Your organization's access has been revoked.");
      if (status === 'suspended') throw new MoatError('org_suspended', "Your organization's access is suspended.");
      await fn({ req, res, api, id, org: auth.org, keyId: auth.key.id, snapshot, now, query });
    } catch (e) {
      const err = isMoatError(e) ? e : new MoatError('internal_error', undefined, { cause: e });
      if (!isMoatError(e)) logger.error({ err: e, requestId: id }, 'batch route failed');
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const rendered = renderError(api, err, id);
      if (req.complete) sendRendered(res, rendered);
      else deps.refusals.sendUnreadBodyError(req, res, rendered);
    }
  }

  function answerHeaders(c: Call, extra: Record<string, string> = {}): Record<string, string> {
    const h: Record<string, string> = { 'x-request-id': c.id, ...extra };
    if (c.api === 'anthropic') h['request-id'] = c.id;
    return h;
  }

  function send(c: Call, a: UpstreamAnswer, body: Buffer | string = a.body, extra: Record<string, string> = {}): void {
    const out = typeof body === 'string' ? Buffer.from(body) : body;
    c.res.writeHead(a.status, { ...answerHeaders(c, extra), 'content-type': a.contentType, 'content-length': String(out.length) });
    c.res.end(out);
  }

  function forwardHeaders(c: Call): Record<string, string> {
    const h: Record<string, string> = {};
    for (const name of ['anthropic-version', 'anthropic-beta'] as const) {
      const v = c.req.headers[name];
      if (typeof v === 'string') h[name] = v;
    }
    return h;
  }

  function upstreamCall(c: Call, up: UpstreamConfig, method: 'GET' | 'POST' | 'DELETE', path: string, body?: Buffer | string | Buffer[], contentType?: string): BatchUpstreamCall {
    return { up, api: c.api, method, path, ...(body !== undefined ? { body } : {}), ...(contentType ? { contentType } : {}), forward: forwardHeaders(c) };
  }

  const ok = (a: UpstreamAnswer) => a.status >= 200 && a.status < 300;

  function parseAnswer(a: UpstreamAnswer): unknown {
    try {
      return JSON.parse(a.body.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  function upstreamNamed(name: string): UpstreamConfig {
    const up = upstreamByName.get(name);
    if (!up) throw new MoatError('not_found', `The upstream that holds this object ("${name}") is no longer configured.`);
    return up;
  }

  /** The upstream of a batch's items: every model the items name must be served through `api` by the same upstream. */
  function routeItems(models: ReadonlyMap<string, string>, api: WireApi, holder?: UpstreamConfig): UpstreamConfig {
    let up = holder;
    for (const [model, where] of models) {
      const pool = deps.router.route(model, api);
      if (!pool) throw new MoatError('unknown_model', `Batch item at ${where}: no upstream serves model "${model.slice(0, 200)}" through this API.`, { param: 'model' });
      up ??= pool[0] as UpstreamConfig;
      if (!pool.includes(up)) throw new MoatError('invalid_request', `Batch item at ${where}: model "${model.slice(0, 200)}" is served by another upstream than the batch's other items; split the batch by model.`, { param: 'model' });
    }
    return up as UpstreamConfig;
  }

  function caller(c: Call): BatchCaller {
    return { api: c.api, via: c.api === 'openai' ? '/v1/batches' : '/v1/messages/batches', org: c.org, keyId: c.keyId, headers: c.req.headers, ip: deps.clientIp(c.req), now: c.now };
  }

  /** What the view vouches for holds only while the view is recent enough (as for calls). */
  function checkFreshness(c: Call): void {
    if (!deps.view.freshness) return;
    const unconfirmed = staleViewDenial(config.view, deps.view.freshness(), c.org, c.now);
    if (unconfirmed) throw unconfirmed;
  }

  /**
   * Reads and judges a batch item by item (`read` hands each item on); a policy refusal or a view too stale to
   * vouch for the org is metered once under its outcome, a malformed batch is not.
   */
  function judgeBatch(c: Call, read: (onItem: (item: BatchItem) => void) => void): BatchJudge {
    const judge = new BatchJudge(caller(c), c.snapshot, deps.decide);
    try {
      read(judge.add);
    } catch (e) {
      if (e === judge.refusal) meterRefusal(c, judge, e);
      throw e;
    }
    try {
      checkFreshness(c);
    } catch (e) {
      meterRefusal(c, judge, e);
      throw e;
    }
    return judge;
  }

  /** Reserves a judged batch, submits it, and on success remembers it and feeds its item events (read from `source`). */
  async function submit(c: Call, judge: BatchJudge, source: Buffer, up: UpstreamConfig, endpoint: string, submitUpstream: () => Promise<UpstreamAnswer>): Promise<UpstreamAnswer & { headers: Record<string, string> }> {
    const who = caller(c);
    let reservation;
    try {
      reservation = await reserveBatch(judge, who, deps.limiter);
    } catch (e) {
      meterRefusal(c, judge, e);
      throw e;
    }
    let a: UpstreamAnswer;
    try {
      a = await submitUpstream();
    } catch (e) {
      await reservation.released();
      throw e;
    }
    const parsed = parseAnswer(a);
    const batchId = isJsonObject(parsed) && typeof parsed.id === 'string' ? parsed.id : undefined;
    if (!ok(a) || batchId === undefined) {
      await reservation.released();
      return { ...a, headers: reservation.headers };
    }
    await reservation.kept();
    await registry.putBatch(batchId, { orgId: c.org.id, keyId: c.keyId, upstream: up.name, api: c.api, endpoint, items: judge.items.length });
    eventFeed.feed(itemEvents(judge, source, who, batchId, up.name, a.status));
    return { ...a, headers: reservation.headers };
  }

  /** A refused submission is metered once, under the refusal's outcome (its items never ran). */
  function meterRefusal(c: Call, judge: BatchJudge, e: unknown): void {
    if (!isMoatError(e)) return;
    const o = usageOutcome(e.status, e.code, false);
    const model = judge.models.keys().next().value ?? '';
    deps.usage.record({ orgId: c.org.id, keyId: c.keyId, model, inputTokens: 0, outputTokens: 0, ...o });
  }

  function requireJson(c: Call): void {
    if (!isJsonContentType(c.req.headers['content-type']))
      throw new MoatError('unsupported_media_type', `Content-Type must be application/json (UTF-8), got ${c.req.headers['content-type'] ?? 'none'}.`);
  }

  /** A small JSON request body (not an upload). */
  async function readJson(c: Call): Promise<{ raw: Buffer; body: Json }> {
    requireJson(c);
    const raw = await readBody(c.req, config.server.bodyLimitBytes);
    const body = parseJsonBody(raw, { maxDepth: config.server.maxJsonDepth });
    // `input_file_id` beside `Input_File_Id`: a case-insensitive reader could run another file than the one judged.
    assertNoCaseTwins(body, '');
    return { raw, body };
  }

  async function ownedResponse(c: Call, id: string): Promise<UpstreamConfig> {
    const r = await deps.responses.response(id);
    if (!r || r.orgId !== c.org.id) throw new MoatError('not_found', `No stored response ${id} of your organization.`);
    return upstreamNamed(r.upstream);
  }

  async function ownedBatch(c: Call, id: string): Promise<TrackedBatch> {
    const b = await registry.batch(id);
    if (!b || b.orgId !== c.org.id || b.api !== c.api) throw new MoatError('not_found', `No batch ${id} of your organization.`);
    return b;
  }

  /** Remembers a batch's output and error files as the org's, so it may read them (metered on first read). */
  async function trackOutputs(b: TrackedBatch, batch: unknown): Promise<void> {
    if (!isJsonObject(batch)) return;
    for (const field of ['output_file_id', 'error_file_id'] as const) {
      const fid = batch[field];
      if (typeof fid === 'string' && fid !== '') await registry.putFile(fid, { orgId: b.orgId, keyId: b.keyId, upstream: b.upstream, role: 'output', endpoint: b.endpoint });
    }
  }

  /** Anthropic batches name where their results are: here, not the upstream (whose credential the caller lacks). */
  function ownResultsUrl(c: Call, batch: Json): Json {
    if (typeof batch.results_url !== 'string' || typeof batch.id !== 'string') return batch;
    const fwd = c.req.headers['x-forwarded-proto'];
    const proto = config.server.trustProxy && typeof fwd === 'string' ? fwd.split(',')[0]!.trim() : (c.req.socket as TLSSocket).encrypted ? 'https' : 'http';
    return { ...batch, results_url: `${proto}://${c.req.headers.host ?? 'localhost'}/v1/messages/batches/${batch.id}/results` };
  }

  /**
   * A list answer with only the items `keep` returns (the upstream's list holds every org's), its first_id and
   * last_id set from what is kept (always, or only where the upstream gave them).
   */
  async function filteredList(a: UpstreamAnswer, keep: (item: Json & { id: string }) => Promise<unknown>, alwaysIds: boolean): Promise<string | undefined> {
    const parsed = parseAnswer(a);
    if (!ok(a) || !isJsonObject(parsed) || !Array.isArray(parsed.data)) return undefined;
    const data: unknown[] = [];
    for (const item of parsed.data) {
      if (!isJsonObject(item) || typeof item.id !== 'string') continue;
      const kept = await keep(item as Json & { id: string });
      if (kept !== undefined) data.push(kept);
    }
    const firstId = (data[0] as Json | undefined)?.id ?? null;
    const lastId = (data.at(-1) as Json | undefined)?.id ?? null;
    return JSON.stringify({ ...parsed, data, ...(alwaysIds || 'first_id' in parsed ? { first_id: firstId } : {}), ...(alwaysIds || 'last_id' in parsed ? { last_id: lastId } : {}) });
  }

  /** A batch list keeps only the org's own batches. */
  function ownList(c: Call, a: UpstreamAnswer): Promise<string | undefined> {
    return filteredList(a, async (item) => {
      const b = await registry.batch(item.id);
      if (!b || b.orgId !== c.org.id || b.api !== c.api) return undefined;
      if (c.api === 'openai') await trackOutputs(b, item);
      return c.api === 'anthropic' ? ownResultsUrl(c, item) : item;
    }, true);
  }

  /** A file list keeps only the org's own files (input files it uploaded, its batches' output files). */
  function ownFileList(c: Call, a: UpstreamAnswer): Promise<string | undefined> {
    return filteredList(a, async (item) => {
      const f = await registry.file(item.id);
      return f && f.orgId === c.org.id ? item : undefined;
    }, false);
  }

  const maxUpload = config.batches.maxUploadBytes;
  let uploadsHeld = 0;
  /**
   * Runs `fn` as one of at most `batches.concurrentUploads` batch uploads held at once (each holds up to
   * maxUploadBytes while its items are judged); past that the caller is refused before its body is read.
   */
  async function asUpload<T>(fn: () => Promise<T>): Promise<T> {
    if (uploadsHeld >= config.batches.concurrentUploads) throw new MoatError('batch_uploads_busy', `This gateway is holding ${uploadsHeld} batch uploads (batches.concurrentUploads); retry shortly.`, { headers: { 'retry-after': '1' } });
    uploadsHeld++;
    try {
      return await fn();
    } finally {
      uploadsHeld--;
    }
  }

  /** An upload read whole up to the batch bound, whose refusal names that bound. */
  async function readUpload(req: IncomingMessage): Promise<Buffer> {
    try {
      return await readBody(req, maxUpload);
    } catch (e) {
      if (isMoatError(e) && e.code === 'body_too_large') throw new MoatError('body_too_large', `The batch upload exceeds the limit of ${maxUpload} bytes (batches.maxUploadBytes); split it into smaller batches.`);
      throw e;
    }
  }

  /** A batch input file: every item judged before the file goes to the upstream that serves its model. */
  const uploadFile = (c: Call): Promise<void> =>
    asUpload(async () => {
      const boundary = multipartBoundary(c.req.headers['content-type']);
      if (boundary === undefined) throw new MoatError('unsupported_media_type', `Content-Type must be multipart/form-data, got ${c.req.headers['content-type'] ?? 'none'}.`);
      const form = parseMultipart(await readUpload(c.req), boundary);
      const purpose = form.fields.get('purpose');
      if (purpose !== 'batch')
        throw new MoatError('invalid_request', `Moat accepts files with purpose "batch" only (their items are judged like calls); got ${purpose === undefined ? 'none' : `"${purpose.slice(0, 50)}"`}.`, { param: 'purpose' });
      const file = form.files.get('file');
      if (!file) throw new MoatError('invalid_request', 'The upload has no `file` part.', { param: 'file' });
      if (form.files.size > 1) throw new MoatError('invalid_request', 'The upload holds more than one file part.', { param: 'file' });
      // Judged now so a forbidden item is refused at once; judged again (with limits and events) at submission.
      const judge = new BatchJudge(caller(c), c.snapshot, deps.decide);
      readOpenAiBatch(file.data, limits, undefined, judge.add);
      const up = routeItems(judge.models, 'openai');
      // Sent as parts around the received file's bytes: no second copy of the upload.
      const { contentType, body } = buildMultipart(form.fields, new Map([['file', file]]));
      const a = await upstream.call(upstreamCall(c, up, 'POST', '/v1/files', body, contentType), maxUpload);
      const parsed = parseAnswer(a);
      if (ok(a) && isJsonObject(parsed) && typeof parsed.id === 'string') await registry.putFile(parsed.id, { orgId: c.org.id, keyId: c.keyId, upstream: up.name, role: 'input' });
      send(c, a);
    });

  const ROUTE_HANDLERS: Record<RouteName, (c: Call, id: string) => Promise<void>> = {
    async files(c) {
      if (c.req.method !== 'POST') {
        // The list: the upstream holds every org's files under one credential; the org's own are kept.
        const up = config.upstreams.find((u) => servedApis(u).includes('openai'));
        if (!up) throw new MoatError('not_found', 'No upstream serves OpenAI files.');
        const a = await upstream.call(upstreamCall(c, up, 'GET', `/v1/files${c.query}`), maxUpload);
        return send(c, a, (await ownFileList(c, a)) ?? a.body);
      }
      return uploadFile(c);
    },

    async getFile(c, id) {
      const f = await registry.file(id);
      if (!f || f.orgId !== c.org.id) throw new MoatError('not_found', `No file ${id} of your organization.`);
      const method = c.req.method === 'DELETE' ? 'DELETE' : 'GET';
      send(c, await upstream.call(upstreamCall(c, upstreamNamed(f.upstream), method, `/v1/files/${id}`), maxUpload));
    },

    async fileContent(c, id) {
      const f = await registry.file(id);
      if (!f || f.orgId !== c.org.id) throw new MoatError('not_found', `No file ${id} of your organization.`);
      const kind = f.role === 'output' && f.endpoint ? OPENAI_BATCH_ENDPOINTS[f.endpoint] : undefined;
      const meter = kind && (await registry.claimMetering(id)) ? resultLineMeter(deps.usage, { orgId: c.org.id, keyId: c.keyId }, c.api, kind) : undefined;
      await upstream.stream(upstreamCall(c, upstreamNamed(f.upstream), 'GET', `/v1/files/${id}/content`), c.res, answerHeaders(c), meter, MAX_RESULT_LINE);
    },

    async openaiBatches(c) {
      if (c.req.method !== 'POST') {
        // The list: every upstream that serves OpenAI batches holds some of them; the org's own are kept.
        const up = config.upstreams.find((u) => servedApis(u).includes('openai'));
        if (!up) throw new MoatError('not_found', 'No upstream serves OpenAI batches.');
        const a = await upstream.call(upstreamCall(c, up, 'GET', `/v1/batches${c.query}`), maxUpload);
        return send(c, a, (await ownList(c, a)) ?? a.body);
      }
      const { raw, body } = await readJson(c);
      const fileId = body.input_file_id;
      const endpoint = body.endpoint;
      if (typeof fileId !== 'string' || fileId === '') throw new MoatError('invalid_request', '`input_file_id` must be a non-empty string.', { param: 'input_file_id' });
      if (typeof endpoint !== 'string' || OPENAI_BATCH_ENDPOINTS[endpoint] === undefined)
        throw new MoatError('invalid_request', `\`endpoint\` must be one of ${Object.keys(OPENAI_BATCH_ENDPOINTS).join(', ')}.`, { param: 'endpoint' });
      const f = await registry.file(fileId);
      if (!f || f.orgId !== c.org.id || f.role !== 'input') throw new MoatError('not_found', `No batch input file ${fileId.slice(0, 200)} of your organization.`, { param: 'input_file_id' });
      const up = upstreamNamed(f.upstream);
      const a = await asUpload(async () => {
        // The items are read back from the upstream: what is judged is what it will run.
        const content = await upstream.call(upstreamCall(c, up, 'GET', `/v1/files/${fileId}/content`), maxUpload);
        if (!ok(content)) return { ...content, headers: {} };
        const judge = judgeBatch(c, (onItem) => readOpenAiBatch(content.body, limits, endpoint, onItem));
        routeItems(judge.models, 'openai', up);
        return submit(c, judge, content.body, up, endpoint, () => upstream.call(upstreamCall(c, up, 'POST', '/v1/batches', raw), maxUpload));
      });
      if (ok(a)) {
        const b = await registry.batch(String((parseAnswer(a) as Json).id));
        if (b) await trackOutputs(b, parseAnswer(a));
      }
      send(c, a, a.body, a.headers);
    },

    async getOpenaiBatch(c, id) {
      const b = await ownedBatch(c, id);
      const a = await upstream.call(upstreamCall(c, upstreamNamed(b.upstream), 'GET', `/v1/batches/${id}`), maxUpload);
      if (ok(a)) await trackOutputs(b, parseAnswer(a));
      send(c, a);
    },

    async cancelOpenaiBatch(c, id) {
      const b = await ownedBatch(c, id);
      send(c, await upstream.call(upstreamCall(c, upstreamNamed(b.upstream), 'POST', `/v1/batches/${id}/cancel`), maxUpload));
    },

    async anthropicBatches(c) {
      if (c.req.method !== 'POST') {
        const up = config.upstreams.find((u) => servedApis(u).includes('anthropic'));
        if (!up) throw new MoatError('not_found', 'No upstream serves Anthropic message batches.');
        const a = await upstream.call(upstreamCall(c, up, 'GET', `/v1/messages/batches${c.query}`), maxUpload);
        return send(c, a, (await ownList(c, a)) ?? a.body);
      }
      requireJson(c);
      const a = await asUpload(async () => {
        const raw = await readUpload(c.req);
        const judge = judgeBatch(c, (onItem) => readAnthropicBatch(raw, limits, onItem));
        const up = routeItems(judge.models, 'anthropic');
        return submit(c, judge, raw, up, '/v1/messages', () => upstream.call(upstreamCall(c, up, 'POST', '/v1/messages/batches', raw), maxUpload));
      });
      const parsed = parseAnswer(a);
      send(c, a, ok(a) && isJsonObject(parsed) ? JSON.stringify(ownResultsUrl(c, parsed)) : a.body, a.headers);
    },

    async getAnthropicBatch(c, id) {
      const b = await ownedBatch(c, id);
      const method = c.req.method === 'DELETE' ? 'DELETE' : 'GET';
      const a = await upstream.call(upstreamCall(c, upstreamNamed(b.upstream), method, `/v1/messages/batches/${id}`), maxUpload);
      const parsed = parseAnswer(a);
      send(c, a, ok(a) && isJsonObject(parsed) ? JSON.stringify(ownResultsUrl(c, parsed)) : a.body);
    },

    async cancelAnthropicBatch(c, id) {
      const b = await ownedBatch(c, id);
      const a = await upstream.call(upstreamCall(c, upstreamNamed(b.upstream), 'POST', `/v1/messages/batches/${id}/cancel`), maxUpload);
      const parsed = parseAnswer(a);
      send(c, a, ok(a) && isJsonObject(parsed) ? JSON.stringify(ownResultsUrl(c, parsed)) : a.body);
    },

    async getResponse(c, id) {
      const up = await ownedResponse(c, id);
      // `?stream=true` replays the response's events: whatever the upstream sends is passed on as it comes.
      await upstream.stream(upstreamCall(c, up, 'GET', `/v1/responses/${id}${c.query}`), c.res, answerHeaders(c), undefined, 0);
    },

    async cancelResponse(c, id) {
      const up = await ownedResponse(c, id);
      send(c, await upstream.call(upstreamCall(c, up, 'POST', `/v1/responses/${id}/cancel`), maxUpload));
    },

    async anthropicResults(c, id) {
      const b = await ownedBatch(c, id);
      const meter = (await registry.claimMetering(id)) ? resultLineMeter(deps.usage, { orgId: c.org.id, keyId: c.keyId }, c.api, 'messages') : undefined;
      await upstream.stream(upstreamCall(c, upstreamNamed(b.upstream), 'GET', `/v1/messages/batches/${id}/results`), c.res, answerHeaders(c), meter, MAX_RESULT_LINE);
    },
  };

  async function cancelOrgBatches(orgId: string): Promise<number> {
    let accepted = 0;
    for (const id of await registry.batchesOf(orgId)) {
      const b = await registry.batch(id);
      const up = b && upstreamByName.get(b.upstream);
      if (!b || !up) continue;
      const path = b.api === 'openai' ? `/v1/batches/${id}/cancel` : `/v1/messages/batches/${id}/cancel`;
      try {
        const a = await upstream.call({ up, api: b.api, method: 'POST', path, ...(b.api === 'anthropic' ? { forward: { 'anthropic-version': '2023-06-01' } } : {}) }, 1024 * 1024);
        if (ok(a)) accepted++;
      } catch (e) {
        logger.warn({ err: e, orgId, batch: id }, 'cancelling a denied org\'s batch failed');
      }
    }
    return accepted;
  }

  return {
    handle,
    cancelOrgBatches,
    async close() {
      await eventFeed.idle();
      await pools.close();
      await registry.close();
      await deps.responses.close();
    },
  };
}
