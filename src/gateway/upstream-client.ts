// Connection pools to the model servers (undici) and the mapping of transport failures to catalog codes.
import { Pool, type Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/schema.js';
import { MoatError } from '../errors/moat-error.js';
import type { ErrorCode } from '../errors/catalog.js';
import type { UpstreamActivity } from './upstream-deadlines.js';

export interface UpstreamPools {
  pool(u: UpstreamConfig): Pool;
  close(): Promise<void>;
}

export function createUpstreamPools(): UpstreamPools {
  const pools = new Map<string, Pool>();
  return {
    pool(u) {
      let p = pools.get(u.name);
      if (!p) {
        p = new Pool(new URL(u.baseUrl).origin, {
          connections: u.connections,
          connect: { timeout: u.connectTimeoutMs },
          // Headers and body timeouts are kept by the gateway's sweep (upstream-deadlines.ts), not a timer per call.
          headersTimeout: 0,
          bodyTimeout: 0,
          keepAliveTimeout: 30_000,
        });
        pools.set(u.name, p);
      }
      return p;
    },
    async close() {
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => p.destroy())));
      pools.clear();
    },
  };
}

/** Path on the upstream: the base URL's own path prefix (if any) plus the front door's path and query. */
export function upstreamPath(u: UpstreamConfig, pathAndQuery: string): string {
  const prefix = new URL(u.baseUrl).pathname.replace(/\/+$/, '');
  return prefix + pathAndQuery;
}

/**
 * Maps an undici error to a catalog code. `phase` says whether response headers had arrived: a socket closed
 * before the headers is a refused/failed connection only if it never connected, otherwise the server hung up.
 */
export function upstreamErrorCode(err: unknown, phase: 'headers' | 'body'): ErrorCode {
  const code = (err as { code?: string } | null)?.code ?? '';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'upstream_connect_timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'upstream_headers_timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'upstream_body_timeout';
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'upstream_connect_failed';
    case 'UND_ERR_SOCKET':
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_CLOSED':
      return 'upstream_closed';
    default:
      // HTTP parser errors (HPE_*) and anything else unexpected: the server did not speak valid HTTP.
      return phase === 'body' && code === '' ? 'upstream_closed' : 'upstream_bad_response';
  }
}

export function upstreamError(err: unknown, phase: 'headers' | 'body'): MoatError {
  const code = upstreamErrorCode(err, phase);
  return new MoatError(code, undefined, { cause: err });
}

export type UpstreamResponse = Dispatcher.ResponseData;

/** A whole (non-streaming) upstream response: status, the named headers (lowercase), the body. */
export interface BufferedResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export interface BufferedCall {
  response: Promise<BufferedResponse>;
  /** Cancels the call (client gone, shutdown); `response` then rejects. */
  abort(): void;
  /** Whether the upstream's response headers arrived: past that the model may have run the request. */
  answered(): boolean;
}

/**
 * One non-streaming upstream call through undici's dispatch API, collecting the body in memory. Cheaper than
 * `request()` per call: no body stream, no async iteration, no AbortController/AbortSignal pair. Failures reject
 * with the catalog's upstream error (phase `headers` before the response started, `body` after).
 */
export function requestBuffered(
  pool: Dispatcher,
  opts: { path: string; headers: Record<string, string>; body: Buffer | string },
  upstream: string,
  wantedHeaders: readonly string[],
  activity: UpstreamActivity,
): BufferedCall {
  let handler!: BufferingHandler;
  const response = new Promise<BufferedResponse>((resolve, reject) => {
    handler = new BufferingHandler(resolve, reject, upstream, wantedHeaders, activity);
  });
  activity.phase = 'headers';
  activity.since = performance.now();
  pool.dispatch({ method: 'POST', path: opts.path, headers: opts.headers, body: opts.body }, handler);
  return { response, abort: () => handler.abort(), answered: () => handler.answered };
}

class BufferingHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | undefined;
  private aborted = false;
  private started = false;

  get answered(): boolean {
    return this.started;
  }
  private status = 0;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(
    private readonly resolve: (r: BufferedResponse) => void,
    private readonly reject: (e: MoatError) => void,
    private readonly upstream: string,
    private readonly wanted: readonly string[],
    private readonly activity: UpstreamActivity,
  ) {}

  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.controller?.abort(new Error('aborted by the gateway'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.aborted) controller.abort(new Error('aborted by the gateway'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, statusCode: number, headers: Record<string, string | string[] | undefined>): void {
    this.started = true;
    this.status = statusCode;
    this.activity.phase = 'body';
    this.activity.since = performance.now();
    for (const h of this.wanted) {
      const v = headers[h];
      if (typeof v === 'string') this.headers[h] = v;
    }
  }

  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.activity.since = performance.now();
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  onResponseEnd(): void {
    this.activity.phase = 'idle';
    this.resolve({ status: this.status, headers: this.headers, body: this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.size) });
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    this.activity.phase = 'idle';
    this.reject(upstreamError(err, this.started ? 'body' : 'headers'));
  }
}
