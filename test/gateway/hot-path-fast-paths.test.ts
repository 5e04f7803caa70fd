// Behaviour kept (or added) by the hot path's per-request savings: the key-hash cache, content-length framing,
// cancelling a non-streaming upstream call, and batched hand-off to event consumers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { KeyHashCache } from '../../src/gateway/key-hash-cache.js';
import { authenticate } from '../../src/gateway/authenticate.js';
import { generateApiKey, hashSecret } from '../../src/keys/api-key-format.js';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import { makeOrg, TestView } from './doubles.js';
import { startHarness } from './harness.js';

test('key-hash cache: gives the stored hash, stays within capacity and evicts the oldest entry', () => {
  const cache = new KeyHashCache(2);
  const [a, b, c] = [generateApiKey('test'), generateApiKey('test'), generateApiKey('test')];
  assert.deepEqual(cache.hashOf(a.secret), { ok: true, hash: a.hash });
  assert.deepEqual(cache.hashOf(b.secret), { ok: true, hash: b.hash });
  assert.equal(cache.size, 2);
  assert.deepEqual(cache.hashOf(c.secret), { ok: true, hash: c.hash });
  assert.equal(cache.size, 2, 'bounded');
  // `a` was evicted; asking again recomputes the same hash (and evicts `b`, now the oldest).
  assert.deepEqual(cache.hashOf(a.secret), { ok: true, hash: hashSecret(a.secret) });
  assert.equal(cache.size, 2);
});

test('key-hash cache: malformed and bad-checksum keys are rejected and never cached', () => {
  const cache = new KeyHashCache(10);
  const good = generateApiKey('test').secret;
  const typo = good.slice(0, -1) + (good.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(cache.hashOf('sk-not-a-moat-key'), { ok: false, reason: 'format' });
  assert.deepEqual(cache.hashOf(typo), { ok: false, reason: 'checksum' });
  assert.equal(cache.size, 0);
});

test('a cached key is still checked against the current view: disabling it takes effect at once', () => {
  const view = new TestView();
  view.addOrg(makeOrg('org_a'));
  const { secret, record } = view.addKey('org_a');
  const cache = new KeyHashCache();
  const presented = { via: 'bearer' as const, secret };
  assert.equal(authenticate(presented, view.current(), Date.now(), cache).ok, true);
  const disabled = { ...view.current(), keyByHash: new Map(view.current().keyByHash) };
  disabled.keyByHash.set(record.hash, { ...record, status: 'disabled' });
  const r = authenticate(presented, disabled, Date.now(), cache);
  assert.equal(r.ok, false);
  assert.equal(!r.ok && r.error.code, 'key_disabled');
  const gone = { ...view.current(), keyByHash: new Map() };
  const r2 = authenticate(presented, gone, Date.now(), cache);
  assert.equal(!r2.ok && r2.error.code, 'invalid_api_key');
});

test('responses with a known body are framed with content-length, not chunked (success and error)', async () => {
  const h = await startHarness();
  try {
    const ok = await request(h.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` },
      body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const okText = await ok.body.text();
    assert.equal(ok.statusCode, 200);
    assert.equal(ok.headers['transfer-encoding'], undefined);
    assert.equal(Number(ok.headers['content-length']), Buffer.byteLength(okText));
    assert.ok(JSON.parse(okText).choices.length > 0);
    const bad = await request(h.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    const badText = await bad.body.text();
    assert.equal(bad.statusCode, 401);
    assert.equal(bad.headers['transfer-encoding'], undefined);
    assert.equal(Number(bad.headers['content-length']), Buffer.byteLength(badText));
  } finally {
    await h.close();
  }
});

test('a finished call lets go of its request: its exchange no longer reaches the request, response, body, ticket or upstream call', async () => {
  // Whatever still points at a finished exchange (its response, a closure of its call) must not keep the request's
  // objects alive: under load such a pointer from a dead object in the old generation had every request promoted.
  const h = await startHarness();
  const exchanges: Array<Record<string, unknown>> = [];
  const responses: Array<ServerResponse & { exchange?: unknown }> = [];
  // Runs after the hot path's own listener, which has set the exchange on the response by then.
  h.server.on('request', (_req: IncomingMessage, res: ServerResponse & { exchange?: Record<string, unknown> }) => {
    if (res.exchange) exchanges.push(res.exchange);
    responses.push(res);
  });
  try {
    const call = (stream: boolean) =>
      request(h.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` },
        body: JSON.stringify({ model: 'demo-gpt', stream, messages: [{ role: 'user', content: 'hi' }] }),
      }).then(async (r) => ({ status: r.statusCode, text: await r.body.text() }));
    const [plain, streamed] = [await call(false), await call(true)];
    assert.equal(plain.status, 200);
    assert.equal(streamed.status, 200);
    assert.match(streamed.text, /data: \[DONE\]/);
    await h.takeEvents(2);
    assert.equal(exchanges.length, 2);
    for (const x of exchanges) {
      assert.ok(typeof x.id === 'string' && x.status === 200, 'what the finished call reports is kept');
      for (const held of ['req', 'res', 'body', 'facts', 'meter', 'ticket', 'abort', 'upstreamActivity']) assert.equal(x[held], undefined, held);
    }
    for (const res of responses) assert.equal(res.exchange, undefined);
  } finally {
    await h.close();
  }
});

test('non-streaming: a client that disconnects cancels the upstream call; the event says 499', async () => {
  let upstreamReq: IncomingMessage | undefined;
  let upstreamClosed!: () => void;
  const closed = new Promise<void>((r) => (upstreamClosed = r));
  const slow = createServer((req) => {
    upstreamReq = req; // never answers
    req.socket.once('close', () => upstreamClosed());
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
  const slowUrl = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
  const h = await startHarness({ upstreams: () => [{ name: 'slow', api: 'openai', baseUrl: slowUrl, models: ['slow-*'] }] });
  try {
    const ac = new AbortController();
    const pending = request(h.url + '/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` },
      body: JSON.stringify({ model: 'slow-1', messages: [{ role: 'user', content: 'hi' }] }),
      signal: ac.signal,
    }).catch(() => undefined);
    for (let i = 0; i < 200 && !upstreamReq; i++) await new Promise((r) => setTimeout(r, 5));
    assert.ok(upstreamReq, 'the upstream got the request');
    ac.abort();
    await pending;
    await closed; // the gateway closed its upstream connection: the call was cancelled
    const [ev] = await h.takeEvents(1);
    assert.equal(ev?.status, 499);
  } finally {
    await h.close();
    slow.closeAllConnections();
    await new Promise<void>((r) => slow.close(() => r()));
  }
});

test('event queue: items pushed across several callbacks of one loop turn reach a waiting consumer as one batch', async () => {
  const q = new BoundedQueue<number>(100);
  const batch = q.take(100);
  q.push(1);
  await Promise.resolve();
  q.push(2);
  await new Promise<void>((r) => process.nextTick(r));
  q.push(3);
  assert.deepEqual(await batch, [1, 2, 3]);
});
