import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHarness, type Harness } from './harness.js';
import { startTraceWriter } from '../../src/gateway/trace-writer.js';

/**
 * Starts a gateway harness with a trace writer on a new file, runs `send` against it, stops both and returns the
 * file's text. `withTraceConfig`: the gateway's config names the trace file, as `moat start` does.
 */
async function traceOf(send: (h: Harness) => Promise<void>, withTraceConfig = false): Promise<{ text: string; secret: string }> {
  const file = join(mkdtempSync(join(tmpdir(), 'moat-trace-')), 'trace.jsonl');
  const h = await startHarness(withTraceConfig ? { config: { events: { traceFile: file } } } : {});
  const writer = startTraceWriter(h.events, file);
  try {
    await send(h);
  } finally {
    await h.close();
  }
  await new Promise((r) => setTimeout(r, 20));
  h.events.close();
  await writer.done;
  return { text: readFileSync(file, 'utf8'), secret: h.secret };
}

test('live requests are written as replayable trace lines, without secrets', async () => {
  const { text, secret } = await traceOf(async (h) => {
    for (const content of ['first', 'second']) {
      const r = await request(h.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}`, 'moat-purpose': 'safety_evaluation', 'user-agent': 'trace-test/1' },
        body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content }] }),
      });
      await r.body.text();
    }
  });
  assert.ok(!text.includes(secret));
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].type, 'request');
  assert.equal(lines[0].org, 'org_a');
  assert.deepEqual(lines[1].body.messages, [{ role: 'user', content: 'second' }]);
  assert.equal(lines[0].headers['moat-purpose'], 'safety_evaluation');
  assert.equal(lines[0].client.user_agent, 'trace-test/1');
  assert.equal(lines[0].response.status, 200);
  assert.ok(lines[0].response.usage.output_tokens > 0);
});

test('with a trace file the line carries the body as the client sent it: one line, numbers and escapes intact', async () => {
  // Pretty-printed (line breaks between tokens), an integer past 2^53 that JSON.stringify would round, escapes
  // JSON.stringify would write differently, and a line break inside a string (escaped, so it stays).
  const sent = '{\r\n  "model": "demo-gpt",\n  "seed": 12345678901234567890,\n  "messages": [{"role": "user", "content": "caf\\u00e9\\nline two \\/ done"}]\n}';
  const { text } = await traceOf(async (h) => {
    const r = await request(h.url + '/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}` }, body: sent });
    assert.equal(r.statusCode, 200);
    await r.body.text();
  }, true);
  const lines = text.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, 'one request, one line');
  const line = JSON.parse(lines[0]!) as { type: string; org: string; body: unknown; response: { status: number } };
  assert.equal(line.type, 'request');
  assert.equal(line.org, 'org_a');
  assert.equal(line.response.status, 200);
  assert.deepEqual(line.body, JSON.parse(sent), 'the body parses to what the client sent');
  assert.ok(lines[0]!.includes('"seed": 12345678901234567890'), 'the integer is written as sent, not rounded');
  assert.ok(lines[0]!.includes('caf\\u00e9\\nline two \\/ done'), 'escapes as sent');
});

test("org lines precede an org's first request and are written again when the org changes", async () => {
  const { BoundedQueue } = await import('../../src/events/bounded-queue.js');
  const queue = new BoundedQueue<import('../../src/events/request-event.js').RequestEvent>(10);
  const file = join(mkdtempSync(join(tmpdir(), 'moat-trace-')), 'trace.jsonl');
  let competitor = false;
  const writer = startTraceWriter(queue, file, undefined, {
    flushIntervalMs: 0,
    orgLine: (id) => ({ type: 'org', id, attributes: { competitor } }),
  });
  const event = (id: string, orgId: string) => ({
    id, ts: '2026-08-01T10:00:00.000Z', orgId, keyId: 'key_1', model: 'demo-gpt', api: 'openai' as const, endpoint: '/v1/chat/completions',
    stream: false, client: { ip: '127.0.0.1' }, headers: {}, body: { model: 'demo-gpt', messages: [] }, status: 200,
    usage: { input_tokens: 1, output_tokens: 1 }, responseText: '', latencyMs: 1, tags: [],
  });
  queue.push(event('r1', 'org_a'));
  queue.push(event('r2', 'org_a'));
  await new Promise((r) => setTimeout(r, 20));
  competitor = true;
  queue.push(event('r3', 'org_a'));
  queue.push(event('r4', 'org_b'));
  queue.close();
  await writer.done;
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { type: string; id: string; attributes?: { competitor: boolean } });
  assert.deepEqual(lines.map((l) => `${l.type}:${l.id}`), ['org:org_a', 'request:r1', 'request:r2', 'org:org_a', 'request:r3', 'org:org_b', 'request:r4']);
  assert.equal(lines[0]!.attributes!.competitor, false);
  assert.equal(lines[3]!.attributes!.competitor, true);
});

const traceEvent = (id: string, body: unknown = { model: 'demo-gpt', messages: [] }) => ({
  id, ts: '2026-08-01T10:00:00.000Z', orgId: 'org_a', keyId: 'key_1', model: 'demo-gpt', api: 'openai' as const, endpoint: '/v1/chat/completions',
  stream: false, client: { ip: '127.0.0.1' }, headers: {}, body, status: 200,
  usage: { input_tokens: 1, output_tokens: 1 }, responseText: '', latencyMs: 1, tags: [],
});

test('an event that cannot be written is skipped and reported; the others are written', async () => {
  const { BoundedQueue } = await import('../../src/events/bounded-queue.js');
  const queue = new BoundedQueue<import('../../src/events/request-event.js').RequestEvent>(10);
  const file = join(mkdtempSync(join(tmpdir(), 'moat-trace-')), 'trace.jsonl');
  const failed: string[] = [];
  const writer = startTraceWriter(queue, file, undefined, { flushIntervalMs: 0, health: { eventFailed: (c) => void failed.push(c), restarted: () => {} } });
  queue.push(traceEvent('r1'));
  queue.push(traceEvent('r2', { n: 10n })); // JSON.stringify throws on a BigInt
  queue.push(traceEvent('r3'));
  queue.close();
  await writer.done;
  assert.deepEqual(readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l).id), ['r1', 'r3']);
  assert.deepEqual(failed, ['trace_writer']);
});

test('a write error (disk full) restarts the writer on a fresh stream; it keeps taking events and ends on close', async () => {
  const { BoundedQueue } = await import('../../src/events/bounded-queue.js');
  const queue = new BoundedQueue<import('../../src/events/request-event.js').RequestEvent>(10);
  const restarts: string[] = [];
  // Every write to /dev/full fails with ENOSPC.
  const writer = startTraceWriter(queue, '/dev/full', undefined, { flushIntervalMs: 0, restartDelayMs: 1, health: { eventFailed: () => {}, restarted: (c) => void restarts.push(c) } });
  for (let i = 0; i < 3; i++) {
    queue.push(traceEvent(`r${i}`));
    while (queue.size > 0) await new Promise((r) => setTimeout(r, 2));
  }
  queue.close();
  await writer.done;
  assert.ok(restarts.length >= 1, 'restarted after the write error');
  assert.ok(restarts.every((c) => c === 'trace_writer'));
});
