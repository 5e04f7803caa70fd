// Reads a request body up to a byte limit. Over the limit it stops reading at once (no buffering of the rest).
import type { IncomingMessage } from 'node:http';
import { MoatError } from '../errors/moat-error.js';

/** Declared lengths above this are read into one preallocated buffer. */
const PREALLOCATE_FROM = 1024 * 1024;

/** A body being read: kept on the request, so the listeners below are shared functions, not closures per request. */
interface Reading {
  chunks: Buffer[];
  /** A large declared body (a batch upload) is copied into one buffer as it arrives: holding its chunks and then
   * their concatenation would need twice its size at the end. */
  into: Buffer | undefined;
  size: number;
  limit: number;
  resolve(b: Buffer): void;
  reject(e: MoatError): void;
}
type ReadingRequest = IncomingMessage & { moatBody?: Reading };

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  const into = Number.isSafeInteger(declared) && declared > PREALLOCATE_FROM ? Buffer.allocUnsafe(declared) : undefined;
  return new Promise((resolve, reject) => {
    (req as ReadingRequest).moatBody = { chunks: [], into, size: 0, limit, resolve, reject };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}

function onData(this: ReadingRequest, c: Buffer): void {
  const r = this.moatBody as Reading;
  const size = r.size + c.length;
  if (size > r.limit || (r.into && size > r.into.length)) {
    done(this);
    this.pause();
    r.reject(size > r.limit ? tooLarge(r.limit) : new MoatError('invalid_request', 'The request body is longer than its Content-Length.'));
    return;
  }
  if (r.into) c.copy(r.into, r.size);
  else r.chunks.push(c);
  r.size = size;
}

function onEnd(this: ReadingRequest): void {
  const r = this.moatBody as Reading;
  done(this);
  if (r.into) r.resolve(r.into.subarray(0, r.size));
  else r.resolve(r.chunks.length === 1 ? (r.chunks[0] as Buffer) : Buffer.concat(r.chunks, r.size));
}

// The client closed the connection mid-body: its own doing, not Moat's (no answer can reach it anyway).
function onError(this: ReadingRequest): void {
  const r = this.moatBody as Reading;
  done(this);
  r.reject(new MoatError('invalid_request', 'The connection closed before the whole request body arrived.'));
}

function done(req: ReadingRequest): void {
  req.off('data', onData);
  req.off('end', onEnd);
  req.off('error', onError);
  req.moatBody = undefined;
}

function tooLarge(limit: number): MoatError {
  return new MoatError('body_too_large', `The request body exceeds the limit of ${limit} bytes.`);
}

/**
 * `application/json`, optionally with parameters; a charset other than UTF-8 is refused: Moat reads the body as
 * UTF-8, and an upstream honouring `charset=utf-16` would read different text than policy judged.
 */
export function isJsonContentType(ct: string | undefined): boolean {
  if (!ct) return false;
  const [type, ...params] = ct.split(';');
  if ((type as string).trim().toLowerCase() !== 'application/json') return false;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0 || p.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    const charset = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
}
