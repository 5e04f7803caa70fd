// @ts-check
// Streaming mock upstream (SSE). Headers and the first event go out as soon as the request body is read.
// The benchmark's usual stream (OpenAI chunks): the remaining events follow 5 ms later, so time-to-first-byte
// through a gateway measures the gateway's relay, not buffering. The long streams (models LONG_STREAM_MODEL on
// /v1/chat/completions, LONG_ANTHROPIC_MODEL on /v1/messages): LONG_STREAM_CHUNKS text events, each its own
// socket write one event-loop turn apart, to measure what a gateway adds per chunk. Prints {"url"} once
// listening (port 0).
import { createServer } from 'node:http';
import { LONG_ANTHROPIC_MODEL, LONG_STREAM_CHUNKS, LONG_STREAM_MODEL, SSE_FIRST, SSE_REST, longStreamEvents } from './lib/fixed-response.mjs';

const long = { openai: longStreamEvents('openai', LONG_STREAM_CHUNKS), anthropic: longStreamEvents('anthropic', LONG_STREAM_CHUNKS) };

const server = createServer((req, res) => {
  /** @type {Buffer[]} */
  const body = [];
  req.on('data', (c) => body.push(c));
  req.on('end', () => {
    const text = Buffer.concat(body).toString();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const door = text.includes(LONG_ANTHROPIC_MODEL) ? 'anthropic' : text.includes(LONG_STREAM_MODEL) ? 'openai' : undefined;
    if (!door) {
      res.write(SSE_FIRST);
      setTimeout(() => res.end(SSE_REST), 5);
      return;
    }
    const ev = long[door];
    res.write(ev.first);
    let i = 0;
    const next = () => {
      if (res.destroyed) return;
      if (i < ev.chunks.length) {
        res.write(/** @type {string} */ (ev.chunks[i++]));
        setImmediate(next);
      } else res.end(ev.last);
    };
    setImmediate(next);
  });
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}` })));
