// Request lifecycle: request ids, one event per request, client disconnects, org revocation mid-stream, drain.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { startHarness, type Harness } from './harness.js';
import { MoatError } from '../../src/errors/moat-error.js';
import { until } from '../support/until.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());
beforeEach(async () => {
  h.demo.setBehavior({ fault: 'none', delayMs: 0, chunkDelayMs: 0 });
  await h.takeEvents(h.events.size);
});

const streamBody = (model = 'demo-claude') =>
  JSON.stringify({ model, max_tokens: 200, stream: true, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten eleven twelve' }] });

function post(path: string, body: string, key = h.secret) {
  return request(h.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key, 'anthropic-version': '2023-06-01' }, body });
}

test('every response carries x-request-id (and request-id for Anthropic), matching the event id', async () => {
  const r = await post('/v1/messages', JSON.stringify({ model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }));
  await r.body.text();
  const id = r.headers['x-request-id'];
  assert.match(String(id), /^req_/);
  assert.equal(r.headers['request-id'], id);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.id, id);
  const o = await request(h.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` }, body: '{"model":"demo-gpt","messages":[]}' });
  await o.body.text();
  assert.match(String(o.headers['x-request-id']), /^req_/);
  assert.equal(o.headers['request-id'], undefined);
});

test('exactly one event per authenticated request, none for unauthenticated ones', async () => {
  for (let i = 0; i < 5; i++) await (await post('/v1/messages', JSON.stringify({ model: 'demo-claude', max_tokens: 5, messages: [] }))).body.text();
  await (await post('/v1/messages', '{bad json')).body.text();
  await (await request(h.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).body.text();
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(h.events.size, 6);
  const evs = await h.takeEvents(6);
  assert.equal(new Set(evs.map((e) => e.id)).size, 6);
  assert.equal(evs.at(-1)?.errorCode, 'invalid_json');
});

test('a full event queue never blocks requests; drops are counted in /metrics', async () => {
  const small = await startHarness({ config: { events: { queueSize: 2 } } });
  try {
    // The harness queue holds 1000; build pressure by filling it to capacity first.
    while (small.events.size < small.events.capacity) small.events.push(small.events as never);
    const r = await request(small.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${small.secret}` }, body: '{"model":"demo-gpt","messages":[]}' });
    assert.equal(r.statusCode, 200);
    await r.body.text();
    const m = await (await request(small.url + '/metrics')).body.text();
    assert.match(m, /moat_events_dropped_total 1/);
  } finally {
    await small.close();
  }
});

test('client disconnect aborts the upstream stream; usage counted as far as it went', async () => {
  h.demo.setBehavior({ chunkDelayMs: 40 });
  const before = h.demo.stats.abortedStreams;
  const r = await post('/v1/messages', streamBody());
  let got = '';
  for await (const c of r.body) {
    got += c.toString();
    if (got.includes('content_block_delta')) break; // leaving the loop destroys the response
  }
  await until(() => h.demo.stats.abortedStreams > before, 'the upstream stream to be aborted', 2_000, 5);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.status, 499);
  assert.ok(ev!.usage.input_tokens > 0, 'input tokens from message_start');
  assert.ok(ev!.usage.output_tokens >= 1);
  assert.ok(h.limiter.settled.length > 0);
});

test('abortOrgStreams ends a running stream at its next chunk with an SSE error naming the clause', async () => {
  h.demo.setBehavior({ chunkDelayMs: 30 });
  const r = await post('/v1/messages', streamBody());
  let got = '';
  let revoked = 0;
  for await (const c of r.body) {
    got += c.toString();
    if (!revoked && got.includes('message_start')) revoked = h.hot.abortOrgStreams('org_a', new MoatError('org_revoked', 'Access revoked.', { clause: 'ToS §2.3' }));
  }
  assert.equal(revoked, 1);
  const last = got.trim().split('\n\n').at(-1)!;
  assert.match(last, /^event: error/);
  const err = JSON.parse(last.split('data: ')[1]!);
  assert.equal(err.error.type, 'permission_error');
  assert.equal(err.error.code, 'org_revoked');
  assert.match(err.error.message, /ToS §2\.3/);
  assert.ok(!got.includes('message_stop'));
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.errorCode, 'org_revoked');
  assert.equal(h.hot.abortOrgStreams('org_a', new MoatError('org_revoked')), 0, 'nothing left in flight');
});

test('drain: refuses new requests with 503, lets a short stream finish, then resolves', async () => {
  const own = await startHarness();
  try {
    own.demo.setBehavior({ chunkDelayMs: 15 });
    const r = await request(own.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': own.secret }, body: streamBody() });
    const done = r.body.text();
    await until(() => own.hot.inFlight === 1, 'the call to be in flight', 2_000, 5);
    const drained = own.hot.drain(5000);
    const refused = await request(own.url + '/v1/messages', { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': own.secret }, body: streamBody() });
    assert.equal(refused.statusCode, 503);
    assert.equal((await refused.body.json() as any).error.code, 'shutting_down');
    const ready = await request(own.url + '/readyz');
    assert.equal(ready.statusCode, 503);
    await ready.body.text();
    await drained;
    assert.match(await done, /event: message_stop/);
  } finally {
    await own.close();
  }
});

test('drain: past the deadline a running stream ends with a shutting_down error event', async () => {
  const own = await startHarness();
  try {
    own.demo.setBehavior({ chunkDelayMs: 200 });
    const r = await request(own.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${own.secret}` }, body: streamBody('demo-gpt') });
    const done = r.body.text();
    await until(() => own.hot.inFlight === 1, 'the call to be in flight', 2_000, 5);
    await new Promise((res) => setTimeout(res, 50));
    const t0 = Date.now();
    await own.hot.drain(100);
    assert.ok(Date.now() - t0 < 1000);
    const last = (await done).trim().split('\n\n').at(-1)!;
    assert.equal(JSON.parse(last.slice('data: '.length)).error.code, 'shutting_down');
  } finally {
    await own.close();
  }
});

test('healthz answers; readyz reflects readiness', async () => {
  const r = await request(h.url + '/healthz');
  assert.equal(r.statusCode, 200);
  assert.deepEqual(await r.body.json(), { status: 'ok' });
  const notReady = await startHarness({ deps: { readiness: () => ({ ready: false, reason: 'policy view not loaded' }) } });
  try {
    const rz = await request(notReady.url + '/readyz');
    assert.equal(rz.statusCode, 503);
    assert.deepEqual(await rz.body.json(), { status: 'not_ready', reason: 'policy view not loaded' });
  } finally {
    await notReady.close();
  }
});

test('routes that are not the hot path are left to the caller', async () => {
  const r = await request(h.url + '/admin/orgs');
  assert.equal(r.statusCode, 404);
  assert.deepEqual(await r.body.json(), { error: 'not a hot-path route' });
});
