// `GET /metrics` as every listener serves it (the gateway port, or a separate admin address): the registry in
// Prometheus text, behind a bearer token when one is configured (compared in constant time).
import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';

export interface MetricsEndpoint {
  registry: Registry;
  /** When set, a scrape must send `Authorization: Bearer <token>`. */
  token?: string | undefined;
  logger: Logger;
}

function authorized(req: IncomingMessage, token: string | undefined): boolean {
  if (token === undefined) return true;
  const given = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function serveMetrics(req: IncomingMessage, res: ServerResponse, m: MetricsEndpoint): void {
  if (!authorized(req, m.token)) {
    res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics need a bearer token\n');
    return;
  }
  void m.registry.metrics().then(
    (text) => {
      res.writeHead(200, { 'content-type': m.registry.contentType });
      res.end(text);
    },
    (e: unknown) => {
      m.logger.error({ err: e }, 'metrics collection failed');
      res.writeHead(500).end();
    },
  );
}

/** A listener that answers only `GET /metrics` (404 otherwise), for a separate admin address. */
export async function startMetricsListener(m: MetricsEndpoint, host: string, port: number): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics' && (req.method === 'GET' || req.method === 'HEAD')) return serveMetrics(req, res, m);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  const bound = addr && typeof addr === 'object' ? addr.port : port;
  return {
    server,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
