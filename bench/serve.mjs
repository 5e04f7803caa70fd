// Child process for bench/latency.mjs, bench/tracing-cost.mjs and bench/batch-admission.mjs: `demo [hold-batches]` starts the demo upstream; `otlp-sink`
// an OTLP/HTTP receiver that accepts and discards spans; `gateway <demoUrl> [otlpEndpoint]` starts the hot path
// (allow-all policy, unlimited limiter, silent logs) in front of it, tracing to the endpoint when one is given.
// Prints one JSON line with its URL.
import { createServer } from 'node:http';
import { startDemoUpstream, demoUpstreamConfigs } from '../src/demo-upstream/demo-upstream.ts';
import { ConfigSchema } from '../src/config/schema.ts';
import { BoundedQueue } from '../src/events/bounded-queue.ts';
import { createHotPath } from '../src/gateway/hot-path.ts';
import { UsageAggregator } from '../src/metering/usage-aggregator.ts';
import { MemoryUsageSink } from '../src/metering/usage-sink.ts';
import { createMetrics } from '../src/ops/metrics.ts';
import { silentLogger } from '../src/ops/logger.ts';
import { allowAllDecision, makeOrg, TestView, unlimitedLimiter } from '../test/gateway/doubles.ts';

const [role, demoUrl, otlpEndpoint] = process.argv.slice(2);
// Exit normally on SIGTERM so `--cpu-prof` can write its profile.
process.on('SIGTERM', () => process.exit(0));
if (role === 'otlp-sink') {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  sink.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${sink.address().port}/v1/traces` })));
} else if (role === 'demo') {
  const demo = await startDemoUpstream({ models: ['demo-gpt', 'demo-claude'] });
  // `demo hold-batches`: batches stay in progress instead of running their items at creation.
  if (demoUrl === 'hold-batches') demo.setBehavior({ batchesComplete: false });
  console.log(JSON.stringify({ url: demo.url }));
} else {
  const config = ConfigSchema.parse({ upstreams: demoUpstreamConfigs(demoUrl, ['demo-gpt', 'demo-claude']) });
  const view = new TestView();
  view.addOrg(makeOrg('org_bench'));
  const { secret } = view.addKey('org_bench');
  const events = new BoundedQueue(10_000);
  // Drain events like a consumer would, so the queue does not just fill and drop.
  void (async () => { for (;;) if ((await events.take(1000)).length === 0) break; })();
  const clock = { now: () => Date.now() };
  const hot = createHotPath({
    config, view, decide: allowAllDecision, limiter: unlimitedLimiter(), events,
    usage: new UsageAggregator(new MemoryUsageSink(), clock), logger: silentLogger(), metrics: createMetrics(), clock,
    ...(otlpEndpoint ? { tracer: new (await import('../src/ops/otlp-tracer.ts')).OtlpTracer({ endpoint: otlpEndpoint, serviceName: 'moat-bench', batchSize: 512, queueSize: 8192, flushMs: 2000, timeoutMs: 10_000 }) } : {}),
  });
  // GET /bench/cpu: this process's CPU time so far (microseconds), to compute CPU cost per request.
  const server = createServer((req, res) => {
    if (req.url === '/bench/cpu') return void res.end(JSON.stringify(process.cpuUsage()));
    if (!hot.handle(req, res)) res.writeHead(404).end();
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${server.address().port}`, secret })));
}
