// @ts-check
// The floor for a Node gateway: a minimal node:http server forwarding every request to one upstream through an
// undici Pool (the same client and pool settings as Moat's), with no features at all: no auth, no parsing, no
// policy, limits, metering, events or metrics. The request body is read whole (as any gateway that judges it
// must); a JSON answer goes back in one write with content-length, an event stream chunk by chunk.
// Usage: node bench/bare-floor.mjs '{"fast":"http://127.0.0.1:P","stream":"http://127.0.0.1:Q"}' -> prints {"url"}
// It does not parse bodies, so it cannot route by model: paths under `/stream/` go to the streaming upstream,
// anything else to the fast one.
import { createServer } from 'node:http';
import { Pool } from 'undici';

const upstreams = JSON.parse(process.argv[2] ?? '{}');
const poolOptions = { connections: 128, keepAliveTimeout: 30_000, headersTimeout: 60_000, bodyTimeout: 120_000 };
const fast = new Pool(upstreams.fast, poolOptions);
const stream = new Pool(upstreams.stream ?? upstreams.fast, poolOptions);
const UPSTREAM_HEADERS = { 'content-type': 'application/json' };

/** @param {import('node:http').IncomingMessage} req */
function readBody(req) {
  return new Promise((resolve, reject) => {
    /** @type {Buffer[]} */
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const server = createServer(async (req, res) => {
  try {
    const body = await readBody(req);
    const toStream = req.url?.startsWith('/stream/');
    const path = toStream ? (req.url ?? '').slice('/stream'.length) : (req.url ?? '/');
    const up = await (toStream ? stream : fast).request({ method: 'POST', path, headers: UPSTREAM_HEADERS, body });
    const ctype = String(up.headers['content-type'] ?? 'application/json');
    if (ctype.startsWith('text/event-stream')) {
      res.writeHead(up.statusCode, { 'content-type': ctype, 'cache-control': 'no-cache' });
      for await (const chunk of up.body) res.write(chunk);
      res.end();
      return;
    }
    const answer = Buffer.from(await up.body.arrayBuffer());
    res.writeHead(up.statusCode, { 'content-type': ctype, 'content-length': answer.length });
    res.end(answer);
  } catch (e) {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(String(e));
  }
});
server.keepAliveTimeout = 5_000;
process.on('SIGTERM', () => process.exit(0));
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}` })));
