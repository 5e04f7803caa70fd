// After a body is refused as too large, reads and throws away the rest of it up to a bound, as nginx's
// lingering close does: a client still uploading then finishes its write and reads the 413, instead of having
// the connection reset under it (the official SDKs report a reset as a connection error and upload the whole
// body again). Past the bound, or after maxMs, the connection is closed.
import type { IncomingMessage } from 'node:http';

export interface DiscardLimits {
  /** Most bytes of the refused body read and thrown away before closing. */
  maxBytes: number;
  /** Longest time spent on it before closing. */
  maxMs: number;
}

/**
 * Starts discarding what is left of req's body; the connection stays usable when the body ends within the
 * limits. Returns false (discarding nothing) when the declared length alone is past maxBytes: the caller then
 * closes the connection after its response.
 */
export function discardRestOfBody(req: IncomingMessage, limits: DiscardLimits): boolean {
  if (req.complete) return true;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limits.maxBytes) return false;
  let discarded = 0;
  const close = () => {
    stop();
    req.destroy();
  };
  const onData = (c: Buffer) => {
    discarded += c.length;
    if (discarded > limits.maxBytes) close();
  };
  const timer = setTimeout(close, limits.maxMs);
  timer.unref();
  const stop = () => {
    clearTimeout(timer);
    req.off('data', onData);
  };
  req.on('data', onData);
  req.once('end', stop);
  req.once('close', stop);
  req.resume();
  return true;
}
