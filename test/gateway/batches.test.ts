// The batch APIs through the hot path in front of the demo upstream, driven by the official SDKs: OpenAI files +
// batches and Anthropic message batches are created, read and their results fetched; every item is judged like a
// call (a forbidden item refuses the batch, named), the limits are reserved for all items at once, each item
// becomes one request event, results are metered once when read, and only the creating org sees its batches.
import { test, before, after } from 'node:test';
import { request, type IncomingMessage } from 'node:http';
import assert from 'node:assert/strict';
import OpenAI, { toFile } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { DEMO_NOTICE } from '../../src/demo-upstream/demo-upstream.js';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { LimitsConfigSchema } from '../../src/limits/limits-schema.js';
import type { Decision } from '../../src/policy/decision.js';
import type { RequestFacts } from '../../src/policy/request-facts.js';
import { MoatError } from '../../src/errors/moat-error.js';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import type { RequestEvent } from '../../src/events/request-event.js';
import { makeOrg } from './doubles.js';
import { startHarness, type Harness } from './harness.js';

/** Allows everything but tool "bash" (feature_denied, as a policy with a coding-tools clause would); tool "search" is feature `search`. */
const denyBash = (f: RequestFacts): Decision =>
  f.toolNames.includes('bash')
    ? { allow: false, code: 'feature_denied', message: 'Tool "bash" is not allowed for your organization.', clause: '§3.2 coding agents', retryable: false }
    : { allow: true, tags: ['t'], features: f.toolNames.includes('search') ? ['search'] : [] };

const limits = LimitsConfigSchema.parse({
  tiers: { default: { key: { requestsPerMinute: 10 } } },
  features: { search: { requestsPerMinute: 1 } },
  orgs: { org_a: { key: { requestsPerMinute: 1000 } }, org_win: { key: { windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 300 }] } } },
});

let h: Harness;
let otherSecret: string;
before(async () => {
  h = await startHarness({ config: { batches: { maxUploadBytes: 64 * 1024 } }, deps: { decide: denyBash, limiter: new MemoryLimiter({ limits: () => limits }) } });
  h.view.addOrg(makeOrg('org_b'));
  otherSecret = h.view.addKey('org_b').secret;
});
after(() => h.close());

const openai = (secret = h.secret) => new OpenAI({ apiKey: secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
const anthropic = (secret = h.secret) => new Anthropic({ apiKey: secret, baseURL: h.url, maxRetries: 0 });

const chatLine = (id: string, text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { model: 'demo-gpt', messages: [{ role: 'user', content: text }], max_tokens: 20, ...extra } });
const jsonl = (...lines: string[]) => toFile(Buffer.from(lines.join('\n') + '\n'), 'batch.jsonl');

async function caught<T>(p: Promise<T>): Promise<{ status?: number; message: string; type?: string; body: unknown }> {
  try {
    await p;
  } catch (e) {
    // The OpenAI SDK keeps the inner `error` object, the Anthropic SDK the whole body.
    const err = e as { status?: number; message: string; error?: { type?: string; message?: string; error?: { type?: string; message?: string } } };
    return { status: err.status, message: err.error?.error?.message ?? err.error?.message ?? err.message, type: err.error?.error?.type ?? err.error?.type, body: err.error };
  }
  throw new Error('expected a refusal');
}

test('OpenAI: files.create + batches.create + retrieve + results through files.content; one event per item; results metered once', async () => {
  const client = openai();
  const file = await client.files.create({ file: await jsonl(chatLine('a', 'first prompt'), chatLine('b', 'second prompt')), purpose: 'batch' });
  assert.match(file.id, /^file-demo-/);
  assert.equal((await client.files.retrieve(file.id)).id, file.id);
  const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const events = await h.takeEvents(2);
  assert.deepEqual(events.map((e) => [e.endpoint, e.batch?.id, e.batch?.customId, e.model]), [
    ['/v1/chat/completions', batch.id, 'a', 'demo-gpt'],
    ['/v1/chat/completions', batch.id, 'b', 'demo-gpt'],
  ]);
  assert.deepEqual((events[0]?.body as { messages: unknown }).messages, [{ role: 'user', content: 'first prompt' }]);
  const done = await client.batches.retrieve(batch.id);
  assert.equal(done.status, 'completed');
  assert.ok(done.output_file_id);
  const before = h.usage.pendingRows().filter((r) => r.orgId === 'org_a' && r.outcome === 'admitted').reduce((n, r) => n + r.requests, 0);
  const text = await (await client.files.content(done.output_file_id)).text();
  const results = text.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; response: { body: { choices: Array<{ message: { content: string } }>; usage: { prompt_tokens: number; completion_tokens: number } } } });
  assert.deepEqual(results.map((r) => r.custom_id), ['a', 'b']);
  assert.equal(results[0]?.response.body.choices[0]?.message.content, `${DEMO_NOTICE} You said: first prompt`);
  const metered = () => h.usage.pendingRows().filter((r) => r.orgId === 'org_a' && r.outcome === 'admitted');
  const rows = metered();
  assert.equal(rows.reduce((n, r) => n + r.requests, 0) - before, 2);
  const wantIn = results.reduce((n, r) => n + r.response.body.usage.prompt_tokens, 0);
  assert.ok(rows.reduce((n, r) => n + r.inputTokens, 0) >= wantIn);
  await (await client.files.content(done.output_file_id)).text();
  assert.equal(metered().reduce((n, r) => n + r.requests, 0) - before, 2, 'reading the results again meters nothing');
});

test('Anthropic: messages.batches.create + retrieve + results (results_url points at Moat); one event per item; metered', async () => {
  const client = anthropic();
  const batch = await client.messages.batches.create({
    requests: [
      { custom_id: 'x', params: { model: 'demo-claude', max_tokens: 30, messages: [{ role: 'user', content: 'hello batch' }] } },
      { custom_id: 'y', params: { model: 'demo-claude', max_tokens: 30, messages: [{ role: 'user', content: 'second item' }] } },
    ],
  });
  assert.match(batch.id, /^msgbatch_demo_/);
  assert.equal(batch.results_url, `${h.url}/v1/messages/batches/${batch.id}/results`);
  const events = await h.takeEvents(2);
  assert.deepEqual(events.map((e) => [e.api, e.endpoint, e.batch?.customId]), [['anthropic', '/v1/messages', 'x'], ['anthropic', '/v1/messages', 'y']]);
  const got = await client.messages.batches.retrieve(batch.id);
  assert.equal(got.processing_status, 'ended');
  const out: Array<{ id: string; text: string }> = [];
  for await (const r of await client.messages.batches.results(batch.id)) {
    if (r.result.type === 'succeeded') out.push({ id: r.custom_id, text: (r.result.message.content[0] as { text: string }).text });
  }
  assert.deepEqual(out, [{ id: 'x', text: `${DEMO_NOTICE} You said: hello batch` }, { id: 'y', text: `${DEMO_NOTICE} You said: second item` }]);
  assert.ok(h.usage.pendingRows().some((r) => r.orgId === 'org_a' && r.model === 'demo-claude' && r.outputTokens > 0));
});

test('a batch with a forbidden item is refused naming the item, in each API\'s error format; nothing reaches the upstream', async () => {
  const upstreamCalls = h.demo.requests.length;
  const up = await caught(openai().files.create({ file: await jsonl(chatLine('ok-1', 'fine'), chatLine('evil', 'run it', { tools: [{ type: 'function', function: { name: 'bash', parameters: { type: 'object' } } }] })), purpose: 'batch' }));
  assert.equal(up.status, 403);
  assert.match(up.message, /line 2 \(custom_id "evil"\)/);
  assert.match(up.message, /bash/);
  const an = await caught(
    anthropic().messages.batches.create({
      requests: [
        { custom_id: 'fine', params: { model: 'demo-claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] } },
        { custom_id: 'bad-one', params: { model: 'demo-claude', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'bash', input_schema: { type: 'object' } }] } },
      ],
    }),
  );
  assert.equal(an.status, 403);
  assert.equal(an.type, 'permission_error');
  assert.match(an.message, /requests\[1\] \(custom_id "bad-one"\)/);
  assert.equal(h.demo.requests.length, upstreamCalls, 'the upstream never saw the batch');
});

test('a batch larger than the limits allow is refused whole; one that fits is charged as its items', async () => {
  h.view.addOrg(makeOrg('org_lim'));
  const { secret } = h.view.addKey('org_lim');
  const params = (i: number) => ({ custom_id: `i${i}`, params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user' as const, content: `n${i}` }] } });
  const tooMany = await caught(anthropic(secret).messages.batches.create({ requests: Array.from({ length: 11 }, (_, i) => params(i)) }));
  assert.equal(tooMany.status, 429);
  assert.match(tooMany.message, /11 items/);
  // 8 fit the 10 a minute; then 3 more would pass the minute (11 > 10): refused, and a single call still fits.
  await anthropic(secret).messages.batches.create({ requests: Array.from({ length: 8 }, (_, i) => params(i)) });
  await h.takeEvents(8);
  const over = await caught(anthropic(secret).messages.batches.create({ requests: Array.from({ length: 3 }, (_, i) => params(i)) }));
  assert.equal(over.status, 429);
  const one = await anthropic(secret).messages.create({ model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'still fine' }] });
  assert.equal(one.type, 'message');
  await h.takeEvents(1);
});

test('a batch whose later limit group is refused returns the earlier groups\' requests and tokens: a refused batch is charged nothing', async () => {
  h.view.addOrg(makeOrg('org_grp'));
  const { secret } = h.view.addKey('org_grp');
  const plain = (i: number) => ({ custom_id: `p${i}`, params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user' as const, content: `n${i}` }] } });
  const search = (i: number) => ({ ...plain(i), custom_id: `s${i}`, params: { ...plain(i).params, tools: [{ name: 'search', input_schema: { type: 'object' as const } }] } });
  // Two groups: 5 plain items fit the key's 10 a minute, then 2 items of feature `search` pass its 1 a minute.
  const refused = await caught(anthropic(secret).messages.batches.create({ requests: [0, 1, 2, 3, 4].map(plain).concat([search(5), search(6)]) }));
  assert.equal(refused.status, 429);
  assert.match(refused.message, /2 items/);
  // The 5 plain items' requests went back: 10 more fit the minute.
  await anthropic(secret).messages.batches.create({ requests: Array.from({ length: 10 }, (_, i) => plain(i)) });
  await h.takeEvents(10);
  assert.equal((await caught(anthropic(secret).messages.batches.create({ requests: [plain(0)] }))).status, 429);
});

test('a batch is charged against the 5-hour token window with every item\'s input estimate and max_tokens', async () => {
  h.view.addOrg(makeOrg('org_win'));
  const { secret } = h.view.addKey('org_win');
  const items = (n: number) => Array.from({ length: n }, (_, i) => ({ custom_id: `w${i}`, params: { model: 'demo-claude', max_tokens: 50, messages: [{ role: 'user' as const, content: 'hi' }] } }));
  const whole = await caught(anthropic(secret).messages.batches.create({ requests: items(6) }));
  assert.equal(whole.status, 429, '6 × 50 output tokens alone pass the 300-token window');
  assert.match(whole.message, /5h/);
  await anthropic(secret).messages.batches.create({ requests: items(4) });
  await h.takeEvents(4);
  const rest = await caught(anthropic(secret).messages.batches.create({ requests: items(2) }));
  assert.equal(rest.status, 429, 'the window holds the first batch\'s reservation');
});

test('another org cannot read, cancel, list or fetch the results of a batch (404), nor use its file', async () => {
  const client = openai();
  const file = await client.files.create({ file: await jsonl(chatLine('p', 'private')), purpose: 'batch' });
  const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  await h.takeEvents(1);
  const done = await client.batches.retrieve(batch.id);
  const other = openai(otherSecret);
  assert.equal((await caught(other.batches.retrieve(batch.id))).status, 404);
  assert.equal((await caught(other.batches.cancel(batch.id))).status, 404);
  assert.equal((await caught(other.files.content(done.output_file_id as string))).status, 404);
  assert.equal((await caught(other.files.retrieve(file.id))).status, 404);
  assert.equal((await caught(other.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }))).status, 404);
  const listed = await other.batches.list();
  assert.ok(!listed.data.some((b) => b.id === batch.id));
  assert.ok((await client.batches.list()).data.some((b) => b.id === batch.id));
  const ab = await anthropic().messages.batches.create({ requests: [{ custom_id: 'q', params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'mine' }] } }] });
  await h.takeEvents(1);
  assert.equal((await caught(anthropic(otherSecret).messages.batches.retrieve(ab.id))).status, 404);
  assert.equal((await caught(anthropic(otherSecret).messages.batches.results(ab.id))).status, 404);
  assert.ok(!(await anthropic(otherSecret).messages.batches.list()).data.some((b) => b.id === ab.id));
});

test('files are listed and deleted, and message batches deleted, for the owning org only (another org: not listed, 404)', async () => {
  const client = openai();
  const other = openai(otherSecret);
  const file = await client.files.create({ file: await jsonl(chatLine('d', 'to delete')), purpose: 'batch' });
  const theirs = await other.files.create({ file: await jsonl(chatLine('t', 'theirs')), purpose: 'batch' });
  const mine = (await client.files.list()).data.map((f) => f.id);
  assert.ok(mine.includes(file.id));
  assert.ok(!mine.includes(theirs.id), 'the upstream lists every org\'s files; Moat keeps the caller\'s own');
  assert.ok(!(await other.files.list()).data.some((f) => f.id === file.id));
  assert.equal((await caught(other.files.delete(file.id))).status, 404);
  assert.equal((await client.files.delete(file.id)).deleted, true);
  assert.ok(!(await client.files.list()).data.some((f) => f.id === file.id));
  const ab = await anthropic().messages.batches.create({ requests: [{ custom_id: 'x', params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'bye' }] } }] });
  await h.takeEvents(1);
  assert.equal((await caught(anthropic(otherSecret).messages.batches.delete(ab.id))).status, 404);
  assert.equal((await anthropic().messages.batches.delete(ab.id)).type, 'message_batch_deleted');
  assert.equal((await caught(anthropic().messages.batches.retrieve(ab.id))).status, 404);
});

test('items shaped to read differently upstream are refused: case twins of a key, duplicate keys, unknown wrapper fields, another url, streaming', async () => {
  const client = openai();
  const cases: Array<[string, RegExp]> = [
    ['{"custom_id":"c1","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","Model":"other","messages":[]}}', /differ only in case/],
    ['{"custom_id":"c2","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","messages":[{"role":"user","content":"a","Content":"b"}]}}', /differ only in case/],
    ['{"custom_id":"c3","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","model":"x","messages":[]}}', /Duplicate key "model"/],
    ['{"custom_id":"c4","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","messages":[]},"Body":{"model":"demo-gpt","messages":[]}}', /differ only in case/],
    ['{"custom_id":"c5","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","messages":[]},"headers":{"x":"y"}}', /unknown field "headers"/],
    ['{"custom_id":"c6","method":"POST","url":"/v1/chat/completions","body":"{\\"model\\":\\"demo-gpt\\"}"}', /must be a JSON object/],
    ['{"custom_id":"c7","method":"POST","url":"/v1/chat/completions","body":{"model":"demo-gpt","messages":[],"stream":true}}', /stream/],
  ];
  for (const [line, why] of cases) {
    const r = await caught(client.files.create({ file: await jsonl(chatLine('first', 'ok'), line), purpose: 'batch' }));
    assert.equal(r.status, 400, line);
    assert.match(r.message, /line 2/, line);
    assert.match(r.message, why, line);
  }
  const file = await client.files.create({ file: await jsonl(chatLine('first', 'ok')), purpose: 'batch' });
  const twin = await fetch(`${h.url}/v1/batches`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.secret}`, 'content-type': 'application/json' },
    body: `{"input_file_id":"${file.id}","Input_File_Id":"file-of-another-org","endpoint":"/v1/chat/completions","completion_window":"24h"}`,
  });
  assert.equal(twin.status, 400, 'a case twin of input_file_id could make the upstream run another file');
  const mixed = await caught(client.files.create({ file: await jsonl(chatLine('first', 'ok'), chatLine('second', 'ok').replace('/v1/chat/completions', '/v1/embeddings')), purpose: 'batch' }));
  assert.match(mixed.message, /one batch calls one endpoint/);
  const anth = await caught(
    anthropic().messages.batches.create({ requests: [{ custom_id: 'z', params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'x' }], MAX_TOKENS: 100000 } as never }] }),
  );
  assert.equal(anth.status, 400);
  assert.match(anth.message, /differ only in case/);
});

test('uploads: other purposes, non-multipart bodies and ambiguous forms are refused; the upload bound is enforced', async () => {
  const client = openai();
  const purpose = await caught(client.files.create({ file: await jsonl(chatLine('a', 'b')), purpose: 'assistants' }));
  assert.equal(purpose.status, 400);
  assert.match(purpose.message, /purpose "batch" only/);
  const json = await fetch(`${h.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${h.secret}`, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(json.status, 415);
  const boundary = 'XyZ';
  const twice = [
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nfine-tune\r\n`,
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\nContent-Type: application/jsonl\r\n\r\n${chatLine('a', 'b')}\r\n`,
    `--${boundary}--\r\n`,
  ].join('');
  const dup = await fetch(`${h.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${h.secret}`, 'content-type': `multipart/form-data; boundary=${boundary}` }, body: twice });
  assert.equal(dup.status, 400);
  assert.match(((await dup.json()) as { error: { message: string } }).error.message, /repeats the field "purpose"/);
  const big = await caught(client.files.create({ file: await jsonl(...Array.from({ length: 40 }, (_, i) => chatLine(`b${i}`, 'x'.repeat(2000)))), purpose: 'batch' }));
  assert.equal(big.status, 413);
  assert.match(big.message, /batches.maxUploadBytes/);
});

test('a denied org\'s running batches are cancelled upstream', async () => {
  h.demo.setBehavior({ batchesComplete: false });
  try {
    h.view.addOrg(makeOrg('org_rev'));
    const { secret } = h.view.addKey('org_rev');
    const client = openai(secret);
    const file = await client.files.create({ file: await jsonl(chatLine('r', 'long job')), purpose: 'batch' });
    const b1 = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const b2 = await anthropic(secret).messages.batches.create({ requests: [{ custom_id: 's', params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } }] });
    await h.takeEvents(2);
    h.hot.abortOrgStreams('org_rev', new MoatError('org_revoked'));
    for (let i = 0; i < 200 && h.demo.batches.cancelled.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual([...h.demo.batches.cancelled].sort(), [b1.id, b2.id].sort());
  } finally {
    h.demo.setBehavior({ batchesComplete: true });
  }
});

test('responses.retrieve and responses.cancel pass through for the org that created the response only', async () => {
  const created = await openai().responses.create({ model: 'demo-gpt', input: 'remember me' });
  await h.takeEvents(1);
  const got = await openai().responses.retrieve(created.id);
  assert.equal(got.id, created.id);
  assert.equal(got.output_text, created.output_text);
  const streamed = await openai().responses.create({ model: 'demo-gpt', input: 'streamed and stored', stream: true });
  let streamedId = '';
  for await (const e of streamed) if (e.type === 'response.completed') streamedId = e.response.id;
  await h.takeEvents(1);
  assert.equal((await openai().responses.retrieve(streamedId)).id, streamedId, 'a streamed response is tracked from its events');
  // The demo keeps it, but it is not this org's: 404 as if it did not exist.
  assert.equal((await caught(openai(otherSecret).responses.retrieve(created.id))).status, 404);
  assert.equal((await caught(openai(otherSecret).responses.cancel(created.id))).status, 404);
  // The owner's cancel reaches the upstream (which refuses: it was not a background response).
  assert.equal((await caught(openai().responses.cancel(created.id))).status, 400);
  const unstored = await openai().responses.create({ model: 'demo-gpt', input: 'forget me', store: false });
  await h.takeEvents(1);
  assert.equal((await caught(openai().responses.retrieve(unstored.id))).status, 404, 'store: false is never tracked');
});

test('a batch larger than the event hand-off reaches it whole: events are fed as the queue has room, none dropped', async () => {
  const small = await startHarness({ deps: { events: new BoundedQueue<RequestEvent>(8) } });
  try {
    const n = 40;
    const requests = Array.from({ length: n }, (_, i) => ({ custom_id: `e${i}`, params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user' as const, content: `item ${i}` }] } }));
    await new Anthropic({ apiKey: small.secret, baseURL: small.url, maxRetries: 0 }).messages.batches.create({ requests });
    const got = [];
    while (got.length < n) got.push(...(await small.takeEvents(Math.min(4, n - got.length))));
    assert.deepEqual(got.map((e) => e.batch?.customId), requests.map((r) => r.custom_id));
    assert.equal(small.events.dropped, 0);
  } finally {
    await small.close();
  }
});

test('batch uploads held at once are bounded (batches.concurrentUploads): one more is refused 503 batch_uploads_busy in the caller\'s format, before its body is read', async () => {
  const one = await startHarness({ config: { batches: { concurrentUploads: 1 } } });
  try {
    const body = JSON.stringify({ requests: [{ custom_id: 'a', params: { model: 'demo-claude', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] } }] });
    // The first upload sends half its body and waits: it holds the one place.
    const held = request(`${one.url}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': one.secret, 'anthropic-version': '2023-06-01', 'content-type': 'application/json', 'content-length': String(body.length) } });
    const heldAnswer = new Promise<IncomingMessage>((resolve) => held.on('response', resolve));
    held.write(body.slice(0, 10));
    const client = new Anthropic({ apiKey: one.secret, baseURL: one.url, maxRetries: 0 });
    const second = () => client.messages.batches.create(JSON.parse(body) as Anthropic.Messages.Batches.BatchCreateParams);
    // Until the server has the first request's headers the second may get in; it is refused once the first is held.
    let refused: Awaited<ReturnType<typeof caught>> | undefined;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await second().then(() => undefined, (e: unknown) => e);
      if (r) refused = await caught(Promise.reject(r));
    }
    assert.ok(refused, 'a second upload was refused while the first was held');
    assert.equal(refused.status, 503);
    assert.equal(refused.type, 'overloaded_error');
    assert.match(refused.message, /concurrentUploads/);
    held.end(body.slice(10));
    assert.equal((await heldAnswer).statusCode, 200);
    // The place is free again.
    const after = await second();
    assert.equal(after.type, 'message_batch');
  } finally {
    await one.close();
  }
});
