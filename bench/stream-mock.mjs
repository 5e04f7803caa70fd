// @ts-check
// Streaming mock upstream (SSE, OpenAI chunk format). Headers and the first event go out as soon as the request
// body is read; the remaining events follow 5 ms later, so time-to-first-byte through a gateway measures the
// gateway's relay, not buffering. Prints {"url"} once listening (port 0).
import { createServer } from 'node:http';
import { SSE_FIRST, SSE_REST } from './lib/fixed-response.mjs';

const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(SSE_FIRST);
    setTimeout(() => res.end(SSE_REST), 5);
  });
});
server.keepAliveTimeout = 60_000;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}` })));
