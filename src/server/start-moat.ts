// Composition root: wires the store, the policy view, the hot path, the limiter, the admin API, metering and
// the event consumers into one http.Server. Everything here is plumbing; behaviour lives in the modules.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import type { MoatConfig } from '../config/schema.js';
import { openStore } from '../store/open-store.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import { storeUsageSink } from '../store/usage-repo.js';
import { retryStoreStart } from '../store/retry-store-start.js';
import { ChangeBroadcaster } from '../view/change-broadcaster.js';
import { InProcessChangeBus } from '../changes/in-process-change-bus.js';
import { RedisChangeBus } from '../changes/redis-change-bus.js';
import type { ChangeBus } from '../changes/change-bus.js';
import { startPolicyView, type PolicyView } from '../view/policy-view.js';
import { ADMIN_ROUTES, registerAdminRoutes } from '../admin/register-admin-routes.js';
import { runMigrations } from '../store/migrate.js';
import { caseRoutes } from '../admin/routes/case-routes.js';
import { webhookSecretRoutes } from '../admin/routes/webhook-secret-routes.js';
import { webhookDeliveryRoutes } from '../admin/routes/webhook-delivery-routes.js';
import type { EnforcementService } from '../enforcement/enforcement-service.js';
import { ALL_MIGRATIONS } from './all-migrations.js';
import { wireEnforcement } from './enforcement-wiring.js';
import { wireDetection, type DetectionWiring } from './detection-wiring.js';
import { detectionRoutes } from '../admin/routes/detection-routes.js';
import { wireAudit } from './audit-wiring.js';
import { SqlCaseStore } from '../enforcement/sql-case-store.js';
import { resolveBootstrapAdminToken } from '../admin/bootstrap-token.js';
import { ensureDemoOrg } from '../admin/demo-org.js';
import { createHotPath, type HotPath } from '../gateway/hot-path.js';
import { connectRedisBatchRegistry } from '../gateway/redis-batch-registry.js';
import { isBatchUpload } from '../gateway/batch-routes.js';
import { answerClientError } from '../gateway/client-error.js';
import { limitConnections, serverOptions } from '../gateway/connection-limits.js';
import { callerApi } from '../gateway/caller-api.js';
import { nextRequestId } from '../gateway/request-id.js';
import { renderError } from '../errors/wire-format.js';
import { startTraceWriter, type TraceWriter } from '../gateway/trace-writer.js';
import { startDemoUpstream, demoUpstreamConfigs, type DemoUpstream } from '../demo-upstream/demo-upstream.js';
import { decide } from '../policy/decide.js';
import { MemoryLimiter } from '../limits/memory-limiter.js';
import { createRedisLimiter } from '../limits/redis-limiter.js';
import type { Limiter, LimitInspector } from '../limits/limiter.js';
import { BoundedQueue } from '../events/bounded-queue.js';
import { fanOut } from '../events/fan-out.js';
import { orgToTraceLine } from '../events/org-trace-line.js';
import { eventBytes, type RequestEvent } from '../events/request-event.js';
import { createConsumerHealth } from '../ops/consumer-health.js';
import type { TraceOrgLine } from '../events/trace-format.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import { UsageAggregator } from '../metering/usage-aggregator.js';
import { startRequestLogWriter } from '../request-log/request-log-writer.js';
import { createLogger, type Logger } from '../ops/logger.js';
import { createMetrics } from '../ops/metrics.js';
import { startMetricsListener } from '../ops/metrics-endpoint.js';
import { OtlpTracer } from '../ops/otlp-tracer.js';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../ops/clock.js';
import { MoatError } from '../errors/moat-error.js';
import { existsSync } from 'node:fs';
import { ensurePrivateDataDir } from '../config/data-dir-secret.js';
import { join } from 'node:path';
import { registerConsoleRoutes } from '../console-server/fastify-plugin.js';
import { DEFAULT_CONSOLE_DIST } from '../console-server/serve-console.js';
import { limitsReader } from '../limits/limits-from-rules.js';
import { watchDeniedOrgs } from './end-denied-streams.js';
import { watchStaleness } from './watch-staleness.js';
import { listenError } from './listen-error.js';

export interface MoatServer {
  url: string;
  port: number;
  /** Where Prometheus scrapes: the gateway port, or the separate `metrics.port` listener. */
  metricsUrl: string;
  metricsRegistry: Registry;
  adminToken: string;
  adminTokenSource: 'config' | 'file' | 'generated';
  demo?: { orgName: string; apiKey: string; upstreamUrl: string };
  driver: SqlDriver;
  view: PolicyView;
  hot: HotPath;
  logger: Logger;
  enforcement: EnforcementService;
  /** Live detection (config `detection.enabled`), feeding `enforcement`. */
  detection?: DetectionWiring;
  webhookSecret: string;
  /** Whether the built console (console/dist) is served at /console. */
  consoleAvailable: boolean;
  /** Extra event consumers (detection) attach here before traffic starts. */
  addEventConsumer(capacity?: number): BoundedQueue<RequestEvent>;
  close(): Promise<void>;
}

export interface StartOptions {
  logger?: Logger;
  clock?: Clock;
  env?: NodeJS.ProcessEnv;
  /** Aborts start-up (e.g. SIGTERM while waiting for the store): startMoat rejects after releasing what it took. */
  signal?: AbortSignal;
}

export async function startMoat(config: MoatConfig, opts: StartOptions = {}): Promise<MoatServer> {
  const logger = opts.logger ?? createLogger({ level: config.log.level, name: 'moat' });
  const clock = opts.clock ?? systemClock;
  const cleanups: Array<() => Promise<void> | void> = [];
  const cleanup = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (e) {
        logger.warn({ err: e }, 'shutdown step failed');
      }
    }
  };
  try {
    ensurePrivateDataDir(config.dataDir);
    const store = await retryStoreStart(
      async () => {
        const d = await openStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl, timeouts: config.store }, { migrate: false });
        try {
          await runMigrations(d, ALL_MIGRATIONS);
          return d;
        } catch (e) {
          await d.close();
          throw e;
        }
      },
      {
        retryMs: config.store.startupRetryMs,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          logger.warn({ attempt, retryInMs: delayMs, err: error.message, giveUpAfterMs: config.store.startupRetryMs }, 'store unreachable at start; retrying'),
      },
    );
    cleanups.push(() => store.close());
    // Every audit entry written through `driver` is MACed; checkpoints of the head are signed outside the store.
    const audit = await wireAudit({ config, driver: store, logger, clock });
    cleanups.push(() => audit.stop());
    const driver = audit.driver;
    const admin = resolveBootstrapAdminToken({ dataDir: config.dataDir, adminToken: config.adminToken });

    const demoEnabled = config.demoUpstream.enabled ?? config.upstreams.length === 0;
    let demo: DemoUpstream | undefined;
    let demoKey: { orgName: string; apiKey: string } | undefined;
    let upstreams = config.upstreams;
    if (demoEnabled) {
      demo = await startDemoUpstream({ port: 0, models: config.demoUpstream.models });
      cleanups.push(() => demo?.close());
      upstreams = [...config.upstreams, ...demoUpstreamConfigs(demo.url, config.demoUpstream.models)];
      const d = await ensureDemoOrg(driver, { dataDir: config.dataDir });
      demoKey = { orgName: d.org.name, apiKey: d.apiKey };
    }

    const metrics = createMetrics({ defaultMetrics: true, labelTiers: config.metrics.labelTiers, labelOrgs: config.metrics.labelOrgs, maxModels: config.metrics.maxModels });
    const bus: ChangeBus = config.redisUrl
      ? await RedisChangeBus.connect({
          url: config.redisUrl,
          channel: config.view.changeChannel,
          whenDown: (err) => logger.warn({ err: String((err as Error)?.message ?? err) }, 'change bus: Redis unreachable at start; subscribing when it answers (the version check covers the gap)'),
        })
      : new InProcessChangeBus();
    cleanups.push(() => bus.close());
    const view = await startPolicyView({
      driver,
      bus,
      versionCheckMs: config.view.versionCheckMs,
      onError: (err) => logger.warn({ err }, 'policy view refresh failed; serving the last snapshot'),
    });
    cleanups.push(() => view.close());
    const broadcaster = new ChangeBroadcaster({ driver, bus, attempts: config.view.broadcastAttempts, registry: metrics.registry, logger });
    broadcaster.start(config.view.outboxDrainMs);
    cleanups.push(() => broadcaster.stop());
    const staleness = watchStaleness({ policy: config.view, freshness: () => view.freshness(), registry: metrics.registry, logger });
    cleanups.push(() => staleness.stop());

    const limits = limitsReader(() => view.current().rules, (msg) => logger.error(msg), () => view.current().orgs);
    const backend = config.limits.backend ?? (config.redisUrl ? 'redis' : 'memory');
    let limiter: Limiter & LimitInspector;
    if (backend === 'redis') {
      if (!config.redisUrl) throw new Error('limits.backend is redis but redisUrl is not set');
      limiter = await createRedisLimiter({ url: config.redisUrl, limits, failMode: config.limits.failMode, leaseMs: config.limits.leaseMs, logger, registry: metrics.registry, now: () => clock.now() });
    } else {
      limiter = new MemoryLimiter({ limits, now: () => clock.now() });
    }
    cleanups.push(() => limiter.close());

    const queueBytes = { maxBytes: config.events.queueBytes, sizeOf: eventBytes };
    const newQueue = (capacity: number) => new BoundedQueue<RequestEvent>(capacity, undefined, queueBytes);
    const health = createConsumerHealth(logger, metrics, clock);
    const events = newQueue(config.events.queueSize);
    const consumers: BoundedQueue<RequestEvent>[] = [];
    // Drops anywhere between the hot path and a consumer (trace writer, detection) are one counted figure.
    metrics.watchQueueDrops(() => consumers.reduce((n, q) => n + q.dropped, events.dropped));
    let traceWriter: TraceWriter | undefined;
    // The trace's org lines come from the live view, read when an org's request is written.
    // Built once per (snapshot, org) and reused for every event until the view swaps: the trace writer asks per
    // event, and a fresh line (plus its JSON) per request was measurable hot-thread work and garbage.
    let linesOf: { snap: PolicySnapshot; lines: Map<string, TraceOrgLine | undefined> } | undefined;
    const orgLineOf = (id: string) => {
      const snap = view.current();
      if (linesOf?.snap !== snap) linesOf = { snap, lines: new Map() };
      if (linesOf.lines.has(id)) return linesOf.lines.get(id);
      const org = snap.orgs.get(id);
      const line = org ? orgToTraceLine(org, snap.grantsByOrg.get(id) ?? [], snap.affiliationsByOrg.get(id) ?? []) : undefined;
      linesOf.lines.set(id, line);
      return line;
    };
    if (config.events.traceFile) {
      const q = newQueue(config.events.queueSize);
      consumers.push(q);
      metrics.watchConsumerDrops('trace', () => q.dropped);
      traceWriter = startTraceWriter(q, config.events.traceFile, undefined, { orgLine: (id) => orgLineOf(id), health });
    }
    const addEventConsumer = (capacity = config.events.queueSize) => {
      const q = newQueue(capacity);
      consumers.push(q);
      return q;
    };
    // Consumers are attached before traffic starts; fan-out begins on the first event.
    let fan: { done: Promise<void> } | undefined;
    const startFanOut = () => {
      if (!fan) fan = consumers.length ? fanOut(events, consumers) : drainInto(events);
    };

    // The request log reads its own copy of the events (attached before traffic starts, like the trace writer).
    const requestLog = config.requestLog.enabled
      ? startRequestLogWriter({
          queue: addEventConsumer(config.requestLog.queueSize),
          store: driver,
          settings: config.requestLog,
          clock,
          health,
        })
      : undefined;

    const usage = new UsageAggregator(storeUsageSink(driver), clock, (err) => logger.error({ err }, 'usage flush failed'), health);
    usage.start(config.metering.flushMs);
    cleanups.push(() => usage.stop());

    // Tracing exists only when an OTLP endpoint is configured; otherwise the hot path has no tracer at all.
    const otlp = config.telemetry.otlp;
    const tracer = otlp.endpoint
      ? new OtlpTracer({ endpoint: otlp.endpoint, headers: otlp.headers, serviceName: otlp.serviceName, batchSize: otlp.batchSize, queueSize: otlp.queueSize, flushMs: otlp.flushMs, timeoutMs: otlp.timeoutMs, registry: metrics.registry, logger })
      : undefined;
    if (tracer) cleanups.push(() => tracer.close());
    const hot = createHotPath({
      config: { ...config, upstreams },
      view,
      decide,
      limiter,
      limitInspector: limiter,
      events,
      usage,
      logger,
      metrics,
      metricsAccess: { token: config.metrics.token, elsewhere: config.metrics.port !== undefined },
      ...(tracer ? { tracer } : {}),
      clock,
      readiness: () => staleness.readiness(),
      ...(opts.env ? { env: opts.env } : {}),
      // Several gateways share one address: a batch created through one is read and cancelled through another.
      ...(config.redisUrl
        ? {
            batchRegistry: connectRedisBatchRegistry(config.redisUrl, { ttlMs: config.batches.trackedForMs }),
            responseRegistry: connectRedisBatchRegistry(config.redisUrl, { ttlMs: config.responses.trackedForMs }, 'moat:responses'),
          }
        : {}),
    });
    cleanups.push(() => hot.close());
    const stopWatching = watchDeniedOrgs(view, clock, (orgId, code, message, clause) => {
      const n = hot.abortOrgStreams(orgId, new MoatError(code, message, clause ? { clause } : {}));
      if (n) logger.info({ orgId, code, ended: n }, 'ended in-flight requests of a denied org');
    });
    cleanups.push(stopWatching);

    const connectionLimits = { ...config.server, maxConnectionsPerIp: config.server.maxConnectionsPerIp ?? (config.server.trustProxy ? 0 : 256) };
    const app = Fastify({
      logger: false,
      bodyLimit: config.server.bodyLimitBytes,
      serverFactory: (fastifyHandler) => {
        const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
          if (!hot.handle(req, res)) fastifyHandler(req, res);
        };
        const server = http.createServer(serverOptions(connectionLimits), handler);
        // Expect: 100-continue: the body is invited only when it may be accepted; an oversized one is refused
        // (413) before the caller uploads it.
        server.on('checkContinue', (req, res) => {
          const limit = isBatchUpload(req.method, (req.url ?? '').split('?')[0] ?? '') ? config.batches.maxUploadBytes : config.server.bodyLimitBytes;
          if (!(Number(req.headers['content-length']) > limit)) res.writeContinue();
          handler(req, res);
        });
        limitConnections(server, connectionLimits);
        return server;
      },
      // Fastify's type says rawPacket is JSON; node hands over a Buffer.
      clientErrorHandler: (err, socket) => answerClientError(err as unknown as Parameters<typeof answerClientError>[0], socket),
    });
    // Routes nobody serves (outside /admin, which answers in its own format) answer in the caller's API format.
    app.setNotFoundHandler((req, reply) => {
      const r = renderError(callerApi(req.headers, req.url), new MoatError('not_found', `No endpoint ${req.method} ${req.url.slice(0, 200)}.`), nextRequestId());
      void reply.code(r.status).headers(r.headers).send(r.body);
    });
    const enforcement = wireEnforcement({ config, driver, view, broadcaster, clock, logger, metrics: metrics.operations });
    cleanups.push(() => enforcement.stop());
    // Detection consumes its own bounded queue, attached here so it sees the first request.
    let detection: DetectionWiring | undefined;
    if (config.detection.enabled) {
      const detectionQueue = addEventConsumer(config.detection.queueSize);
      metrics.watchConsumerDrops('detection', () => detectionQueue.dropped);
      detection = await wireDetection({
        config,
        view,
        queue: detectionQueue,
        metrics: metrics.operations,
        enforcement: enforcement.service,
        cases: new SqlCaseStore(driver),
        clock,
        logger,
        health,
      });
      cleanups.push(() => detection?.stop());
    }
    // Events stop before their consumers: the fan-out (or, if it never started, each consumer queue) closes.
    cleanups.push(async () => {
      events.close();
      if (fan) await fan.done;
      else for (const q of consumers) q.close();
      await traceWriter?.done;
      await requestLog?.done;
    });
    cleanups.push(() => app.close());
    await registerAdminRoutes(
      app,
      {
        driver, view, broadcaster, logger, bootstrapToken: admin.token, limitInspector: limiter, now: () => clock.now(), webhookAddresses: enforcement.addresses,
        audit: { key: audit.key, publicKey: audit.publicKey, latestCheckpoint: () => audit.checkpointer.latest() },
        ...(config.requestLog.enabled ? { requestLog: config.requestLog } : {}),
      },
      [
        ...ADMIN_ROUTES,
        ...caseRoutes(enforcement.service),
        ...webhookSecretRoutes(enforcement.webhookSecret),
        ...webhookDeliveryRoutes({ opsWebhookUrl: config.enforcement.opsWebhookUrl }),
        ...detectionRoutes(detection?.explain ? { explain: detection.explain } : undefined, async (id) => (await enforcement.service.get(id))?.orgIds),
      ],
    );
    const consoleAvailable = existsSync(join(DEFAULT_CONSOLE_DIST, 'index.html'));
    if (consoleAvailable) registerConsoleRoutes(app);
    try {
      await app.listen({ port: config.server.port, host: config.server.host });
    } catch (e) {
      throw listenError(e, config.server.host, config.server.port);
    }
    const port = (app.server.address() as AddressInfo).port;
    const url = `http://${config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host}:${port}`;
    let metricsUrl: string | undefined;
    if (config.metrics.port !== undefined) {
      const listener = await startMetricsListener({ registry: metrics.registry, token: config.metrics.token, logger }, config.metrics.host, config.metrics.port);
      cleanups.push(() => listener.close());
      metricsUrl = `${listener.url}/metrics`;
    }
    startFanOut();

    let closing: Promise<void> | undefined;
    const close = () =>
      (closing ??= (async () => {
        await hot.drain(config.server.shutdownGraceMs);
        // Then, in reverse order of start: listener, events and consumers, detection, enforcement, hot path,
        // metering flush, limiter, view, bus, store.
        await cleanup();
      })());

    return {
      url,
      port,
      metricsUrl: metricsUrl ?? `${url}/metrics`,
      metricsRegistry: metrics.registry,
      adminToken: admin.token,
      adminTokenSource: admin.source,
      ...(demo && demoKey ? { demo: { ...demoKey, upstreamUrl: demo.url } } : {}),
      driver,
      view,
      hot,
      logger,
      consoleAvailable,
      enforcement: enforcement.service,
      ...(detection ? { detection } : {}),
      webhookSecret: enforcement.webhookSecret,
      addEventConsumer,
      close,
    };
  } catch (e) {
    // A start that failed gives back what it took (data folder, connections) in bounded time, then reports.
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<void>((r) => (timer = setTimeout(r, FAILED_START_CLEANUP_MS)));
    await Promise.race([cleanup(), gaveUp.then(() => logger.warn({ afterMs: FAILED_START_CLEANUP_MS }, 'releasing resources after a failed start took too long; giving up on it'))]);
    clearTimeout(timer);
    throw e;
  }
}

/** Longest wait for a failed start's clean-up. */
const FAILED_START_CLEANUP_MS = 5_000;

/** With no consumer attached, events are still taken off the queue so it never fills. */
function drainInto<T>(q: BoundedQueue<T>): { done: Promise<void> } {
  return {
    done: (async () => {
      while ((await q.take(1024)).length) {
        /* discard */
      }
    })(),
  };
}

