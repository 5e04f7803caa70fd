// Routing by door and model: the first upstream that serves the request's door API and model wins, so one
// model can be served through both doors by a server that speaks both (vLLM, Ollama, llama.cpp server).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { ConfigSchema, UpstreamSchema } from '../../src/config/schema.js';
import { createModelRouter } from '../../src/gateway/model-route.js';
import { startHarness, type Harness } from './harness.js';

const up = (o: Record<string, unknown>) => UpstreamSchema.parse({ baseUrl: 'http://127.0.0.1:1', ...o });

test('the first upstream serving the door and the model wins; other doors skip it', () => {
  const r = createModelRouter([
    up({ name: 'oai-only', api: 'openai', models: ['llama-*'] }),
    up({ name: 'both', apis: ['openai', 'anthropic'], models: ['llama-*', 'qwen'] }),
    up({ name: 'claude', api: 'anthropic', models: ['claude-*'] }),
  ]);
  assert.equal(r.route('llama-3', 'openai')?.[0]?.name, 'oai-only');
  assert.equal(r.route('llama-3', 'anthropic')?.[0]?.name, 'both');
  assert.equal(r.route('qwen', 'anthropic')?.[0]?.name, 'both');
  assert.equal(r.route('claude-x', 'openai'), undefined);
  assert.equal(r.otherApiServing('claude-x', 'openai'), 'anthropic');
  assert.equal(r.otherApiServing('nothing', 'openai'), undefined);
  assert.deepEqual(r.listedModels('anthropic').map((m) => m.id), ['qwen']);
  assert.deepEqual(r.listedModels('openai').map((m) => m.id), ['qwen']);
});

test('a pool is the first match and the members of its pool that serve the door and model', () => {
  const r = createModelRouter([
    up({ name: 'solo', api: 'openai', models: ['x'] }),
    up({ name: 'a', pool: 'p', api: 'openai', models: ['m-*'] }),
    up({ name: 'b', pool: 'p', apis: ['openai', 'anthropic'], models: ['m-*'] }),
    up({ name: 'c', pool: 'p', api: 'openai', models: ['other'] }),
    up({ name: 'd', pool: 'q', api: 'openai', models: ['m-*'] }),
  ]);
  assert.deepEqual(r.route('m-1', 'openai')?.map((u) => u.name), ['a', 'b']);
  assert.deepEqual(r.route('m-1', 'anthropic')?.map((u) => u.name), ['b']);
  assert.deepEqual(r.route('x', 'openai')?.map((u) => u.name), ['solo']);
});

test('an upstream needs api or apis', () => {
  const bad = ConfigSchema.safeParse({ upstreams: [{ name: 'x', baseUrl: 'http://h', models: ['m'] }] });
  assert.equal(bad.success, false);
  assert.match(JSON.stringify(bad.error?.issues), /needs `api` or `apis`/);
});

let h: Harness;
before(async () => {
  h = await startHarness({
    upstreams: (url) => [
      { name: 'both-doors', apis: ['openai', 'anthropic'], baseUrl: url, apiKeyEnv: 'DEMO_UPSTREAM_KEY', models: ['demo-gpt'] },
      { name: 'demo-anthropic', api: 'anthropic', baseUrl: url, models: ['demo-claude'] },
    ],
  });
});
after(() => h.close());

test('one model through both doors of a server that speaks both, each with its own credential header', async () => {
  const o = await new OpenAI({ apiKey: h.secret, baseURL: `${h.url}/v1`, maxRetries: 0 }).chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }] });
  assert.match(o.choices[0]?.message.content ?? '', /You said: hi/);
  assert.equal(h.demo.requests.at(-1)?.headers.authorization, 'Bearer upstream-secret-123');
  const a = await new Anthropic({ apiKey: h.secret, baseURL: h.url, maxRetries: 0 }).messages.create({ model: 'demo-gpt', max_tokens: 50, messages: [{ role: 'user', content: 'salut' }] });
  assert.equal(a.content[0]?.type, 'text');
  const sent = h.demo.requests.at(-1)!;
  assert.equal(sent.path, '/v1/messages');
  assert.equal(sent.headers['x-api-key'], 'upstream-secret-123');
  assert.equal(sent.headers.authorization, undefined);
  const evs = await h.takeEvents(2);
  assert.deepEqual(evs.map((e) => [e.api, e.upstream]), [['openai', 'both-doors'], ['anthropic', 'both-doors']]);
});

test('a model served only through the other door is api_mismatch naming that door', async () => {
  const r = await fetch(`${h.url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${h.secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'demo-claude', messages: [] }) });
  assert.equal(r.status, 400);
  const body = (await r.json()) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'api_mismatch');
  assert.match(body.error.message, /\/v1\/messages/);
  await h.takeEvents(1);
});
