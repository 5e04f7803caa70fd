// Reads a request body up to a byte limit. Over the limit it stops reading at once (no buffering of the rest).
import type { IncomingMessage } from 'node:http';
import { MoatError } from '../errors/moat-error.js';

/** Declared lengths above this are read into one preallocated buffer. */
const PREALLOCATE_FROM = 1024 * 1024;

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  // A large declared body (a batch upload) is copied into one buffer as it arrives: holding its chunks and then
  // their concatenation would need twice its size at the end.
  const into = Number.isSafeInteger(declared) && declared > PREALLOCATE_FROM ? Buffer.allocUnsafe(declared) : undefined;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      if (size + c.length > limit || (into && size + c.length > into.length)) {
        cleanup();
        req.pause();
        reject(size + c.length > limit ? tooLarge(limit) : new MoatError('invalid_request', 'The request body is longer than its Content-Length.'));
        return;
      }
      if (into) c.copy(into, size);
      else chunks.push(c);
      size += c.length;
    };
    const onEnd = () => {
      cleanup();
      if (into) resolve(into.subarray(0, size));
      else resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    };
    // The client closed the connection mid-body: its own doing, not Moat's (no answer can reach it anyway).
    const onError = () => {
      cleanup();
      reject(new MoatError('invalid_request', 'The connection closed before the whole request body arrived.'));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
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
