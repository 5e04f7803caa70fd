// Every bad input gets a clear error in the caller's format and the process keeps serving.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { request } from 'undici';
import { startHarness, type Harness } from './harness.js';
import { generateApiKey } from '../../src/keys/api-key-format.js';

let h: Harness;
let disabledKey: string;
let expiredKey: string;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  const downPort = await closedPort();
  h = await startHarness({
    config: { server: { bodyLimitBytes: 4096 } },
    upstreams: (url) => [
      { name: 'demo-openai', api: 'openai', baseUrl: url, models: ['demo-gpt'], headersTimeoutMs: 300, bodyTimeoutMs: 300 },
      { name: 'demo-anthropic', api: 'anthropic', baseUrl: url, models: ['demo-claude'], headersTimeoutMs: 300, bodyTimeoutMs: 300 },
      { name: 'down', api: 'openai', baseUrl: `http://127.0.0.1:${downPort}`, models: ['down-*'] },
    ],
  });
  disabledKey = h.view.addKey('org_a', { status: 'disabled' }).secret;
  expiredKey = h.view.addKey('org_a', { expiresAt: '2020-01-01T00:00:00Z' }).secret;
});
after(() => h.close());

type Api = 'openai' | 'anthropic';
const PATH: Record<Api, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };

async function call(api: Api, opts: { body?: string | Buffer; key?: string | null; contentType?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json', ...(opts.headers ?? {}) };
  const key = opts.key === undefined ? h.secret : opts.key;
  if (key !== null) {
    if (api === 'openai') headers.authorization = `Bearer ${key}`;
    else headers['x-api-key'] = key;
  }
  if (api === 'anthropic') headers['anthropic-version'] = '2023-06-01';
  const r = await request(h.url + PATH[api], { method: 'POST', headers, body: opts.body ?? goodBody(api) });
  const text = await r.body.text();
  return { status: r.statusCode, headers: r.headers, text, json: safeJson(text) };
}

const goodBody = (api: Api, extra: Record<string, unknown> = {}) =>
  JSON.stringify(api === 'openai' ? { model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }], ...extra } : { model: 'demo-claude', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], ...extra });

function safeJson(t: string): any {
  try {
    return JSON.parse(t);
  } catch {
    return undefined;
  }
}

/** Asserts the error is in the caller's native shape with the Moat code. */
function assertError(api: Api, r: Awaited<ReturnType<typeof call>>, status: number, code: string) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.headers['moat-error-code'], code);
  const rid = r.headers['x-request-id'];
  assert.match(String(rid), /^req_[0-9a-f]{32}$/);
  if (api === 'anthropic') {
    assert.equal(r.json.type, 'error');
    assert.equal(r.json.error.code, code);
    assert.equal(r.json.request_id, rid);
    assert.equal(r.headers['request-id'], rid);
  } else {
    assert.equal(r.json.error.code, code);
    assert.equal(typeof r.json.error.message, 'string');
    assert.ok('param' in r.json.error);
  }
}

for (const api of ['openai', 'anthropic'] as const) {
  test(`${api}: malformed JSON → 400 invalid_json`, async () => {
    assertError(api, await call(api, { body: '{"model": "demo-gpt", ' }), 400, 'invalid_json');
  });
  test(`${api}: JSON that is not an object, or without model → 400 invalid_request`, async () => {
    assertError(api, await call(api, { body: '[1,2]' }), 400, 'invalid_request');
    assertError(api, await call(api, { body: '{"messages":[]}' }), 400, 'invalid_request');
  });
  test(`${api}: wrong content type, or a charset other than UTF-8 → 415`, async () => {
    assertError(api, await call(api, { contentType: 'text/plain' }), 415, 'unsupported_media_type');
    assertError(api, await call(api, { contentType: 'application/json; charset=utf-16' }), 415, 'unsupported_media_type');
    assert.equal((await call(api, { contentType: 'application/json; charset="UTF-8"' })).status, 200);
  });
  test(`${api}: nesting past the depth limit (even in a stream) → 400 invalid_request naming where`, async () => {
    const deep = '['.repeat(1500) + ']'.repeat(1500); // 3 KB: under this harness's 4 KiB body limit
    for (const stream of [false, true]) {
      const body = `{"model":"${api === 'openai' ? 'demo-gpt' : 'demo-claude'}","max_tokens":5,"stream":${stream},"messages":[{"role":"user","content":${deep}}]}`;
      const r = await call(api, { body });
      assertError(api, r, 400, 'invalid_request');
      assert.match(r.text, /deeper than 64 levels/);
    }
  });
  test(`${api}: body over the limit → 413 body_too_large`, async () => {
    const big = JSON.stringify({ model: 'x', messages: [{ role: 'user', content: 'a'.repeat(200_000) }] });
    const r = await call(api, { body: big });
    assertError(api, r, 413, 'body_too_large');
    assert.equal(r.headers['x-should-retry'], 'false');
  });
  test(`${api}: unknown model → 404 unknown_model`, async () => {
    assertError(api, await call(api, { body: JSON.stringify({ model: 'no-such-model', max_tokens: 5, messages: [] }) }), 404, 'unknown_model');
  });
  test(`${api}: missing, malformed, bad-checksum, unknown, disabled, expired keys → 401 with distinct codes`, async () => {
    const typo = h.secret.slice(0, 12) + (h.secret[12] === 'a' ? 'b' : 'a') + h.secret.slice(13);
    const cases: Array<[string | null, string]> = [
      [null, 'missing_api_key'],
      ['sk-not-a-moat-key', 'malformed_api_key'],
      [typo, 'malformed_api_key'],
      [disabledKey, 'key_disabled'],
      [expiredKey, 'key_expired'],
    ];
    for (const [key, code] of cases) {
      const r = await call(api, { key });
      assertError(api, r, 401, code);
      assert.equal(r.headers['x-should-retry'], 'false');
    }
    // Well formed, right checksum, but never issued (not in the view).
    assertError(api, await call(api, { key: generateApiKey('test').secret }), 401, 'invalid_api_key');
  });
}

test('openai: a model served by an anthropic upstream → 400 api_mismatch naming the right door', async () => {
  const r = await call('openai', { body: JSON.stringify({ model: 'demo-claude', messages: [] }) });
  assertError('openai', r, 400, 'api_mismatch');
  assert.match(r.json.error.message, /\/v1\/messages/);
});

test('Authorization header that is not Bearer → 401 malformed_api_key', async () => {
  const r = await request(h.url + '/v1/chat/completions', { method: 'POST', headers: { authorization: 'Basic abc', 'content-type': 'application/json' }, body: goodBody('openai') });
  assert.equal(r.statusCode, 401);
  assert.equal((await r.body.json() as any).error.code, 'malformed_api_key');
});

test('upstream down → 502 upstream_connect_failed', async () => {
  const r = await call('openai', { body: JSON.stringify({ model: 'down-1', messages: [] }) });
  assertError('openai', r, 502, 'upstream_connect_failed');
  assert.equal(r.headers['x-should-retry'], undefined, 'retryable errors do not forbid retries');
});

test('upstream returning garbage → 502 upstream_bad_response, streaming and not, and non-HTTP bytes too', async () => {
  h.demo.setBehavior({ fault: 'garbage' });
  try {
    assertError('openai', await call('openai'), 502, 'upstream_bad_response');
    assertError('anthropic', await call('anthropic', { body: goodBody('anthropic', { stream: true }) }), 502, 'upstream_bad_response');
    h.demo.setBehavior({ fault: 'invalid-http' });
    assertError('openai', await call('openai'), 502, 'upstream_bad_response');
  } finally {
    h.demo.setBehavior({ fault: 'none' });
  }
});

test('upstream hanging before headers → 504 upstream_headers_timeout', async () => {
  h.demo.setBehavior({ fault: 'hang-before-headers' });
  try {
    assertError('anthropic', await call('anthropic'), 504, 'upstream_headers_timeout');
  } finally {
    h.demo.setBehavior({ fault: 'none' });
  }
});

test('upstream closing mid-stream → the stream ends with an error event in the API format', async () => {
  h.demo.setBehavior({ fault: 'close-mid-stream' });
  try {
    const a = await call('anthropic', { body: goodBody('anthropic', { stream: true }) });
    assert.equal(a.status, 200);
    assert.match(a.text, /^event: message_start/);
    const last = a.text.trim().split('\n\n').at(-1)!;
    assert.match(last, /^event: error\ndata: /);
    assert.equal(JSON.parse(last.split('data: ')[1]!).error.code, 'upstream_closed');
    const o = await call('openai', { body: goodBody('openai', { stream: true }) });
    const lastO = o.text.trim().split('\n\n').at(-1)!;
    assert.equal(JSON.parse(lastO.slice('data: '.length)).error.code, 'upstream_closed');
    // Non-streaming: nothing was sent yet, so a plain 502.
    assertError('openai', await call('openai'), 502, 'upstream_closed');
  } finally {
    h.demo.setBehavior({ fault: 'none' });
  }
});

test('upstream going silent mid-stream → error event upstream_body_timeout; usage counted as far as it went', async () => {
  await h.takeEvents(h.events.size);
  h.demo.setBehavior({ fault: 'hang-mid-body' });
  try {
    const a = await call('anthropic', { body: goodBody('anthropic', { stream: true }) });
    const last = a.text.trim().split('\n\n').at(-1)!;
    assert.equal(JSON.parse(last.split('data: ')[1]!).error.code, 'upstream_body_timeout');
    const [ev] = await h.takeEvents(1);
    assert.equal(ev?.errorCode, 'upstream_body_timeout');
    assert.ok(ev!.usage.input_tokens > 0, 'input tokens from message_start are kept');
  } finally {
    h.demo.setBehavior({ fault: 'none' });
  }
});

test('after all of the above the gateway still serves, and metrics count upstream errors', async () => {
  const r = await call('openai');
  assert.equal(r.status, 200);
  const m = await request(h.url + '/metrics');
  const text = await m.body.text();
  assert.match(text, /moat_upstream_errors_total\{upstream="down",code="upstream_connect_failed"\} 1/);
  assert.match(text, /moat_requests_total\{api="openai",endpoint="\/v1\/chat\/completions",status="200",code=""\}/);
});
