// Property test of the whole gateway (store, policy, limits, detection on its worker thread, trace file) under
// random and adversarial requests through both doors, plus raw HTTP no client would send. Whatever arrives:
// every answer is Moat's own (in the caller's format) or the upstream's, never a crash or an internal error;
// the process keeps serving; detection keeps judging; memory stays bounded. Bounded to seconds here; the
// longer run with figures is `npx tsx scripts/fuzz-gateway.ts` (docs/security.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { request } from 'undici';
import { startE2eGateway, type E2eGateway } from '../policy-e2e/e2e-gateway.js';
import { fuzzRequest, RAW_CORPUS, rawBytes, type FuzzRequest } from '../support/adversarial-requests.js';

let g: E2eGateway;
let key: string;
let traceFile: string;
const RUNS = Number(process.env.MOAT_FUZZ_RUNS ?? 150);

let traceDir: string;

before(async () => {
  traceDir = mkdtempSync(join(tmpdir(), 'moat-fuzz-'));
  traceFile = join(traceDir, 'trace.jsonl');
  g = await startE2eGateway({ 'events.traceFile': traceFile, 'server.bodyLimitBytes': 1024 * 1024 });
  const org = await g.admin('POST', '/admin/orgs', { name: 'fuzz-org' });
  key = (await g.admin('POST', `/admin/orgs/${org.json.id}/keys`, { name: 'fuzz' })).json.secret;
});
after(async () => {
  await g.close();
  rmSync(traceDir, { recursive: true, force: true });
});

async function send(r: FuzzRequest) {
  const auth = r.api === 'openai' ? { authorization: `Bearer ${key}` } : { 'x-api-key': key, 'anthropic-version': '2023-06-01' };
  const res = await request(g.url + r.path, { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers, ...auth }, body: r.body });
  const text = await res.body.text();
  return { status: res.statusCode, code: res.headers['moat-error-code'] as string | undefined, ctype: String(res.headers['content-type'] ?? ''), text };
}

/** Moat's error in the caller's shape, or a success; never an internal error or an unexplained 5xx. */
function assertSound(api: 'openai' | 'anthropic', r: Awaited<ReturnType<typeof send>>) {
  assert.notEqual(r.code, 'internal_error', r.text);
  if (r.status >= 500) assert.match(r.code ?? '', /^upstream_/, `${r.status} ${r.text.slice(0, 300)}`);
  if (r.code) {
    const j = JSON.parse(r.text);
    if (api === 'anthropic') assert.equal(j.type, 'error');
    assert.equal(j.error.code, r.code);
  }
}

function rssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

// A timeout, so that detection stopping (its idle() never resolving) fails the test instead of hanging the run.
test('random and adversarial bodies through both doors: sound answers, detection keeps counting, memory bounded', { timeout: 120_000 }, async () => {
  const det = g.moat.detection;
  assert.ok(det, 'detection is on');
  const startRss = rssMiB();
  let peakRss = startRss;
  let sent = 0;
  await fc.assert(
    fc.asyncProperty(fuzzRequest(), async (req) => {
      const r = await send(req);
      sent++;
      peakRss = Math.max(peakRss, rssMiB());
      assertSound(req.api, r);
    }),
    { numRuns: RUNS, seed: Number(process.env.MOAT_FUZZ_SEED ?? 1) },
  );
  await det.idle();
  const stats = det.stats();
  // Every authenticated request yields an event; nothing may have been lost to a dead consumer.
  assert.equal(stats.events + stats.dropped, sent, JSON.stringify(stats));
  assert.equal(stats.restarts, 0);
  // A plain request afterwards is still served and judged.
  const before = det.stats().events;
  const ok = await send({ api: 'openai', path: '/v1/chat/completions', body: Buffer.from('{"model":"gpt-4o","messages":[{"role":"user","content":"hello"}]}'), headers: {} });
  assert.equal(ok.status, 200, ok.text);
  await det.idle();
  assert.equal(det.stats().events, before + 1);
  // Loose bound: a runaway queue or leak of request bodies shows up as hundreds of MiB here.
  assert.ok(peakRss - startRss < 512, `RSS grew from ${startRss.toFixed(0)} to ${peakRss.toFixed(0)} MiB`);
});

function rawExchange(bytes: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const port = Number(new URL(g.url).port);
    const s = connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      s.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 3_000);
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('close', done);
    s.on('error', done);
    s.write(bytes, () => s.end());
  });
}

test('raw HTTP no client would send: every answer is a well-formed 4xx/2xx, the gateway keeps serving', async () => {
  for (const c of RAW_CORPUS) {
    const got = await rawExchange(rawBytes(c, key));
    for (const m of got.matchAll(/HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n/g)) {
      const status = Number(m[1]);
      assert.ok(status < 500, `${c.name}: ${got.slice(0, 400)}`);
      // Every refusal is Moat's own, in a model API's format (not node's bare status line or Fastify's shape).
      if (status >= 400) assert.match(m[2] ?? '', /^moat-error-code: /im, `${c.name}: ${got.slice(0, 400)}`);
    }
  }
  const ok = await send({ api: 'anthropic', path: '/v1/messages', body: Buffer.from('{"model":"claude-sonnet-4","max_tokens":8,"messages":[{"role":"user","content":"still there?"}]}'), headers: {} });
  assert.equal(ok.status, 200, ok.text);
});

test('the trace file holds one parseable line per event, the deep and odd bodies included', async () => {
  await g.moat.detection?.idle();
  await new Promise((r) => setTimeout(r, 100)); // the trace writer coalesces writes every 25 ms
  const lines = readFileSync(traceFile, 'utf8').trim().split('\n');
  for (const l of lines) JSON.parse(l);
  assert.ok(lines.filter((l) => l.startsWith('{"type":"request"')).length > RUNS / 2);
});
