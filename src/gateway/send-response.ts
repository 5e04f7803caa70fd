// Writing answers the hot path knows in full, and refusing requests whose body it will not read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MoatError } from '../errors/moat-error.js';
import { renderError, type RenderedError } from '../errors/wire-format.js';
import { callerApi } from './caller-api.js';
import { discardRestOfBody } from './discard-body.js';
import { nextRequestId } from './request-id.js';

// Responses whose body is known carry content-length: writeHead() with a headers object fixes the header block
// at once, so without it node would frame the body as chunked (extra bytes and a longer write per response).
export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

export function sendRendered(res: ServerResponse, r: { status: number; headers: Record<string, string>; body: string }): void {
  res.writeHead(r.status, { ...r.headers, 'content-length': String(Buffer.byteLength(r.body)) });
  res.end(r.body);
}

export interface RefusalLimits {
  bodyLimitBytes: number;
  lingerBytes: number;
  lingerMs: number;
}

export interface Refusals {
  /** An error outside the front doors, in the caller's format; a request body is discarded (bounded). */
  refuse(req: IncomingMessage, res: ServerResponse, path: string, err: MoatError): void;
  /**
   * Answers a request whose body Moat will not use: the rest is read and discarded (up to the linger bounds)
   * so the caller, perhaps still uploading, reads the answer; a body declared past the bounds closes the
   * connection after the answer instead.
   */
  sendUnreadBodyError(req: IncomingMessage, res: ServerResponse, rendered: RenderedError): void;
}

export function createRefusals(limits: RefusalLimits): Refusals {
  const linger = { maxBytes: limits.lingerBytes, maxMs: limits.lingerMs };
  function sendUnreadBodyError(req: IncomingMessage, res: ServerResponse, rendered: RenderedError): void {
    // A caller waiting for `100 Continue` that was never sent (body over the limit) will not send the body.
    const uninvited = /100-continue/i.test(req.headers.expect ?? '') && Number(req.headers['content-length']) > limits.bodyLimitBytes;
    if (uninvited || !discardRestOfBody(req, linger)) {
      rendered.headers.connection = 'close';
      res.once('finish', () => req.destroy());
    }
    sendRendered(res, rendered);
  }
  return {
    sendUnreadBodyError,
    refuse(req, res, path, err) {
      sendUnreadBodyError(req, res, renderError(callerApi(req.headers, path), err, nextRequestId()));
    },
  };
}
