// Calling the upstream for an admitted model call and relaying its answer: buffered calls in one write,
// streams chunk by chunk with backpressure, metered on the way, and stopped at the next chunk when the
// exchange is told to stop (org denied, shutdown). A pool's members are tried in turn while nothing has
// reached the client (upstream-attempts.ts, upstream-pool.ts).
import { performance } from 'node:perf_hooks';
import type { RoutingConfig, UpstreamConfig } from '../config/schema.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import { renderStreamError } from '../errors/wire-format.js';
import type { CounterCell } from '../ops/metric-cells.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import { formatTraceparent } from '../ops/trace-context.js';
import { successHeaders, type Exchange } from './exchange.js';
import { SseParser } from './sse-parser.js';
import { createUpstreamPools, requestBuffered, upstreamError } from './upstream-client.js';
import { createUpstreamTargets } from './upstream-target.js';
import { attemptAcrossPool, type AttemptResult } from './upstream-attempts.js';
import { createPoolBalancer } from './upstream-pool.js';
import { UsageMeter } from './usage-meter.js';

/** Upstream response headers worth passing to the client on errors it should act on. */
const PASSTHROUGH_ERROR_HEADERS = ['retry-after', 'x-should-retry'] as const;
/** Upstream response headers a buffered (non-streaming) call keeps. */
const BUFFERED_RESPONSE_HEADERS = ['content-type', ...PASSTHROUGH_ERROR_HEADERS] as const;

export interface UpstreamRelayDeps {
  /** Cap on the response text kept for the request event. */
  responseTextCap: number;
  metrics: GatewayMetrics;
  /** Where upstream credentials (`apiKeyEnv`) are read. */
  env: NodeJS.ProcessEnv;
  /** Retries and passive health of pools. */
  routing: RoutingConfig;
  /** Clock for ejections (the gateway's injected clock). */
  now(): number;
  /** Uniform in [0, 1): weights and jitter (Math.random unless a test fixes it). */
  random?: () => number;
  /** Waits between retries (setTimeout unless a test replaces it). */
  sleep?: (ms: number) => Promise<void>;
  /** Told of each failure handed back for a retry on another member. */
  onRetry?: (x: Exchange, up: UpstreamConfig, why: string) => void;
}

const OK: AttemptResult = { outcome: 'ok' };
const ABANDONED: AttemptResult = { outcome: 'abandoned' };
/** Transport failures retried on another member: the request never reached a model (or it hung up before answering). */
const RETRYABLE_CODES: ReadonlySet<string> = new Set(['upstream_connect_failed', 'upstream_connect_timeout', 'upstream_closed']);

/** Statuses that are a member's failure: 5xx (counts against its health) and 429 (load: retried, not counted). */
function statusFailure(status: number): { counts: boolean } | undefined {
  if (status >= 500) return { counts: true };
  if (status === 429) return { counts: false };
  return undefined;
}

export interface UpstreamRelay {
  /** Calls a member of `pool` with the request body (`raw` as received), retrying on others while nothing reached the client, and answers the client. */
  relay(x: Exchange, pool: readonly UpstreamConfig[], raw: Buffer): Promise<void>;
  /** Closes the connection pools. */
  close(): Promise<void>;
}

export function createUpstreamRelay(deps: UpstreamRelayDeps): UpstreamRelay {
  const { metrics, env } = deps;
  const pools = createUpstreamPools();
  const upstreamTarget = createUpstreamTargets(env);

  const balancer = createPoolBalancer({
    routing: deps.routing,
    now: deps.now,
    random: deps.random ?? Math.random,
    onHealthChange: (u, healthy) => {
      metrics.upstreamHealthy.set({ upstream: u.name }, healthy ? 1 : 0);
      if (!healthy) metrics.upstreamEjections.inc({ upstream: u.name });
    },
  });
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // Each upstream's attempt counters, found once (not a label lookup per call).
  const attemptCells = new Map<UpstreamConfig, Record<'ok' | 'retried' | 'failed', CounterCell>>();
  const countAttempt = (u: UpstreamConfig, outcome: 'ok' | 'retried' | 'failed') => {
    let c = attemptCells.get(u);
    if (!c) {
      const cell = (o: string) => metrics.upstreamAttempts.cell({ upstream: u.name, outcome: o });
      attemptCells.set(u, (c = { ok: cell('ok'), retried: cell('retried'), failed: cell('failed') }));
    }
    c[outcome].inc();
  };

  async function relay(x: Exchange, pool: readonly UpstreamConfig[], raw: Buffer): Promise<void> {
    const body = x.body as Record<string, unknown>;
    let payload: Buffer | string = raw;
    // Metering needs the final usage chunk of chat and completions streams; when the client did not ask for it
    // we do, and hide it again. (Responses streams always end with their usage in `response.completed`.)
    let stripUsageChunk = false;
    if ((x.kind === 'chat' || x.kind === 'completions') && x.stream) {
      const so = body.stream_options;
      const asked = typeof so === 'object' && so !== null && (so as { include_usage?: unknown }).include_usage === true;
      if (!asked) {
        payload = JSON.stringify({ ...body, stream_options: { ...(typeof so === 'object' && so !== null ? so : {}), include_usage: true } });
        stripUsageChunk = true;
      }
    }
    x.meter = new UsageMeter(x.kind, deps.responseTextCap);
    await attemptAcrossPool(
      pool,
      {
        balancer,
        retries: deps.routing.retries,
        backoffMs: deps.routing.retryBackoffMs,
        random: deps.random ?? Math.random,
        sleep,
        committed: () => x.res.headersSent,
        onOutcome: countAttempt,
      },
      (up, last) => attempt(x, up, payload, stripUsageChunk, last),
    );
  }

  /** One call to one pool member. Before `last`, a failure nothing of which reached the client is handed back to be retried elsewhere. */
  async function attempt(x: Exchange, up: UpstreamConfig, payload: Buffer | string, strip: boolean, last: boolean): Promise<AttemptResult> {
    if (x.clientGone) return ABANDONED;
    if (x.stopWith) throw x.stopWith;
    const target = upstreamTarget(up, x.api);
    const headers: Record<string, string> = { ...target.headers, accept: x.stream ? 'text/event-stream' : 'application/json' };
    if (x.trace) {
      // The upstream's work is a child of this request's span.
      headers.traceparent = formatTraceparent(x.trace.traceId, x.trace.spanId, x.trace.sampled);
      if (x.trace.tracestate) headers.tracestate = x.trace.tracestate;
    }
    for (const h of ['anthropic-version', 'anthropic-beta'] as const) {
      const v = x.req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const url = x.req.url ?? '';
    const q = url.indexOf('?');
    const path = target.pathPrefix + x.endpoint + (q >= 0 ? url.slice(q) : '');
    x.upstream = up;
    x.upstreamCalled = true;
    if (!x.stream) return callBuffered(x, up, path, headers, payload, last);
    const abort = new AbortController();
    x.abort = () => abort.abort();
    const activity = x.upstreamActivity;
    activity.phase = 'headers';
    activity.since = performance.now();
    let resp;
    try {
      resp = await pools.pool(up).request({ method: 'POST', path, headers, body: payload, signal: abort.signal });
      activity.phase = 'body';
      activity.since = performance.now();
    } catch (e) {
      activity.phase = 'idle';
      if (x.clientGone) return ABANDONED;
      if (x.stopWith) throw x.stopWith;
      const err = upstreamError(e, 'headers');
      if (!last && RETRYABLE_CODES.has(err.code)) return retryLater(x, up, err.code);
      throw err;
    }
    const ctype = String(resp.headers['content-type'] ?? '');
    if (resp.statusCode < 200 || resp.statusCode >= 300) {
      const failure = statusFailure(resp.statusCode);
      if (failure && !last) {
        resp.body.on('error', () => {}).destroy();
        return retryLater(x, up, `status ${resp.statusCode}`, failure.counts);
      }
      passThroughError(x, resp.statusCode, ctype, resp.headers, await readAll(x, resp.body));
      return failure ? { outcome: 'failed', retryable: false, counts: failure.counts } : OK;
    }
    if (!ctype.includes('text/event-stream')) {
      resp.body.on('error', () => {}).destroy();
      throw new MoatError('upstream_bad_response', `The model server answered a streaming request with ${ctype || 'no content type'} instead of an event stream.`);
    }
    await relayStream(x, resp.statusCode, ctype, resp.body, strip);
    if (x.clientGone) return ABANDONED;
    // Cut mid-stream by the upstream: the client already has part of the answer, so it is never retried.
    return x.errorCode?.startsWith('upstream_') ? { outcome: 'failed', retryable: false, counts: true } : OK;
  }

  /** A failure nothing of which reached the client: reported, and handed back to the pool loop. */
  function retryLater(x: Exchange, up: UpstreamConfig, why: string, counts = true): AttemptResult {
    deps.onRetry?.(x, up, why);
    return { outcome: 'failed', retryable: true, counts };
  }

  /** Non-streaming: the whole upstream body in memory, metered, then one write to the client. */
  async function callBuffered(x: Exchange, up: UpstreamConfig, path: string, headers: Record<string, string>, payload: Buffer | string, last: boolean): Promise<AttemptResult> {
    const call = requestBuffered(pools.pool(up), { path, headers, body: payload }, up.name, BUFFERED_RESPONSE_HEADERS, x.upstreamActivity);
    x.abort = call.abort;
    let resp;
    try {
      resp = await call.response;
    } catch (e) {
      if (x.clientGone) return ABANDONED;
      if (x.stopWith) throw x.stopWith;
      // Closed after its headers: the model server took the request and may have run it, so it is not sent twice.
      if (!last && isMoatError(e) && RETRYABLE_CODES.has(e.code) && !call.answered()) return retryLater(x, up, e.code);
      throw e;
    }
    if (x.clientGone) return ABANDONED;
    const ctype = resp.headers['content-type'] ?? '';
    if (resp.status < 200 || resp.status >= 300) {
      const failure = statusFailure(resp.status);
      if (failure && !last) return retryLater(x, up, `status ${resp.status}`, failure.counts);
      passThroughError(x, resp.status, ctype, resp.headers, resp.body);
      return failure ? { outcome: 'failed', retryable: false, counts: failure.counts } : OK;
    }
    let parsed: unknown;
    const text = resp.body.toString('utf8');
    try {
      parsed = JSON.parse(text);
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
    // An ASCII body goes out as the text already decoded: node then writes head and body as one string in one
    // write, instead of a corked head-and-buffer writev (fewer objects per response). Anything else (UTF-8
    // text, invalid bytes) goes out as the upstream's own bytes. One char per byte and no U+FFFD means ASCII.
    x.res.end(text.length === resp.body.length && text.indexOf('\uFFFD') < 0 ? text : resp.body);
    return OK;
  }

  /** Reads a whole (non-streaming) upstream body. Returns undefined if the client went away meanwhile. */
  async function readAll(x: Exchange, body: NodeJS.ReadableStream): Promise<Buffer | undefined> {
    const chunks: Buffer[] = [];
    try {
      for await (const c of body) {
        x.upstreamActivity.since = performance.now();
        chunks.push(c as Buffer);
      }
      x.upstreamActivity.phase = 'idle';
    } catch (e) {
      x.upstreamActivity.phase = 'idle';
      if (x.clientGone) return undefined;
      if (x.stopWith) throw x.stopWith;
      throw upstreamError(e, 'body');
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
        x.upstreamActivity.phase = 'idle';
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
        x.upstreamActivity.since = performance.now();
        if (x.ttfbMs === undefined) x.ttfbMs = x.upstreamActivity.since - x.startPerf;
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
        // Backpressure: a slow client pauses the upstream instead of growing our buffers. While paused, the
        // upstream's silence is ours, not its own: the body timeout restarts when reading resumes.
        if (!ok) {
          body.pause();
          x.upstreamActivity.phase = 'idle';
          res.once('drain', () => {
            if (done) return;
            x.upstreamActivity.phase = 'body';
            x.upstreamActivity.since = performance.now();
            body.resume();
          });
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
        end(x.stopWith ?? upstreamError(e, 'body'));
      });
    });
  }

  return { relay, close: () => pools.close() };
}
