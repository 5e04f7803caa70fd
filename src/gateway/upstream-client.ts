// Connection pools to the model servers (undici) and the mapping of transport failures to catalog codes.
import { Pool, type Dispatcher } from 'undici';
import type { UpstreamConfig } from '../config/schema.js';
import { MoatError } from '../errors/moat-error.js';
import type { ErrorCode } from '../errors/catalog.js';

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
          headersTimeout: u.headersTimeoutMs,
          bodyTimeout: u.bodyTimeoutMs,
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

export function upstreamError(err: unknown, phase: 'headers' | 'body', upstream: string): MoatError {
  const code = upstreamErrorCode(err, phase);
  return new MoatError(code, undefined, { cause: err });
}

export type UpstreamResponse = Dispatcher.ResponseData;
