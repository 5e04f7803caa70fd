// Answers outside the three model routes are still in the caller's API format (unknown routes, wrong methods,
// malformed HTTP, oversized headers, requests too slow to arrive), and the connection limits hold under a
// slow-header attack from one address while others are served. The data folder is private to its owner.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startE2eGateway, type E2eGateway } from '../policy-e2e/e2e-gateway.js';

let g: E2eGateway;
let port: number;
let key: string;

before(async () => {
  g = await startE2eGateway({ 'server.headersTimeoutMs': 400, 'server.requestTimeoutMs': 2_000, 'server.maxConnectionsPerIp': 20 });
  port = Number(new URL(g.url).port);
  const org = await g.admin('POST', '/admin/orgs', { name: 'edges' });
  key = (await g.admin('POST', `/admin/orgs/${org.json.id}/keys`, { name: 'k' })).json.secret;
});
after(() => g.close());

type Api = 'openai' | 'anthropic';
const AUTH: Record<Api, () => Record<string, string>> = {
  openai: () => ({ authorization: `Bearer ${key}` }),
  anthropic: () => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' }),
};

function assertShape(api: Api, status: number, body: string, headers: Record<string, unknown>, want: { status: number; code: string }) {
  assert.equal(status, want.status, body);
  assert.equal(headers['moat-error-code'], want.code);
  assert.match(String(headers['x-request-id']), /^req_[0-9a-f]{32}$/);
  const j = JSON.parse(body);
  if (api === 'anthropic') {
    assert.equal(j.type, 'error');
    assert.equal(j.error.code, want.code);
    assert.equal(headers['request-id'], headers['x-request-id']);
  } else {
    assert.equal(j.error.code, want.code);
    assert.ok('param' in j.error);
  }
}

async function call(api: Api, method: string, path: string, body?: string) {
  const r = await request(g.url + path, { method: method as 'GET', headers: { ...AUTH[api](), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body } : {}) });
  return { status: r.statusCode, headers: r.headers as Record<string, unknown>, body: await r.body.text() };
}

test('unknown /v1 routes and routes outside /v1 → 404 not_found in the caller format', async () => {
  const paths: Record<Api, string[]> = { openai: ['/v1/audio/speech', '/v1/images/generations', '/v1', '/nothing-here'], anthropic: ['/v1/messages/batches/msgbatch_1/unknown', '/v1/complete', '/favicon.ico'] };
  for (const api of ['openai', 'anthropic'] as const) {
    for (const path of paths[api]) {
      const r = await call(api, 'GET', path);
      assertShape(api, r.status, r.body, r.headers, { status: 404, code: 'not_found' });
    }
  }
});

test('wrong methods on the model routes → 405 method_not_allowed with `allow`, in the caller format', async () => {
  const cases: Array<[Api, string, string, string]> = [
    ['openai', 'GET', '/v1/chat/completions', 'POST'],
    ['anthropic', 'PUT', '/v1/messages', 'POST'],
    ['anthropic', 'DELETE', '/v1/messages', 'POST'],
    ['openai', 'POST', '/v1/models', 'GET, HEAD'],
    ['openai', 'GET', '/v1/responses', 'POST'],
    ['openai', 'GET', '/v1/embeddings', 'POST'],
    ['openai', 'GET', '/v1/completions', 'POST'],
    ['anthropic', 'GET', '/v1/messages/count_tokens', 'POST'],
    ['anthropic', 'DELETE', '/v1/models/demo-claude', 'GET, HEAD'],
  ];
  for (const [api, method, path, allow] of cases) {
    const r = await call(api, method, path, method === 'POST' || method === 'PUT' ? '{}' : undefined);
    assertShape(api, r.status, r.body, r.headers, { status: 405, code: 'method_not_allowed' });
    assert.equal(r.headers.allow, allow);
  }
});

/** Writes raw bytes and collects everything until the server closes (or 5 s). */
function raw(data: string | Buffer, opts: { localAddress?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    const s = connect({ port, host: '127.0.0.1', ...opts });
    let got = '';
    const t = setTimeout(() => s.destroy(), 5_000);
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(t);
      resolve(got);
    });
    s.write(data);
  });
}

function parseRaw(text: string): { status: number; headers: Record<string, string>; body: string } {
  const [head = '', body = ''] = text.split('\r\n\r\n', 2);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

test('malformed HTTP → 400 malformed_http in the caller format (Anthropic when its headers are seen)', async () => {
  const openai = parseRaw(await raw('GARBAGE LINE\r\n\r\n'));
  assertShape('openai', openai.status, openai.body, openai.headers, { status: 400, code: 'malformed_http' });
  const anthropic = parseRaw(await raw('POST /v1/messages HTTP/1.1\r\nHost: m\r\nx-api-key: k\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n'));
  assertShape('anthropic', anthropic.status, anthropic.body, anthropic.headers, { status: 400, code: 'malformed_http' });
  assert.equal(anthropic.headers.connection, 'close');
});

test('headers over the limit → 431 headers_too_large in the caller format', async () => {
  const r = parseRaw(await raw(`GET /v1/models HTTP/1.1\r\nHost: m\r\nanthropic-version: 2023-06-01\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`));
  assertShape('anthropic', r.status, r.body, r.headers, { status: 431, code: 'headers_too_large' });
});

test('a request whose headers do not arrive in server.headersTimeoutMs → 408 request_timeout, connection closed', async () => {
  const r = parseRaw(await raw('POST /v1/chat/completions HTTP/1.1\r\nHost: m\r\nAuthorization: Bearer x\r\n'));
  assertShape('openai', r.status, r.body, r.headers, { status: 408, code: 'request_timeout' });
});

test('slow-header attack from one address: capped per address and timed out, while another address is served', async () => {
  const attackers: Socket[] = [];
  let closedAtOnce = 0;
  const opened = await Promise.all(
    Array.from({ length: 60 }, () =>
      new Promise<Socket>((resolve) => {
        const s = connect(port, '127.0.0.1', () => resolve(s));
        s.on('error', () => {});
        s.on('close', () => closedAtOnce++);
        attackers.push(s);
      }),
    ),
  );
  // One header byte at a time, like slowloris.
  const drip = setInterval(() => {
    for (const s of opened) if (!s.destroyed) s.write('X');
  }, 50);
  try {
    opened.forEach((s) => s.write('GET /v1/models HTTP/1.1\r\nHost: m\r\nX-Slow: '));
    // The connections past the per-address cap (20) are closed by the server straight away.
    while (closedAtOnce < 40) await new Promise((r) => setTimeout(r, 10));
    // A caller from another address is served meanwhile.
    const other = await raw(`GET /v1/models HTTP/1.1\r\nHost: m\r\nAuthorization: Bearer ${key}\r\nConnection: close\r\n\r\n`, { localAddress: '127.0.0.2' });
    assert.match(other, /^HTTP\/1\.1 200 /);
    // The 20 held ones end at the header timeout.
    while (attackers.some((s) => !s.destroyed)) await new Promise((r) => setTimeout(r, 20));
  } finally {
    clearInterval(drip);
    for (const s of attackers) s.destroy();
  }
  // And the same address is welcome again afterwards.
  const again = await call('openai', 'GET', '/v1/models');
  assert.equal(again.status, 200);
});

test('the data folder is created readable by its owner only, and an open one is tightened', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'moat-datadir-'));
  const fresh = join(parent, 'fresh', 'data');
  const open = join(parent, 'open');
  mkdirSync(open, { mode: 0o755 });
  chmodSync(open, 0o755);
  try {
    for (const dataDir of [fresh, open]) {
      const other = await startE2eGateway({ dataDir });
      await other.close();
      assert.equal(statSync(dataDir).mode & 0o777, 0o700, dataDir);
    }
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
