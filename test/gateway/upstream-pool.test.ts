// Upstream pools through the real hot path and two demo upstreams: a member failing before anything reached
// the client (503, refused connection) is retried on the other; a stream cut after its first bytes is never
// sent again; a member failing in a row is ejected (per-upstream metrics say so) and probed back once it rests.
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness;
let second: DemoUpstream;
let downPort: number;
const clock = { offset: 0, now: () => Date.now() + clock.offset };

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

before(async () => {
  second = await startDemoUpstream({ models: ['demo-gpt', 'demo-claude', 'down-gpt'] });
  downPort = await closedPort();
  h = await startHarness({
    config: { routing: { retries: 2, retryBackoffMs: 1, ejectAfterFailures: 3, ejectMs: 60_000 } },
    deps: { clock },
    upstreams: (url) => [
      // weight 0 on `second`: it is used only when `first` was tried or is out, so each test knows the order.
      { name: 'first', pool: 'gpt', weight: 1, apis: ['openai', 'anthropic'], baseUrl: url, models: ['demo-gpt', 'demo-claude'] },
      { name: 'second', pool: 'gpt', weight: 0, apis: ['openai', 'anthropic'], baseUrl: second.url, models: ['demo-gpt', 'demo-claude'] },
      { name: 'down', pool: 'down', weight: 1, api: 'openai', baseUrl: `http://127.0.0.1:${downPort}`, models: ['down-gpt'] },
      { name: 'down-backup', pool: 'down', weight: 0, api: 'openai', baseUrl: second.url, models: ['down-gpt'] },
    ],
  });
});
after(async () => {
  await h.close();
  await second.close();
});
beforeEach(() => {
  h.demo.setBehavior({ fault: 'none', chunkDelayMs: 0 });
  second.setBehavior({ fault: 'none', chunkDelayMs: 0 });
});

const openai = () => new OpenAI({ apiKey: h.secret, baseURL: `${h.url}/v1`, maxRetries: 0 });
const anthropic = () => new Anthropic({ apiKey: h.secret, baseURL: h.url, maxRetries: 0 });
const counts = () => ({ first: h.demo.requests.length, second: second.requests.length });

async function metric(name: string, labels: string): Promise<number> {
  const text = await h.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

test('a 503 before any byte reached the client is retried on the other member, streamed or not', async () => {
  h.demo.setBehavior({ fault: 'http-503' });
  const before = counts();
  const r = await openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'retry me' }] });
  assert.match(r.choices[0]?.message.content ?? '', /You said: retry me/);
  let text = '';
  for await (const c of await anthropic().messages.create({ model: 'demo-claude', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'and me' }] }))
    if (c.type === 'content_block_delta' && c.delta.type === 'text_delta') text += c.delta.text;
  assert.match(text, /You said: and me/);
  assert.deepEqual(counts(), { first: before.first + 2, second: before.second + 2 }, 'each request went once to each member');
  const evs = await h.takeEvents(2);
  assert.deepEqual(evs.map((e) => [e.status, e.upstream]), [[200, 'second'], [200, 'second']]);
  assert.equal(await metric('moat_upstream_requests_total', 'upstream="first",outcome="retried"'), 2);
  assert.equal(await metric('moat_upstream_requests_total', 'upstream="second",outcome="ok"'), 2);
});

test('a refused connection is retried on the other member', async () => {
  const r = await openai().chat.completions.create({ model: 'down-gpt', messages: [{ role: 'user', content: 'anyone?' }] });
  assert.match(r.choices[0]?.message.content ?? '', /You said: anyone\?/);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.upstream, 'down-backup');
});

test('a stream cut after its first bytes reached the client is never sent again', async () => {
  h.demo.setBehavior({ fault: 'close-mid-stream' });
  const before = counts();
  const stream = await openai().chat.completions.create({ model: 'demo-gpt', stream: true, messages: [{ role: 'user', content: 'cut me' }] });
  let got = 0;
  await assert.rejects(
    (async () => {
      for await (const c of stream) got += c.choices.length;
    })(),
  );
  assert.ok(got > 0, 'the client had part of the answer');
  assert.deepEqual(counts(), { first: before.first + 1, second: before.second }, 'not retried on the other member');
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.errorCode, 'upstream_closed');
});

test('consecutive failures eject a member; it is probed back once its rest is over', async () => {
  h.demo.setBehavior({ fault: 'http-503' });
  // The previous tests left `first` with failures in a row; three more are certainly enough to eject it.
  for (let i = 0; i < 3; i++) await openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: `f${i}` }] });
  await h.takeEvents(3);
  assert.equal(await metric('moat_upstream_healthy', 'upstream="first"'), 0);
  assert.equal(await metric('moat_upstream_healthy', 'upstream="second"'), 1, 'members start in rotation');
  assert.ok((await metric('moat_upstream_ejections_total', 'upstream="first"')) >= 1);
  h.demo.setBehavior({ fault: 'none' });
  const before = counts();
  for (let i = 0; i < 3; i++) await openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: `e${i}` }] });
  assert.deepEqual(counts(), { first: before.first, second: before.second + 3 }, 'ejected: no traffic');
  clock.offset += 61_000;
  await openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'probe' }] });
  assert.equal(counts().first, before.first + 1, 'the probe went to the rested member');
  assert.equal(await metric('moat_upstream_healthy', 'upstream="first"'), 1);
  await h.takeEvents(4);
});

test('a non-streamed call whose upstream sent its headers and then closed is not sent again (the model may have run it)', async () => {
  // `first` is back in rotation after the probe above, so it takes this call.
  h.demo.setBehavior({ fault: 'close-mid-stream' });
  const before = counts();
  await assert.rejects(openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'cut me too' }] }), (e: { status?: number }) => e.status === 502);
  assert.deepEqual(counts(), { first: before.first + 1, second: before.second }, 'not retried on the other member');
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.errorCode, 'upstream_closed');
});

test('the last member\'s failure reaches the client as the upstream said it', async () => {
  h.demo.setBehavior({ fault: 'http-503' });
  second.setBehavior({ fault: 'http-503' });
  await assert.rejects(openai().chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.APIError && e.status === 503);
  const [ev] = await h.takeEvents(1);
  assert.equal(ev?.status, 503);
});
