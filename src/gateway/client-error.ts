// Answers what node's HTTP parser refuses before any route sees it (malformed request line or framing, headers
// over the size limit, a request not received in time) in the caller's API format, then closes the connection.
// Node's default answer is a bare status line; Fastify's is its own JSON shape.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { MoatError } from '../errors/moat-error.js';
import { renderError } from '../errors/wire-format.js';
import { callerApiFromRaw } from './caller-api.js';
import { nextRequestId } from './request-id.js';

type ClientError = Error & { code?: string; rawPacket?: Buffer };

function codeFor(err: ClientError): 'headers_too_large' | 'request_timeout' | 'malformed_http' {
  if (err.code === 'HPE_HEADER_OVERFLOW') return 'headers_too_large';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'request_timeout';
  return 'malformed_http';
}

export function answerClientError(err: ClientError, socket: Duplex): void {
  // A response already under way on this connection (pipelining) cannot be followed by another one.
  const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
    socket.destroy();
    return;
  }
  const r = renderError(callerApiFromRaw(err.rawPacket), new MoatError(codeFor(err)), nextRequestId());
  const headers = { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)), connection: 'close' };
  const head = `HTTP/1.1 ${r.status} ${STATUS_CODES[r.status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  // Closed once the answer is out: a client still sending (a slow-header attacker) must not keep it half open.
  socket.end(head + r.body, () => socket.destroy());
}
