// Recorded SSE transcripts of both APIs: the incremental parser, the usage meter and the relay through the hot
// path give the same result however the bytes are split (inside events, lines, CRLFs or UTF-8 characters).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { SseParser } from '../../src/gateway/sse-parser.js';
import { UsageMeter } from '../../src/gateway/usage-meter.js';
import { startHarness, type Harness } from './harness.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/sse/${name}`, import.meta.url));
const ANTHROPIC = fixture('anthropic-messages-stream.sse');
const OPENAI = fixture('openai-chat-stream-include-usage.sse');
const TEXT = 'Hello! Ciao — ¿qué tal? 你好 👋';

/** Splits a buffer at the given (sorted, deduplicated) byte offsets. */
function splitAt(buf: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (buf.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let prev = 0;
  for (const p of [...points, buf.length]) {
    if (p > prev) out.push(buf.subarray(prev, p));
    prev = p;
  }
  return out;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 40 });

function meterAll(api: 'openai' | 'anthropic', chunks: Buffer[]) {
  const p = new SseParser();
  const m = new UsageMeter(api === 'openai' ? 'chat' : 'messages', 1000);
  const events = chunks.flatMap((c) => p.push(c));
  const usageOnly = events.filter((e) => m.observeEvent(e));
  return { events, usageOnly, usage: m.usage(0), text: m.responseText(), rest: p.rest() };
}

test('parser + meter: Anthropic transcript at any split gives usage 472/15 and the full text', () => {
  fc.assert(
    fc.property(cutsArb, (cuts) => {
      const r = meterAll('anthropic', splitAt(ANTHROPIC, cuts));
      assert.deepEqual(r.usage, { input_tokens: 472, output_tokens: 15 });
      assert.equal(r.text, TEXT);
      assert.deepEqual(r.events.map((e) => e.event), ['message_start', 'content_block_start', 'ping', 'content_block_delta', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      assert.equal(Buffer.from(r.events.map((e) => e.raw).join('')).equals(ANTHROPIC), true, 'raw events re-emit the exact bytes');
      assert.equal(r.rest, '');
    }),
  );
});

test('parser + meter: OpenAI transcript at any split, CRLF line endings too; only the usage chunk is flagged', () => {
  const crlf = Buffer.from(OPENAI.toString('utf8').replaceAll('\n', '\r\n'));
  fc.assert(
    fc.property(cutsArb, fc.boolean(), (cuts, useCrlf) => {
      const src = useCrlf ? crlf : OPENAI;
      const r = meterAll('openai', splitAt(src, cuts));
      assert.deepEqual(r.usage, { input_tokens: 19, output_tokens: 10, reasoning_tokens: 0 });
      assert.equal(r.text, TEXT);
      assert.equal(r.events.length, 7);
      assert.equal(r.usageOnly.length, 1);
      assert.deepEqual(JSON.parse(r.usageOnly[0]!.data).choices, []);
      assert.equal(r.events.at(-1)?.data, '[DONE]');
    }),
  );
});

test('meter: a stream cut before its usage keeps what it saw and estimates the rest', () => {
  const cut = ANTHROPIC.subarray(0, ANTHROPIC.indexOf('content_block_stop'));
  const r = meterAll('anthropic', [cut]);
  assert.equal(r.usage.input_tokens, 472);
  assert.equal(r.usage.output_tokens, Math.ceil(TEXT.length / 4), 'output estimated from the text relayed so far');
  const o = meterAll('openai', [OPENAI.subarray(0, OPENAI.indexOf('"finish_reason":"stop"'))]);
  assert.equal(new UsageMeter('chat', 10).usage(33).input_tokens, 33, 'input falls back to the request estimate');
  assert.equal(o.usage.output_tokens, Math.ceil(TEXT.length / 4));
});

test('meter: reasoning tokens as OpenAI reports them, and for Anthropic the output beyond the visible text of a thinking response', () => {
  const chat = new UsageMeter('chat', 100);
  chat.observeBody({ choices: [{ message: { content: 'Answer.' } }], usage: { prompt_tokens: 10, completion_tokens: 900, completion_tokens_details: { reasoning_tokens: 850 } } });
  assert.deepEqual(chat.usage(0), { input_tokens: 10, output_tokens: 900, reasoning_tokens: 850 });
  const responses = new UsageMeter('responses', 100);
  responses.observeEvent({ event: 'response.completed', data: JSON.stringify({ type: 'response.completed', response: { id: 'r1', usage: { input_tokens: 5, output_tokens: 700, output_tokens_details: { reasoning_tokens: 600 } } } }) } as never);
  assert.equal(responses.usage(0).reasoning_tokens, 600);
  const plain = new UsageMeter('chat', 100);
  plain.observeBody({ choices: [{ message: { content: 'Hi' } }], usage: { prompt_tokens: 3, completion_tokens: 2 } });
  assert.equal('reasoning_tokens' in plain.usage(0), false, 'no reasoning reported, none recorded');
  // Anthropic, not streamed: 2,000 output tokens, of which the visible text is 400 characters (~100 tokens).
  const body = new UsageMeter('messages', 1000);
  body.observeBody({ content: [{ type: 'thinking', thinking: 'summarised...' }, { type: 'text', text: 'x'.repeat(400) }], usage: { input_tokens: 20, output_tokens: 2000 } });
  assert.deepEqual(body.usage(0), { input_tokens: 20, output_tokens: 2000, reasoning_tokens: 1900 });
  // Streamed: the thinking block announced by content_block_start.
  const stream = new UsageMeter('messages', 1000);
  const events = [
    { type: 'message_start', message: { usage: { input_tokens: 20, output_tokens: 1 } } },
    { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'hmm' } },
    { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'y'.repeat(400) } },
    { type: 'message_delta', usage: { output_tokens: 2000 } },
  ];
  for (const e of events) stream.observeEvent({ event: e.type, data: JSON.stringify(e) } as never);
  assert.deepEqual(stream.usage(0), { input_tokens: 20, output_tokens: 2000, reasoning_tokens: 1900 });
  const noThinking = new UsageMeter('messages', 1000);
  noThinking.observeBody({ content: [{ type: 'text', text: 'short' }], usage: { input_tokens: 20, output_tokens: 2000 } });
  assert.equal('reasoning_tokens' in noThinking.usage(0), false);
});

test('meter: response text is capped', () => {
  const p = new SseParser();
  const m = new UsageMeter('messages', 7);
  for (const e of p.push(ANTHROPIC)) m.observeEvent(e);
  assert.equal(m.responseText(), TEXT.slice(0, 7));
  assert.deepEqual(m.usage(0), { input_tokens: 472, output_tokens: 15 });
});

// Relay through the hot path: an upstream that replays a transcript in the given pieces.
let plan: Buffer[] = [];
let upstream: Server;
let h: Harness;
before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const piece of plan) {
        await new Promise((r) => res.write(piece, r));
        await new Promise((r) => setImmediate(r));
      }
      res.end();
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  h = await startHarness({
    upstreams: () => [
      { name: 'fx-openai', api: 'openai', baseUrl: url, models: ['gpt-*'] },
      { name: 'fx-anthropic', api: 'anthropic', baseUrl: url, models: ['claude-*'] },
    ],
  });
});
after(async () => {
  await h.close();
  upstream.closeAllConnections();
  await new Promise<void>((r) => upstream.close(() => r()));
});

async function relay(api: 'openai' | 'anthropic', body: Record<string, unknown>) {
  const r = await request(`${h.url}${api === 'openai' ? '/v1/chat/completions' : '/v1/messages'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` },
    body: JSON.stringify({ stream: true, messages: [{ role: 'user', content: 'x' }], ...body }),
  });
  return { status: r.statusCode, bytes: Buffer.from(await r.body.arrayBuffer()) };
}

test('relay: Anthropic transcript arrives byte-for-byte and is metered, at any split', async () => {
  await fc.assert(
    fc.asyncProperty(cutsArb, async (cuts) => {
      plan = splitAt(ANTHROPIC, cuts);
      const r = await relay('anthropic', { model: 'claude-sonnet-4-5', max_tokens: 100 });
      assert.equal(r.status, 200);
      assert.ok(r.bytes.equals(ANTHROPIC));
      const [ev] = await h.takeEvents(1);
      assert.deepEqual(ev?.usage, { input_tokens: 472, output_tokens: 15 });
      assert.equal(ev?.responseText, TEXT);
    }),
    { numRuns: 20 },
  );
});

test('relay: OpenAI usage chunk is stripped only when Moat added include_usage, at any split', async () => {
  const usageChunk = OPENAI.toString('utf8').split('\n\n').find((e) => e.includes('"choices":[]'))! + '\n\n';
  const withoutUsage = Buffer.from(OPENAI.toString('utf8').replace(usageChunk, ''));
  await fc.assert(
    fc.asyncProperty(cutsArb, fc.boolean(), async (cuts, clientAsked) => {
      plan = splitAt(OPENAI, cuts);
      const r = await relay('openai', { model: 'gpt-4o', ...(clientAsked ? { stream_options: { include_usage: true } } : {}) });
      assert.ok(r.bytes.equals(clientAsked ? OPENAI : withoutUsage), r.bytes.toString());
      const [ev] = await h.takeEvents(1);
      assert.deepEqual(ev?.usage, { input_tokens: 19, output_tokens: 10, reasoning_tokens: 0 });
    }),
    { numRuns: 20 },
  );
});
