// Calls to the upstream on behalf of the batch routes (upload, create, read, list, cancel, results): whole
// answers read up to a bound, and result files streamed through to the client while each line's usage is
// metered. Transport failures map to the catalog's upstream errors like model calls.
import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { UpstreamConfig } from '../config/schema.js';
import { MoatError } from '../errors/moat-error.js';
import type { WireApi } from '../errors/wire-format.js';
import type { UpstreamPools } from './upstream-client.js';
import { upstreamError } from './upstream-client.js';
import type { UpstreamTargets } from './upstream-target.js';

export interface UpstreamAnswer {
  status: number;
  contentType: string;
  body: Buffer;
}

export interface BatchUpstreamCall {
  up: UpstreamConfig;
  api: WireApi;
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query on the upstream, after its base URL's prefix. */
  path: string;
  /** A list of buffers is sent one after another (an upload sent without copying it into one buffer). */
  body?: Buffer | string | Buffer[];
  /** Overrides the JSON content type (multipart uploads). */
  contentType?: string;
  /** Passed on when the caller sent them (Anthropic's version and betas). */
  forward?: Record<string, string>;
}

export interface BatchUpstream {
  /** The whole answer, refused past `maxBytes` (upstream_bad_response: Moat will not hold more). */
  call(c: BatchUpstreamCall, maxBytes: number): Promise<UpstreamAnswer>;
  /**
   * Streams the answer to `res` (status and content type as the upstream sent them), handing each complete
   * line of a 2xx answer to `onLine` on the way (lines longer than `maxLine` bytes are passed on, not handed).
   */
  stream(c: BatchUpstreamCall, res: ServerResponse, headers: Record<string, string>, onLine: ((line: Buffer) => void) | undefined, maxLine: number): Promise<void>;
}

export function createBatchUpstream(pools: UpstreamPools, targets: UpstreamTargets): BatchUpstream {
  function request(c: BatchUpstreamCall) {
    const t = targets(c.up, c.api);
    const headers: Record<string, string> = { ...t.headers, accept: 'application/json', ...(c.forward ?? {}) };
    if (c.contentType) headers['content-type'] = c.contentType;
    if (c.body === undefined) delete headers['content-type'];
    if (Array.isArray(c.body)) headers['content-length'] = String(c.body.reduce((n, b) => n + b.length, 0));
    return pools
      .pool(c.up)
      .request({ method: c.method, path: t.pathPrefix + c.path, headers, ...(c.body !== undefined ? { body: Array.isArray(c.body) ? Readable.from(c.body, { objectMode: false }) : c.body } : {}) })
      .catch((e: unknown) => {
        throw upstreamError(e, 'headers');
      });
  }

  return {
    async call(c, maxBytes) {
      const r = await request(c);
      const tooLarge = () => new MoatError('upstream_bad_response', `The model server's answer exceeds ${maxBytes} bytes (batches.maxUploadBytes).`);
      // With a declared length the answer is copied into one buffer as it arrives (a file read back is held
      // once, not as chunks plus their concatenation).
      const declared = Number(r.headers['content-length']);
      const into = Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes ? Buffer.allocUnsafe(declared) : undefined;
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of r.body) {
          const b = chunk as Buffer;
          if (size + b.length > (into ? into.length : maxBytes)) {
            r.body.destroy();
            if (into && size + b.length <= maxBytes) throw new MoatError('upstream_bad_response', 'The model server sent more bytes than its Content-Length.');
            throw tooLarge();
          }
          if (into) b.copy(into, size);
          else chunks.push(b);
          size += b.length;
        }
      } catch (e) {
        if (e instanceof MoatError) throw e;
        throw upstreamError(e, 'body');
      }
      const body = into ? into.subarray(0, size) : Buffer.concat(chunks, size);
      return { status: r.statusCode, contentType: String(r.headers['content-type'] ?? 'application/json'), body };
    },

    async stream(c, res, headers, onLine, maxLine) {
      const r = await request(c);
      const ok = r.statusCode >= 200 && r.statusCode < 300;
      res.writeHead(r.statusCode, { ...headers, 'content-type': String(r.headers['content-type'] ?? 'application/octet-stream') });
      const lines = ok && onLine ? new LineSplitter(onLine, maxLine) : undefined;
      try {
        for await (const chunk of r.body) {
          lines?.push(chunk as Buffer);
          if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
          if (res.destroyed) {
            r.body.destroy();
            return;
          }
        }
        lines?.end();
        res.end();
      } catch {
        // Headers already went out: the client sees a cut answer, as with a cut stream.
        res.destroy();
      }
    },
  };
}

/** Splits a byte stream into lines (LF, optional CR) without holding more than one line. */
class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private skipping = false;

  constructor(
    private readonly onLine: (line: Buffer) => void,
    private readonly maxLine: number,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
      this.add(chunk.subarray(start, nl));
      this.flush();
      start = nl + 1;
    }
    if (start < chunk.length) this.add(chunk.subarray(start));
  }

  end(): void {
    this.flush();
  }

  private add(part: Buffer): void {
    if (this.skipping) return;
    this.pendingBytes += part.length;
    if (this.pendingBytes > this.maxLine) {
      this.skipping = true;
      this.pending = [];
      return;
    }
    this.pending.push(part);
  }

  private flush(): void {
    if (!this.skipping && this.pendingBytes > 0) this.onLine(this.pending.length === 1 ? (this.pending[0] as Buffer) : Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
    this.skipping = false;
  }
}
