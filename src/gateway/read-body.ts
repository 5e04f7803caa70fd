// Reads a request body up to a byte limit. Over the limit it stops reading at once (no buffering of the rest).
import type { IncomingMessage } from 'node:http';
import { MoatError } from '../errors/moat-error.js';

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(c);
    };
    const onEnd = () => {
      cleanup();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
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
