// Starts the demo upstream and a hot path in front of it on ephemeral ports, with test doubles for policy and
// limits, an in-memory usage sink and a captured event queue.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigSchema, type MoatConfig } from '../../src/config/schema.js';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import type { RequestEvent } from '../../src/events/request-event.js';
import { createHotPath, type HotPath, type HotPathDeps } from '../../src/gateway/hot-path.js';
import { UsageAggregator } from '../../src/metering/usage-aggregator.js';
import { MemoryUsageSink } from '../../src/metering/usage-sink.js';
import { createMetrics, type GatewayMetrics } from '../../src/ops/metrics.js';
import { silentLogger } from '../../src/ops/logger.js';
import { startDemoUpstream, demoUpstreamConfigs, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { allowAllDecision, makeOrg, TestView, unlimitedLimiter } from './doubles.js';

export interface Harness {
  url: string;
  demo: DemoUpstream;
  hot: HotPath;
  server: Server;
  view: TestView;
  secret: string;
  config: MoatConfig;
  events: BoundedQueue<RequestEvent>;
  sink: MemoryUsageSink;
  usage: UsageAggregator;
  metrics: GatewayMetrics;
  limiter: ReturnType<typeof unlimitedLimiter>;
  /** Waits until n events are queued and returns them (removing them from the queue). */
  takeEvents(n: number): Promise<RequestEvent[]>;
  close(): Promise<void>;
}

export async function startHarness(opts: { config?: Record<string, unknown>; deps?: Partial<HotPathDeps>; upstreams?: (demoUrl: string) => unknown[] } = {}): Promise<Harness> {
  const demo = await startDemoUpstream({ models: ['demo-gpt', 'demo-claude'], now: () => 1_735_689_600_000 });
  const upstreams = opts.upstreams ? opts.upstreams(demo.url) : demoUpstreamConfigs(demo.url, ['demo-gpt', 'demo-claude']).map((u) => ({ ...u, apiKeyEnv: 'DEMO_UPSTREAM_KEY' }));
  const config = ConfigSchema.parse({ upstreams, ...(opts.config ?? {}) });
  const view = new TestView();
  view.addOrg(makeOrg('org_a'));
  const { secret } = view.addKey('org_a');
  const events = opts.deps?.events ?? new BoundedQueue<RequestEvent>(1000);
  const sink = new MemoryUsageSink();
  const clock = { now: () => Date.now() };
  const usage = new UsageAggregator(sink, clock);
  const metrics = createMetrics();
  metrics.watchQueueDrops(() => events.dropped);
  const limiter = unlimitedLimiter();
  const hot = createHotPath({
    config,
    view,
    decide: allowAllDecision,
    limiter,
    events,
    usage,
    logger: silentLogger(),
    metrics,
    clock,
    env: { DEMO_UPSTREAM_KEY: 'upstream-secret-123' },
    ...(opts.deps ?? {}),
  });
  const server = createServer((req, res) => {
    if (!hot.handle(req, res)) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not a hot-path route"}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    demo,
    hot,
    server,
    view,
    secret,
    config,
    events,
    sink,
    usage,
    metrics,
    limiter,
    async takeEvents(n) {
      const out: RequestEvent[] = [];
      const deadline = Date.now() + 3000;
      while (out.length < n) {
        if (Date.now() > deadline) throw new Error(`expected ${n} events, got ${out.length}`);
        if (events.size === 0) {
          await new Promise((r) => setTimeout(r, 5));
          continue;
        }
        out.push(...(await events.take(n - out.length)));
      }
      return out;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await hot.close();
      await demo.close();
    },
  };
}
