// Batch admission at 10,000 items: the time from submitting a batch to Moat's answer (every item read, judged by
// the real policy decision and reserved in the memory limiter, the batch forwarded), the time until every item's
// request event has reached the bounded hand-off, and the gateway process's memory (heap after GC before/after,
// peak RSS). The demo upstream runs in its own process and leaves batches in progress, so its work is not counted.
// Run: node --expose-gc --import tsx bench/batch-admission.mjs [--items 10000] [--rounds 3]
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { ConfigSchema } from '../src/config/schema.ts';
import { demoUpstreamConfigs } from '../src/demo-upstream/demo-upstream.ts';
import { BoundedQueue } from '../src/events/bounded-queue.ts';
import { createHotPath } from '../src/gateway/hot-path.ts';
import { MemoryLimiter } from '../src/limits/memory-limiter.ts';
import { LimitsConfigSchema } from '../src/limits/limits-schema.ts';
import { UsageAggregator } from '../src/metering/usage-aggregator.ts';
import { MemoryUsageSink } from '../src/metering/usage-sink.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import { silentLogger } from '../src/ops/logger.ts';
import { decide } from '../src/policy/decide.ts';
import { makeOrg, TestView } from '../test/gateway/doubles.ts';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? def : Number(process.argv[i + 1]);
};
const ITEMS = arg('items', 10_000);
const ROUNDS = arg('rounds', 3);
const gc = () => globalThis.gc?.();
const mib = (b) => (b / 1024 / 1024).toFixed(1);

// The demo upstream in a child process; batches stay in progress (the demo would otherwise run every item).
const demo = spawn(process.execPath, ['--import', 'tsx', new URL('./serve.mjs', import.meta.url).pathname, 'demo', 'hold-batches'], { stdio: ['ignore', 'pipe', 'inherit'] });
const demoUrl = await new Promise((resolve) => demo.stdout.once('data', (d) => resolve(JSON.parse(String(d)).url)));

const config = ConfigSchema.parse({ upstreams: demoUpstreamConfigs(demoUrl, ['demo-gpt', 'demo-claude']), batches: { maxUploadBytes: 256 * 1024 * 1024, maxItems: 100_000 } });
const view = new TestView();
view.addOrg(makeOrg('org_bench'));
const { secret } = view.addKey('org_bench');
// Realistic limits (per-minute requests and tokens, a 5-hour session, a weekly window), large enough for the batch.
const limits = LimitsConfigSchema.parse({
  tiers: { default: { key: { requestsPerMinute: 1e9, inputTokensPerMinute: 1e12, outputTokensPerMinute: 1e12, windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 1e12 }, { name: 'weekly', duration: '7d', requests: 1e9 }] } } },
});
const events = new BoundedQueue(10_000);
let handedOff = 0;
// A consumer draining the hand-off like the fan-out does.
void (async () => {
  for (;;) {
    const got = await events.take(1000);
    if (got.length === 0) break;
    handedOff += got.length;
  }
})();
const clock = { now: () => Date.now() };
const hot = createHotPath({
  config, view, decide, limiter: new MemoryLimiter({ limits: () => limits }), events,
  usage: new UsageAggregator(new MemoryUsageSink(), clock), logger: silentLogger(), metrics: createMetrics(), clock,
});
const server = createServer((req, res) => {
  if (!hot.handle(req, res)) res.writeHead(404).end();
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}`;

const prompt = (i) => `Evaluation item ${i}: solve the following problem step by step and give the final answer. ${'Context sentence. '.repeat(12)}`;
// Payloads as Buffers made once (off the heap), so the client side adds no per-round copies of its own to the
// heap figures; fetch still copies a body on its way out (counted in peak RSS and array buffers).
const anthropicBody = Buffer.from(JSON.stringify({ requests: Array.from({ length: ITEMS }, (_, i) => ({ custom_id: `item-${i}`, params: { model: 'demo-claude', max_tokens: 256, messages: [{ role: 'user', content: prompt(i) }] } })) }));
const jsonl = Buffer.from(Array.from({ length: ITEMS }, (_, i) => JSON.stringify({ custom_id: `item-${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'demo-gpt', max_tokens: 256, messages: [{ role: 'user', content: prompt(i) }] } })).join('\n'));

async function timed(fn) {
  const t0 = performance.now();
  const r = await fn();
  return { ms: performance.now() - t0, r };
}

/** Milliseconds from t0 until `n` more events than `before` were handed off. */
async function eventsFor(before, n, t0) {
  const target = before + n;
  while (handedOff < target) await new Promise((r) => setTimeout(r, 1));
  return performance.now() - t0;
}

console.log(`batch admission, ${ITEMS} items, ${ROUNDS} rounds; load average at start ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`payloads: anthropic body ${mib(anthropicBody.length)} MiB, openai file ${mib(jsonl.length)} MiB`);
gc();
const mem0 = process.memoryUsage();
const heap0 = mem0.heapUsed;
// Peak heap and peak Buffer memory (off the heap: bodies read, files read back) while batches are admitted,
// sampled every 5 ms; the heap figure includes garbage not yet collected (up to the young generation's size).
let peakHeap = heap0;
let peakBuffers = mem0.arrayBuffers;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed);
  peakBuffers = Math.max(peakBuffers, m.arrayBuffers);
}, 5);
const rows = [];
for (let round = 0; round < ROUNDS; round++) {
  // Anthropic: one POST carries every item.
  let before = handedOff;
  let t0 = performance.now();
  const an = await timed(() => fetch(`${url}/v1/messages/batches`, { method: 'POST', headers: { 'x-api-key': secret, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' }, body: anthropicBody }));
  if (an.r.status !== 200) throw new Error(`anthropic batch: ${an.r.status} ${await an.r.text()}`);
  await an.r.arrayBuffer();
  const anEvents = await eventsFor(before, ITEMS, t0);
  // OpenAI: upload (items judged), then create (items read back from the upstream, judged, reserved).
  const form = new FormData();
  form.set('purpose', 'batch');
  form.set('file', new Blob([jsonl], { type: 'application/jsonl' }), 'bench.jsonl');
  const up = await timed(() => fetch(`${url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${secret}` }, body: form }));
  const file = await up.r.json();
  if (up.r.status !== 200) throw new Error(`upload: ${up.r.status} ${JSON.stringify(file)}`);
  before = handedOff;
  t0 = performance.now();
  const cr = await timed(() => fetch(`${url}/v1/batches`, { method: 'POST', headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' }) }));
  if (cr.r.status !== 200) throw new Error(`openai batch: ${cr.r.status} ${await cr.r.text()}`);
  await cr.r.arrayBuffer();
  const oaEvents = await eventsFor(before, ITEMS, t0);
  rows.push({ round, anthropicAdmitMs: an.ms, anthropicEventsMs: anEvents, uploadMs: up.ms, openaiAdmitMs: cr.ms, openaiEventsMs: oaEvents });
  console.log(JSON.stringify(rows.at(-1), (k, v) => (typeof v === 'number' ? Math.round(v) : v)));
}
clearInterval(sampler);
gc();
const heap1 = process.memoryUsage().heapUsed;
console.log(`heap after GC: ${mib(heap0)} MiB before, ${mib(heap1)} MiB after ${ROUNDS * 2} batches of ${ITEMS} (retained ${mib(heap1 - heap0)} MiB); peak heap ${mib(peakHeap)} MiB (${mib(peakHeap - heap0)} above the start); peak Buffer memory ${mib(peakBuffers)} MiB (${mib(peakBuffers - mem0.arrayBuffers)} above the start, the client's copies included); peak RSS ${mib(process.resourceUsage().maxRSS * 1024)} MiB (${mib(mem0.rss)} at the start)`);
console.log(`load average at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
server.close();
await hot.close();
demo.kill();
process.exit(0);
