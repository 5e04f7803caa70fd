// The official SDKs, pointed at the hot path in front of the demo upstream, work for both APIs, streaming and not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startHarness, type Harness } from './harness.js';
import { DEMO_NOTICE } from '../../src/demo-upstream/demo-upstream.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const openai = () => new OpenAI({ apiKey: h.secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: h.secret, baseURL: h.url, maxRetries: 0 });

test('openai: non-streaming chat completion, usage metered and event recorded', async () => {
  const r = await openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hello there' }] });
  assert.equal(r.choices[0]?.message.content, `${DEMO_NOTICE} You said: hello there`);
  assert.ok(r.usage && r.usage.prompt_tokens > 0);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.api, 'openai');
  assert.equal(ev?.status, 200);
  assert.equal(ev?.orgId, 'org_a');
  // The output's breakdown is recorded as the upstream reports it: none of it was reasoning.
  assert.deepEqual(ev?.usage, { input_tokens: r.usage!.prompt_tokens, output_tokens: r.usage!.completion_tokens, reasoning_tokens: 0 });
  assert.equal(ev?.responseText, r.choices[0]?.message.content);
  // The upstream got the server's credential, never the client's key.
  const sent = h.demo.requests.at(-1)!;
  assert.equal(sent.headers.authorization, 'Bearer upstream-secret-123');
  assert.ok(!JSON.stringify(sent.headers).includes(h.secret));
});

test('openai: streaming without include_usage gets no usage chunk, but Moat meters it', async () => {
  const stream = await openai().chat.completions.create({ model: 'demo-gpt', stream: true, messages: [{ role: 'user', content: 'count to three' }] });
  let text = '';
  let chunks = 0;
  for await (const c of stream) {
    chunks++;
    assert.ok(c.choices.length > 0, 'client must not see the usage-only chunk it did not ask for');
    text += c.choices[0]?.delta.content ?? '';
  }
  assert.ok(chunks > 3);
  assert.equal(text, `${DEMO_NOTICE} You said: count to three`);
  const sent = h.demo.requests.at(-1)!;
  assert.deepEqual((sent.body as { stream_options: unknown }).stream_options, { include_usage: true });
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.stream, true);
  assert.equal(ev?.usage.output_tokens, text.split(/(?<=\s)/).length);
  assert.ok(ev!.usage.input_tokens > 0);
  assert.equal((ev?.body as { stream_options?: unknown }).stream_options, undefined, 'event keeps the body as the client sent it');
});

test('openai: streaming with include_usage passes the usage chunk through', async () => {
  const stream = await openai().chat.completions.create({ model: 'demo-gpt', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  let usage: OpenAI.CompletionUsage | undefined | null;
  for await (const c of stream) if (c.usage) usage = c.usage;
  assert.ok(usage && usage.completion_tokens > 0);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.usage.output_tokens, usage.completion_tokens);
});

test('anthropic: non-streaming message with version header forwarded', async () => {
  const m = await anthropic().messages.create({ model: 'demo-claude', max_tokens: 100, messages: [{ role: 'user', content: 'bonjour' }] });
  const block = m.content[0];
  assert.equal(block?.type === 'text' ? block.text : undefined, `${DEMO_NOTICE} You said: bonjour`);
  const sent = h.demo.requests.at(-1)!;
  assert.equal(typeof sent.headers['anthropic-version'], 'string');
  assert.equal(sent.headers['x-api-key'], 'upstream-secret-123');
  assert.equal(sent.headers.authorization, undefined);
  const [ev] = await h.takeEvents(1);
  assert.deepEqual(ev?.usage, { input_tokens: m.usage.input_tokens, output_tokens: m.usage.output_tokens });
});

test('anthropic: streaming message, final usage from message_delta', async () => {
  const stream = anthropic().messages.stream({ model: 'demo-claude', max_tokens: 100, messages: [{ role: 'user', content: 'stream please' }] });
  const final = await stream.finalMessage();
  const block = final.content[0];
  assert.equal(block?.type === 'text' ? block.text : undefined, `${DEMO_NOTICE} You said: stream please`);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.stream, true);
  assert.deepEqual(ev?.usage, { input_tokens: final.usage.input_tokens, output_tokens: final.usage.output_tokens });
  assert.equal(ev?.responseText, `${DEMO_NOTICE} You said: stream please`);
});

test('SDKs see authentication errors as their own typed errors', async () => {
  const bad = h.secret.slice(0, -1) + (h.secret.endsWith('A') ? 'B' : 'A');
  await assert.rejects(new OpenAI({ apiKey: bad, baseURL: `${h.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'demo-gpt', messages: [] }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.AuthenticationError);
    assert.equal(e.status, 401);
    assert.equal(e.code, 'malformed_api_key');
    return true;
  });
  await assert.rejects(new Anthropic({ apiKey: 'moat_test_nope', baseURL: h.url, maxRetries: 0 }).messages.create({ model: 'demo-claude', max_tokens: 5, messages: [] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.AuthenticationError);
    assert.equal(e.status, 401);
    assert.match(String(e.requestID), /^req_/);
    return true;
  });
});

test('SDKs list models in their own format', async () => {
  const o = await openai().models.list();
  assert.deepEqual(o.data.map((m) => m.id), ['demo-gpt'], 'models served through the OpenAI doors');
  const a = await anthropic().models.list();
  assert.deepEqual(a.data.map((m) => m.id), ['demo-claude'], 'models served through the Anthropic doors');
  assert.equal(a.data[0]?.type, 'model');
});

test('upstream errors (non-2xx) pass through with status and body; SDK parses them', async () => {
  await assert.rejects(anthropic().messages.create({ model: 'demo-claude', messages: [{ role: 'user', content: 'x' }] } as never), (e: unknown) => {
    assert.ok(e instanceof Anthropic.BadRequestError);
    assert.match(e.message, /max_tokens: Field required/);
    return true;
  });
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.status, 400);
});
