// Serves the built admin console (console/dist) at /console from the gateway's own HTTP server.
// Plain node (req, res) so the gateway can mount it before or beside Fastify; see fastify-plugin.ts.
// Hashed assets are cached for a year (their name changes with their content); index.html is always
// revalidated so a new build is picked up at the next load. Every unknown extension-less path under
// /console/ gets index.html, so deep links (/console/cases/c_1) survive a reload.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { contentTypeFor, isCompressible } from './content-type.js';

export const CONSOLE_BASE = '/console';

/** console/dist relative to this file; the same from src/console-server and from dist/console-server. */
export const DEFAULT_CONSOLE_DIST = fileURLToPath(new URL('../../console/dist/', import.meta.url));

const HTML_HEADERS = {
  'content-security-policy': "default-src 'self'; img-src 'self' data:; style-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

interface CachedFile {
  body: Buffer;
  gzip?: Buffer;
  etag: string;
  type: string;
  mtimeMs: number;
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createConsoleHandler(opts: { distDir?: string } = {}): ConsoleHandler {
  const dist = resolve(opts.distDir ?? DEFAULT_CONSOLE_DIST);
  const cache = new Map<string, CachedFile>();

  /** Reads a file below dist (re-reading when it changed on disk), or undefined if there is none. */
  function load(rel: string): CachedFile | undefined {
    const file = resolve(join(dist, rel));
    if (file !== dist && !file.startsWith(dist + sep)) return undefined; // path traversal
    let st;
    try {
      st = statSync(file);
    } catch {
      return undefined;
    }
    if (!st.isFile()) return undefined;
    const hit = cache.get(file);
    if (hit && hit.mtimeMs === st.mtimeMs) return hit;
    const body = readFileSync(file);
    const type = contentTypeFor(extname(file));
    const entry: CachedFile = {
      body,
      type,
      mtimeMs: st.mtimeMs,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      ...(isCompressible(type) && body.length > 1024 ? { gzip: gzipSync(body) } : {}),
    };
    cache.set(file, entry);
    return entry;
  }

  return (req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path !== CONSOLE_BASE && !path.startsWith(CONSOLE_BASE + '/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return true;
    }
    if (path === CONSOLE_BASE) {
      res.writeHead(308, { location: CONSOLE_BASE + '/' + url.slice(path.length) }).end();
      return true;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice(CONSOLE_BASE.length + 1));
    } catch {
      return notFound(res), true;
    }
    if (rel.includes('\0')) return notFound(res), true;

    const index = load('index.html');
    if (!index) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end('The admin console is not built. Run `node scripts/build-console.mjs` (npm install does it).\n');
      return true;
    }
    const direct = rel === '' ? undefined : load(rel);
    const isAsset = rel.startsWith('assets/');
    // A path with an extension names a file: answer 404 rather than HTML the browser would misread.
    if (!direct && rel !== '' && extname(rel) !== '') return notFound(res), true;
    const file = direct ?? index;
    const isHtml = file === index;
    send(req, res, file, {
      'cache-control': isHtml ? 'no-cache' : isAsset ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      ...(isHtml ? HTML_HEADERS : {}),
    });
    return true;
  };
}

function send(req: IncomingMessage, res: ServerResponse, f: CachedFile, extra: Record<string, string>): void {
  const headers: Record<string, string | number> = {
    'content-type': f.type,
    etag: f.etag,
    'x-content-type-options': 'nosniff',
    ...extra,
  };
  if (f.gzip) headers.vary = 'Accept-Encoding';
  if (req.headers['if-none-match'] === f.etag) {
    res.writeHead(304, headers).end();
    return;
  }
  const gz = f.gzip && /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
  const body = gz ? f.gzip! : f.body;
  if (gz) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' }).end('Not found\n');
}

/** The handler over console/dist, for the gateway: `if (serveConsole(req, res)) return;`. */
export const serveConsole: ConsoleHandler = createConsoleHandler();
