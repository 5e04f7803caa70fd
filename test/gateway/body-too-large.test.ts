// A body over the limit must reach callers as a 413 in their API's format, not as a connection reset: the
// official SDKs turn a reset into a connection error and upload the whole body again. Moat answers at once,
// then reads and discards the rest of the body (up to server.lingerBytes) before the connection goes on.
// The SDKs call through a link with 20 ms of delay (on bare loopback the response always beats the reset).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startDelayedLink } from '../support/delayed-link.js';
import { startHarness, type Harness } from './harness.js';

const LIMIT = 64 * 1024;
let h: Harness;
let link: Awaited<ReturnType<typeof startDelayedLink>>;

before(async () => {
  h = await startHarness({ config: { server: { bodyLimitBytes: LIMIT, lingerBytes: 16 * 1024 * 1024 } } });
  link = await startDelayedLink(h.url);
});
after(async () => {
  await link.close();
  await h.close();
});

const big = (n: number) => 'a'.repeat(n);

test('openai SDK: 10 of 10 uploads over the limit get the 413 as an API error, none a connection error', async () => {
  const client = new OpenAI({ apiKey: h.secret, baseURL: `${link.url}/v1`, maxRetries: 0 });
  for (let i = 0; i < 10; i++) {
    const err = await client.chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: big(8 * 1024 * 1024) }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof OpenAI.APIError && !(err instanceof OpenAI.APIConnectionError), `try ${i + 1}: ${String(err)}`);
    assert.equal(err.status, 413);
    assert.equal((err.error as { code?: string }).code, 'body_too_large');
  }
  // The connection (and the pool) is still good for the next request.
  const ok = await client.chat.completions.create({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(ok.choices[0]);
});

test('anthropic SDK: 10 of 10 uploads over the limit get the 413 as an API error', async () => {
  const client = new Anthropic({ apiKey: h.secret, baseURL: link.url, maxRetries: 0 });
  for (let i = 0; i < 10; i++) {
    const err = await client.messages.create({ model: 'demo-claude', max_tokens: 8, messages: [{ role: 'user', content: big(8 * 1024 * 1024) }] }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof Anthropic.APIError && !(err instanceof Anthropic.APIConnectionError), `try ${i + 1}: ${String(err)}`);
    assert.equal(err.status, 413);
    assert.equal((err.error as { error?: { type?: string } }).error?.type, 'request_too_large');
  }
});

test('raw socket, a client that reads only after writing its whole body (as httpx and requests do): it gets the 413', async () => {
  for (let i = 0; i < 3; i++) {
    const r = await new Promise<{ response: string; error?: string }>((resolve) => {
      const s = connect(Number(new URL(h.url).port), '127.0.0.1');
      const total = 8 * 1024 * 1024;
      let response = '';
      let error: string | undefined;
      s.on('error', (e) => (error ??= (e as NodeJS.ErrnoException).code));
      s.on('close', () => resolve({ response, ...(error ? { error } : {}) }));
      s.pause();
      s.write(`POST /v1/messages HTTP/1.1\r\nHost: moat\r\nx-api-key: ${h.secret}\r\nContent-Type: application/json\r\nContent-Length: ${total}\r\n\r\n`);
      s.write(Buffer.alloc(total, 0x61), () => {
        s.on('data', (c: Buffer) => (response += c.toString('latin1')));
        s.resume();
        setTimeout(() => s.end(), 200);
      });
    });
    assert.equal(r.error, undefined);
    assert.match(r.response, /^HTTP\/1\.1 413 /);
    assert.match(r.response, /"type":"request_too_large"/);
  }
});

/** Writes headers, then the body in chunks as fast as the socket takes them; reports what came back and how it ended. */
function rawUpload(opts: { declared?: number; total: number; chunked?: boolean }): Promise<{ response: string; writeError?: string; sent: number }> {
  return new Promise((resolve) => {
    const s = connect(Number(new URL(h.url).port), '127.0.0.1');
    let response = '';
    let writeError: string | undefined;
    let sent = 0;
    const head =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer ${h.secret}\r\nContent-Type: application/json\r\n` +
      (opts.chunked ? 'Transfer-Encoding: chunked\r\n' : `Content-Length: ${opts.declared ?? opts.total}\r\n`) +
      '\r\n';
    s.on('data', (c: Buffer) => (response += c.toString('latin1')));
    s.on('error', (e) => (writeError ??= (e as NodeJS.ErrnoException).code ?? e.message));
    s.on('close', () => resolve({ response, ...(writeError ? { writeError } : {}), sent }));
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    const pump = () => {
      while (sent < opts.total) {
        const n = Math.min(chunk.length, opts.total - sent);
        const piece = opts.chunked ? Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), chunk.subarray(0, n), Buffer.from('\r\n')]) : chunk.subarray(0, n);
        sent += n;
        if (!s.write(piece)) return void s.once('drain', pump);
      }
      if (opts.chunked) s.write('0\r\n\r\n');
      // The whole body is out: wait for the answer, then hang up.
      setTimeout(() => s.end(), 200);
    };
    s.write(head, pump);
  });
}

test('raw socket: the whole oversized body is accepted (and discarded), the 413 is read, no reset', async () => {
  for (const chunked of [false, true]) {
    const r = await rawUpload({ total: 3 * 1024 * 1024, chunked });
    assert.equal(r.writeError, undefined, `chunked=${chunked}: the upload was cut`);
    assert.equal(r.sent, 3 * 1024 * 1024);
    assert.match(r.response, /^HTTP\/1\.1 413 /);
    assert.match(r.response, /"code":"body_too_large"/);
    assert.doesNotMatch(r.response, /connection: close/i);
  }
});

test('raw socket: past server.lingerBytes the connection is closed (the discarding is bounded)', async () => {
  // Declared beyond the bound: answered, then closed without reading.
  const declared = await rawUpload({ total: 64 * 1024, declared: 100 * 1024 * 1024 });
  assert.match(declared.response, /^HTTP\/1\.1 413 /);
  assert.match(declared.response, /connection: close/i);
  // Chunked (no declared length) past the bound: the server stops reading and closes mid-upload.
  const endless = await rawUpload({ total: 64 * 1024 * 1024, chunked: true });
  assert.match(endless.response, /^HTTP\/1\.1 413 /);
  assert.ok(endless.sent < 64 * 1024 * 1024 || endless.writeError !== undefined, 'the server closed before the 64 MiB were sent');
});
