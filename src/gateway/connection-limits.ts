// Connection limits of the gateway's HTTP server: how long a request may take to arrive, how long an idle
// keep-alive connection stays, how many connections there may be in all and from one address. Slow-header
// attacks (slowloris) hold connections open by sending a request a byte at a time: the header timeout ends
// each one, and the per-address cap keeps one source from holding the rest.
import type { Server, ServerOptions } from 'node:http';

export interface ConnectionLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxHeaderBytes: number;
  /** 0: no limit. */
  maxConnections: number;
  /** Concurrent connections from one remote address; 0: no limit. */
  maxConnectionsPerIp: number;
}

/** Options for http.createServer. Node checks the timeouts every connectionsCheckingInterval (30 s by default). */
export function serverOptions(l: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    maxHeaderSize: l.maxHeaderBytes,
    connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(l.headersTimeoutMs / 4))),
  };
}

/**
 * Applies the connection caps (a connection over a cap is closed at once, before any byte is read) and closes a
 * new connection that goes silent before its first request: node's header timeout starts with the first byte,
 * so a connection that sends nothing would otherwise stay open for good. The silence allowed is twice the header
 * timeout, so a caller that sent part of its headers gets node's 408 first.
 */
export function limitConnections(server: Server, l: ConnectionLimits): void {
  if (l.maxConnections > 0) server.maxConnections = l.maxConnections;
  server.on('connection', (socket) => {
    socket.setTimeout(2 * l.headersTimeoutMs, () => socket.destroy());
  });
  // From the first request on, node's own timeouts (headers, request, keep-alive) take over.
  server.on('request', (req) => req.socket.setTimeout(0));
  if (l.maxConnectionsPerIp <= 0) return;
  const perIp = new Map<string, number>();
  server.on('connection', (socket) => {
    const ip = socket.remoteAddress ?? '';
    const n = (perIp.get(ip) ?? 0) + 1;
    if (n > l.maxConnectionsPerIp) {
      socket.destroy();
      return;
    }
    perIp.set(ip, n);
    socket.once('close', () => {
      const left = (perIp.get(ip) ?? 1) - 1;
      if (left > 0) perIp.set(ip, left);
      else perIp.delete(ip);
    });
  });
}
