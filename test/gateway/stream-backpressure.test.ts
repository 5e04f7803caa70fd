// A client slower than the model server pauses the upstream (backpressure). The upstream's silence while paused
// is the gateway's doing, so the body timeout must not end the stream: it restarts when reading resumes.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { startHarness, type Harness } from './harness.js';

const CHUNK = `data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'bulk', choices: [{ index: 0, delta: { content: 'x'.repeat(4000) }, finish_reason: null }] })}\n\n`;
const EVENTS = 4000; // ~16 MB: more than loopback socket buffers hold, so the gateway's writes back up
let upstream: Server;
let h: Harness;

before(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < EVENTS; i++) res.write(CHUNK);
      res.end(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'bulk', choices: [], usage: { prompt_tokens: 1, completion_tokens: EVENTS, total_tokens: EVENTS + 1 } })}\n\ndata: [DONE]\n\n`);
    });
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  h = await startHarness({ upstreams: () => [{ name: 'bulk', api: 'openai', baseUrl: url, models: ['bulk'], bodyTimeoutMs: 200 }] });
});
after(async () => {
  await h.close();
  await new Promise<void>((r) => upstream.close(() => r()));
});

test('a client that stops reading for longer than bodyTimeoutMs still gets the whole stream', async () => {
  const body = JSON.stringify({ model: 'bulk', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] });
  const { port } = new URL(h.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.write(`POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${h.secret}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  socket.pause();
  await new Promise((r) => setTimeout(r, 1_000)); // five body timeouts without reading
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.resume();
  await new Promise((r) => socket.on('close', r));
  const text = Buffer.concat(chunks).toString();
  assert.match(text, /^HTTP\/1.1 200/);
  assert.ok(text.includes('data: [DONE]'), text.slice(-300).replace(/x{20,}/g, 'x…'));
  assert.doesNotMatch(text.slice(-2000), /upstream_body_timeout/);
});
