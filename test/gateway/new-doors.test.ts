// The pass-through doors beyond chat and messages, driven by the official SDKs through the hot path in front of
// the demo upstream: the Responses API (streamed and not), legacy completions, embeddings, Anthropic token
// counting and model lookups. Each is authenticated, shape-checked, metered from the upstream's own usage and
// recorded as a request event detection reads.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { DEMO_NOTICE } from '../../src/demo-upstream/demo-upstream.js';
import { viewRequest } from '../../src/detection/request-view.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(() => h.close());

const openai = () => new OpenAI({ apiKey: h.secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: h.secret, baseURL: h.url, maxRetries: 0 });

test('responses.create: output text, usage metered from the response, event readable by detection', async () => {
  const r = await openai().responses.create({ model: 'demo-gpt', instructions: 'Be brief.', input: [{ role: 'user', content: [{ type: 'input_text', text: 'what is moat' }] }] });
  assert.equal(r.output_text, `${DEMO_NOTICE} You said: what is moat`);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.endpoint, '/v1/responses');
  assert.equal(ev?.status, 200);
  assert.deepEqual(ev?.usage, { input_tokens: r.usage!.input_tokens, output_tokens: r.usage!.output_tokens, reasoning_tokens: r.usage!.output_tokens_details.reasoning_tokens });
  assert.equal(ev?.responseText, r.output_text);
  const seen = viewRequest(ev?.body);
  assert.equal(seen.prompt, 'what is moat');
  assert.equal(seen.system, 'Be brief.');
});

test('responses.create stream: events relayed as sent, usage from response.completed', async () => {
  const stream = await openai().responses.create({ model: 'demo-gpt', input: 'stream it', stream: true });
  const types: string[] = [];
  let text = '';
  let usage: OpenAI.Responses.ResponseUsage | undefined;
  for await (const e of stream) {
    types.push(e.type);
    if (e.type === 'response.output_text.delta') text += e.delta;
    if (e.type === 'response.completed') usage = e.response.usage ?? undefined;
  }
  assert.equal(types[0], 'response.created');
  assert.equal(types.at(-1), 'response.completed');
  assert.equal(text, `${DEMO_NOTICE} You said: stream it`);
  assert.equal((h.demo.requests.at(-1)?.body as { stream_options?: unknown }).stream_options, undefined, 'nothing added to a Responses request');
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.stream, true);
  assert.deepEqual(ev?.usage, { input_tokens: usage!.input_tokens, output_tokens: usage!.output_tokens, reasoning_tokens: usage!.output_tokens_details.reasoning_tokens });
});

test('completions.create (legacy), streamed and not, metered', async () => {
  const c = await openai().completions.create({ model: 'demo-gpt', prompt: 'once upon', max_tokens: 50 });
  assert.equal(c.choices[0]?.text, `${DEMO_NOTICE} You said: once upon`);
  const s = await openai().completions.create({ model: 'demo-gpt', prompt: 'a time', max_tokens: 50, stream: true });
  let text = '';
  for await (const chunk of s) {
    assert.ok(chunk.choices.length > 0, 'the usage chunk Moat asked for stays hidden');
    text += chunk.choices[0]?.text ?? '';
  }
  assert.equal(text, `${DEMO_NOTICE} You said: a time`);
  const [a, b] = await h.takeEvents(2);
  assert.deepEqual(a?.usage, { input_tokens: c.usage!.prompt_tokens, output_tokens: c.usage!.completion_tokens });
  assert.equal(b?.usage.output_tokens, text.split(/(?<=\s)/).length);
  assert.equal(viewRequest(a?.body).prompt, 'once upon');
});

test('embeddings.create: vectors decoded by the SDK, input tokens metered, no output', async () => {
  const e = await openai().embeddings.create({ model: 'demo-gpt', input: ['first text', 'second'] });
  assert.equal(e.data.length, 2);
  assert.equal(e.data[0]?.embedding.length, 8);
  assert.notDeepEqual(e.data[0]?.embedding, e.data[1]?.embedding);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.endpoint, '/v1/embeddings');
  assert.deepEqual(ev?.usage, { input_tokens: e.usage.prompt_tokens, output_tokens: 0 });
});

test('messages.countTokens: the count passes through; nothing is charged as tokens', async () => {
  const r = await anthropic().messages.countTokens({ model: 'demo-claude', system: 'sys', messages: [{ role: 'user', content: 'count me please' }] });
  assert.ok(r.input_tokens > 0);
  assert.equal(h.demo.requests.at(-1)?.path, '/v1/messages/count_tokens');
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.endpoint, '/v1/messages/count_tokens');
  assert.equal(ev?.api, 'anthropic');
  assert.deepEqual(ev?.usage, { input_tokens: 0, output_tokens: 0 });
  assert.equal(viewRequest(ev?.body).prompt, 'count me please');
});

test('models.retrieve in each SDK format; a model the door does not serve is a typed 404', async () => {
  const o = await openai().models.retrieve('demo-gpt');
  assert.deepEqual([o.id, o.object], ['demo-gpt', 'model']);
  const a = await anthropic().models.retrieve('demo-claude');
  assert.deepEqual([a.id, a.type], ['demo-claude', 'model']);
  await assert.rejects(openai().models.retrieve('demo-claude'), (e: unknown) => e instanceof OpenAI.NotFoundError);
  await assert.rejects(anthropic().models.retrieve('nope'), (e: unknown) => e instanceof Anthropic.NotFoundError);
});

test('the new doors refuse other methods with 405 and unknown keys in their format', async () => {
  const r = await fetch(`${h.url}/v1/responses`, { headers: { authorization: `Bearer ${h.secret}` } });
  assert.equal(r.status, 405);
  assert.equal(r.headers.get('allow'), 'POST');
  await r.body?.cancel();
  await assert.rejects(new Anthropic({ apiKey: 'moat_nope', baseURL: h.url, maxRetries: 0 }).messages.countTokens({ model: 'demo-claude', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof Anthropic.AuthenticationError);
  await assert.rejects(new OpenAI({ apiKey: 'moat_nope', baseURL: `${h.url}/v1`, maxRetries: 0 }).embeddings.create({ model: 'demo-gpt', input: 'x' }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
});

test('facts: the largest output cap any door spells is reserved; embeddings and token counts reserve no output', async () => {
  const { extractFacts } = await import('../../src/gateway/extract-facts.js');
  const base = { api: 'openai' as const, endpoint: '/v1/responses', headers: {}, orgId: 'o', keyId: 'k', ip: '', now: 0 };
  assert.equal(extractFacts({ ...base, kind: 'responses', body: { model: 'm', max_tokens: 1, max_output_tokens: 5000 } }).maxTokens, 5000);
  assert.equal(extractFacts({ ...base, kind: 'chat', body: { model: 'm', max_completion_tokens: 900, max_tokens: 10 } }).maxTokens, 900);
  assert.equal(extractFacts({ ...base, kind: 'embeddings', body: { model: 'm', input: 'x', max_tokens: 50 } }).maxTokens, 0);
  const counted = extractFacts({ ...base, api: 'anthropic', kind: 'count_tokens', body: { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(4000) }] } });
  assert.deepEqual([counted.maxTokens, counted.inputTokensEstimate], [0, 0]);
  const mcp = extractFacts({ ...base, kind: 'responses', body: { model: 'm', tools: [{ type: 'mcp', server_label: 'Files', allowed_tools: { tool_names: ['Run_Shell'] } }], include: ['message.output_text.logprobs'] } });
  assert.ok(mcp.toolTypes.includes('mcp_server'));
  assert.deepEqual(mcp.toolNames.sort(), ['files', 'run_shell']);
  assert.equal(mcp.params.logprobs, true);
});

test('detection reads Responses instructions given as items like a system prompt', () => {
  const v = viewRequest({ model: 'm', instructions: [{ role: 'developer', content: [{ type: 'input_text', text: 'Answer as a grader.' }] }], input: 'score this' });
  assert.deepEqual([v.system, v.prompt, v.userTurns], ['Answer as a grader.', 'score this', 1]);
});
