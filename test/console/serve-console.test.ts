// The console server: files with the right types and caching, SPA fallback for deep links, 404 for
// missing files, no escape from the dist folder, conditional and compressed responses, Fastify mounting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { request } from 'undici';
import { createConsoleHandler } from '../../src/console-server/serve-console.js';
import { registerConsoleRoutes } from '../../src/console-server/fastify-plugin.js';

function makeDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'moat-console-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>console</title><script src="/console/assets/app-1234.js"></script>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log("app");'.repeat(200));
  writeFileSync(join(dir, 'assets', 'app-1234.css'), 'body{}');
  writeFileSync(join(dir, 'favicon.svg'), '<svg/>');
  writeFileSync(join(tmpdir(), 'moat-console-secret.txt'), 'secret');
  return dir;
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('no address');
  return `http://127.0.0.1:${a.port}`;
}

test('serveConsole over plain node http', async (t) => {
  const handler = createConsoleHandler({ distDir: makeDist() });
  const server = createServer((req, res) => {
    if (handler(req, res)) return;
    res.writeHead(418).end('gateway');
  });
  const base = await listen(server);
  t.after(() => server.close());
  const get = (path: string, headers: Record<string, string> = {}) => request(base + path, { headers });

  await t.test('index at /console/ is HTML, revalidated, with a CSP', async () => {
    const r = await get('/console/');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(r.headers['cache-control'], 'no-cache');
    assert.match(String(r.headers['content-security-policy']), /default-src 'self'/);
    assert.match(await r.body.text(), /<title>console<\/title>/);
  });

  await t.test('/console redirects to /console/ keeping the query', async () => {
    const r = await get('/console?x=1');
    assert.equal(r.statusCode, 308);
    assert.equal(r.headers.location, '/console/?x=1');
    await r.body.dump();
  });

  await t.test('deep links fall back to index.html', async () => {
    for (const p of ['/console/cases/c_1', '/console/orgs/org%20a?tab=keys', '/console/audit']) {
      const r = await get(p);
      assert.equal(r.statusCode, 200, p);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', p);
      assert.match(await r.body.text(), /<title>console/);
    }
  });

  await t.test('hashed assets: right type, immutable for a year', async () => {
    const js = await get('/console/assets/app-1234.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.headers['x-content-type-options'], 'nosniff');
    assert.match(await js.body.text(), /console\.log/);
    const css = await get('/console/assets/app-1234.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    await css.body.dump();
    const svg = await get('/console/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'public, max-age=300');
    await svg.body.dump();
  });

  await t.test('a missing file is a 404, not index.html', async () => {
    const r = await get('/console/assets/gone-999.js');
    assert.equal(r.statusCode, 404);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    await r.body.dump();
  });

  await t.test('no path traversal out of dist', async () => {
    for (const p of ['/console/../moat-console-secret.txt', '/console/%2e%2e/moat-console-secret.txt', '/console/assets/..%2f..%2fmoat-console-secret.txt']) {
      const r = await get(p);
      const body = await r.body.text();
      assert.ok(!body.includes('secret'), p);
      assert.ok(r.statusCode === 404 || r.statusCode === 418, `${p} -> ${r.statusCode}`);
    }
  });

  await t.test('ETag revalidation answers 304', async () => {
    const first = await get('/console/assets/app-1234.js');
    await first.body.dump();
    const etag = String(first.headers.etag);
    const again = await get('/console/assets/app-1234.js', { 'if-none-match': etag });
    assert.equal(again.statusCode, 304);
    await again.body.dump();
  });

  await t.test('gzip when accepted, identical after decompression', async () => {
    const plain = await (await get('/console/assets/app-1234.js')).body.text();
    const r = await get('/console/assets/app-1234.js', { 'accept-encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(gunzipSync(Buffer.from(await r.body.arrayBuffer())).toString(), plain);
  });

  await t.test('HEAD has headers and no body; other methods 405', async () => {
    const h = await request(base + '/console/', { method: 'HEAD' });
    assert.equal(h.statusCode, 200);
    assert.equal(await h.body.text(), '');
    const p = await request(base + '/console/', { method: 'POST', body: '{}' });
    assert.equal(p.statusCode, 405);
    assert.equal(p.headers.allow, 'GET, HEAD');
    await p.body.dump();
  });

  await t.test('other paths are left to the gateway', async () => {
    for (const p of ['/v1/models', '/consoles', '/admin/orgs']) {
      const r = await get(p);
      assert.equal(r.statusCode, 418, p);
      await r.body.dump();
    }
  });
});

test('an unbuilt console answers 503 with how to build it', async () => {
  const handler = createConsoleHandler({ distDir: join(tmpdir(), 'moat-console-does-not-exist') });
  const server = createServer((req, res) => void handler(req, res));
  const base = await listen(server);
  try {
    const r = await request(base + '/console/');
    assert.equal(r.statusCode, 503);
    assert.match(await r.body.text(), /build-console/);
  } finally {
    server.close();
  }
});

test('registerConsoleRoutes mounts the console on Fastify beside other routes', async () => {
  const app = Fastify();
  registerConsoleRoutes(app, { distDir: makeDist() });
  app.get('/admin/ping', async () => ({ ok: true }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const a = app.server.address();
    if (!a || typeof a === 'string') throw new Error('no address');
    const base = `http://127.0.0.1:${a.port}`;
    const deep = await request(base + '/console/cases/c_9');
    assert.equal(deep.statusCode, 200);
    assert.match(await deep.body.text(), /<title>console/);
    const js = await request(base + '/console/assets/app-1234.js');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    await js.body.dump();
    const redirect = await request(base + '/console');
    assert.equal(redirect.statusCode, 308);
    await redirect.body.dump();
    const head = await request(base + '/console/', { method: 'HEAD' });
    assert.equal(head.statusCode, 200);
    await head.body.dump();
    const ping = await request(base + '/admin/ping');
    assert.deepEqual(await ping.body.json(), { ok: true });
  } finally {
    await app.close();
  }
});
