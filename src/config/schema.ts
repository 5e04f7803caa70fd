// The one configuration schema. Every field is described here; docs/configuration.md is generated from it
// (`moat config docs`) and a test keeps the two equal. Values come from a YAML file (MOAT_CONFIG or --config)
// and environment variables (listed in ENV_BINDINGS), environment winning.
import { z } from 'zod';
import type { WireApi } from '../errors/wire-format.js';
import { isCidr } from './cidr.js';

const ms = (def: number, what: string) => z.number().int().min(1).default(def).describe(`${what} (milliseconds).`);

export const UpstreamSchema = z
  .object({
    name: z.string().min(1).describe('Name used in logs and metrics.'),
    api: z
      .enum(['openai', 'anthropic'])
      .optional()
      .describe('Wire format the model server speaks. `openai` covers vLLM, Ollama (/v1), llama.cpp server, OpenAI; `anthropic` covers Anthropic. Shorthand for `apis` with one entry.'),
    apis: z
      .array(z.enum(['openai', 'anthropic']))
      .min(1)
      .optional()
      .describe('Front doors the model server serves natively, e.g. `[openai, anthropic]` for vLLM, Ollama or llama.cpp server, which also serve `/v1/messages`. A request goes to the first upstream that serves its door and model.'),
    baseUrl: z.string().url().describe('Base URL without the `/v1/...` path, e.g. `http://127.0.0.1:8000` for vLLM or `https://api.openai.com`.'),
    apiKeyEnv: z.string().optional().describe('Name of the environment variable holding the upstream credential. Credentials never come from clients.'),
    models: z.array(z.string().min(1)).min(1).describe('Model-name globs routed to this upstream, e.g. `["gpt-*", "o3*"]`. First upstream serving the door and a matching model wins.'),
    pool: z
      .string()
      .min(1)
      .optional()
      .describe('Upstreams sharing a pool name balance the traffic of the first of them that matches a request (by `weight`, among those serving its door and model), with retries and health ejection (`routing`). Without it an upstream is a pool of one.'),
    weight: z.number().int().min(0).default(1).describe('Share of its pool\'s traffic (0: only when every other member is ejected).'),
    connectTimeoutMs: ms(5_000, 'Connect timeout'),
    headersTimeoutMs: ms(60_000, 'Time to response headers'),
    bodyTimeoutMs: ms(120_000, 'Longest silence between body chunks'),
    connections: z.number().int().min(1).default(128).describe('Connection pool size per upstream origin.'),
  })
  .strict()
  .refine((u) => u.api !== undefined || u.apis !== undefined, { message: 'an upstream needs `api` or `apis`', path: ['apis'] });

/** The front doors an upstream serves: `apis`, or its single `api`. */
export function servedApis(u: Pick<UpstreamConfig, 'api' | 'apis'>): readonly WireApi[] {
  return u.apis ?? (u.api ? [u.api] : []);
}

export const ConfigSchema = z
  .object({
    server: z
      .object({
        host: z.string().default('127.0.0.1').describe('Interface to listen on.'),
        port: z.number().int().min(0).max(65535).default(8787).describe('Port to listen on (0 picks a free one).'),
        bodyLimitBytes: z.number().int().min(1024).default(10 * 1024 * 1024).describe('Largest accepted request body.'),
        maxJsonDepth: z.number().int().min(8).max(512).default(64).describe('Deepest nesting of objects and arrays accepted in a request body (400 `invalid_request` beyond it). Bounds the work and stack of everything that reads the body.'),
        lingerBytes: z
          .number()
          .int()
          .min(0)
          .default(64 * 1024 * 1024)
          .describe('After refusing a body as too large (413), read and discard up to this many more bytes of it, so a client still uploading receives the 413 instead of a connection reset; a body declared larger closes the connection.'),
        lingerMs: ms(30_000, 'Longest time spent discarding the rest of a refused body before closing the connection'),
        shutdownGraceMs: ms(10_000, 'How long graceful shutdown waits for in-flight requests and streams'),
        trustProxy: z.boolean().default(false).describe('Take the client IP from `x-forwarded-for`.'),
        headersTimeoutMs: ms(10_000, 'How long a client may take to send the request line and headers (408 `request_timeout` after; ends slow-header attacks)'),
        requestTimeoutMs: ms(120_000, 'How long a client may take to send the whole request, body included (at least `headersTimeoutMs`)'),
        keepAliveTimeoutMs: ms(5_000, 'How long an idle keep-alive connection stays open'),
        maxHeaderBytes: z.number().int().min(1024).max(1024 * 1024).default(16 * 1024).describe('Largest request line and headers accepted (431 `headers_too_large` beyond).'),
        maxConnections: z.number().int().min(0).default(10_000).describe('Open connections accepted in all; more are closed at once. 0: no limit (the process\'s file descriptor limit still applies).'),
        maxConnectionsPerIp: z
          .number()
          .int()
          .min(0)
          .optional()
          .describe('Open connections accepted from one remote address; more are closed at once. Defaults to 256, or 0 (no limit) with `trustProxy`, where every connection comes from the proxy.'),
      })
      .strict()
      .refine((s) => s.requestTimeoutMs >= s.headersTimeoutMs, { message: 'requestTimeoutMs must be at least headersTimeoutMs', path: ['requestTimeoutMs'] })
      .prefault({}),
    dataDir: z.string().default('.moat').describe('Folder for the embedded PGlite database and generated secrets.'),
    databaseUrl: z.string().optional().describe('PostgreSQL URL; when unset the embedded PGlite store in `dataDir` is used.'),
    redisUrl: z.string().optional().describe('Redis URL for shared limits, change broadcast and event streams across gateway processes.'),
    store: z
      .object({
        connectTimeoutMs: ms(5_000, 'PostgreSQL: longest wait for a connection (connect and authenticate, or a free pooled one)'),
        statementTimeoutMs: ms(10_000, 'PostgreSQL: longest statement, also the longest wait for an answer from an unresponsive server'),
        idleTimeoutMs: ms(30_000, 'PostgreSQL: idle pooled connections are closed after this'),
        startupRetryMs: z
          .number()
          .int()
          .min(0)
          .default(60_000)
          .describe('How long start-up keeps retrying an unreachable store (backing off, one log line per attempt) before exiting non-zero; 0 fails at the first attempt (milliseconds).'),
      })
      .strict()
      .prefault({}),
    adminToken: z.string().min(16).optional().describe('Bootstrap admin token (role admin). Generated on first start and kept in `dataDir` when unset.'),
    upstreams: z.array(UpstreamSchema).default([]).describe('Model servers. When empty, the built-in demo upstream serves every model.'),
    routing: z
      .object({
        retries: z.number().int().min(0).max(5).default(2).describe('Further upstreams of a pool tried when one fails to connect or answers 5xx/429 before anything was sent to the client (never once a byte reached it).'),
        retryBackoffMs: z.number().int().min(0).default(50).describe('Base delay before a retry, doubled per attempt with full jitter (milliseconds).'),
        ejectAfterFailures: z.number().int().min(1).default(3).describe('Consecutive failures (connect errors, 5xx) after which a pool member is ejected.'),
        ejectMs: ms(10_000, 'How long an ejected member rests before one request probes it back (success readmits it, failure ejects it again)'),
      })
      .strict()
      .prefault({})
      .describe('Upstream pools: retries and passive health.'),
    batches: z
      .object({
        maxUploadBytes: z
          .number()
          .int()
          .min(1024)
          .default(32 * 1024 * 1024)
          .describe('Largest batch upload (an OpenAI batch input file, an Anthropic message batch, or a batch input file read back at `POST /v1/batches`). Moat holds its bytes while it judges the items one by one, so this bounds memory per upload: measured at about 60 MiB plus 3 times this bound of RSS at most (docs/gateway.md, "Batch memory"); 413 `body_too_large` beyond.'),
        concurrentUploads: z
          .number()
          .int()
          .min(1)
          .default(2)
          .describe('Batch uploads (file uploads, batch creations) this process holds at once; more are refused with 503 `batch_uploads_busy` (retryable). With `maxUploadBytes` it bounds the memory batches can take: about 60 MiB + concurrentUploads × 3 × maxUploadBytes.'),
        maxItems: z.number().int().min(1).default(50_000).describe('Most items (requests) one batch may hold (400 `invalid_request` beyond).'),
        trackedIds: z
          .number()
          .int()
          .min(100)
          .default(100_000)
          .describe('Batch and file ids whose owner (org, key, upstream) this gateway remembers, so a key only touches its own org\'s batches; the oldest are forgotten past this (their owner then gets 404).'),
        trackedForMs: ms(30 * 24 * 3_600_000, 'How long a batch or file id\'s owner is remembered after it was created or last seen'),
      })
      .strict()
      .prefault({})
      .describe('Batch APIs (OpenAI files and batches, Anthropic message batches).'),
    responses: z
      .object({
        trackedIds: z
          .number()
          .int()
          .min(100)
          .default(100_000)
          .describe('Stored Responses API responses whose owner this gateway remembers, so `GET /v1/responses/{id}` and `POST /v1/responses/{id}/cancel` answer only the org that created them; the least recently used are forgotten past this (then 404).'),
        trackedForMs: ms(30 * 24 * 3_600_000, 'How long a stored response\'s owner is remembered after it was created or last read'),
      })
      .strict()
      .prefault({})
      .describe('Retrieving and cancelling Responses API responses.'),
    demoUpstream: z
      .object({
        enabled: z.boolean().optional().describe('Start the built-in demo upstream (a stand-in, not a model). Defaults to true when `upstreams` is empty.'),
        models: z.array(z.string()).default(['demo-gpt', 'demo-claude']).describe('Models the demo upstream advertises.'),
      })
      .strict()
      .prefault({}),
    events: z
      .object({
        queueSize: z.number().int().min(1).default(10_000).describe('Bounded queue between the hot path and event consumers; overflow is dropped and counted.'),
        queueBytes: z
          .number()
          .int()
          .min(1024 * 1024)
          .default(64 * 1024 * 1024)
          .describe('Memory bound of each event queue (the hot path\'s and each consumer\'s), estimated from request body and response text sizes; overflow is dropped and counted like a full queue.'),
        responseTextCap: z.number().int().min(0).default(4096).describe('Characters of response text kept in each request event.'),
        traceFile: z.string().optional().describe('Also append every request event to this JSONL file in trace format v1 (replayable with `moat replay`).'),
      })
      .strict()
      .prefault({}),
    requestLog: z
      .object({
        enabled: z.boolean().default(true).describe('Keep a sampled log of recent requests in the store for the admin API and console (`GET /admin/requests`). Written off the hot path from its own bounded queue.'),
        admittedSampleRate: z.number().min(0).max(1).default(0.1).describe('Share of admitted requests kept (0–1), chosen by a hash of the request id.'),
        otherSampleRate: z.number().min(0).max(1).default(1).describe('Share of refused, rate-limited and failed requests kept (0–1).'),
        retentionHours: z.number().int().min(1).max(24 * 90).default(72).describe('Entries older than this are deleted (checked once a minute).'),
        maxRows: z.number().int().min(100).max(10_000_000).default(100_000).describe('At most this many entries are kept (the newest), whatever their age.'),
        prompts: z.enum(['none', 'excerpt']).default('none').describe('`excerpt`: keep the prompt\'s first 300 characters, credentials redacted as in case evidence. `none`: no prompt text in the log.'),
        queueSize: z.number().int().min(1).default(10_000).describe('Bounded queue between the hot path and the request log writer; overflow is dropped and counted.'),
      })
      .strict()
      .prefault({}),
    view: z
      .object({
        versionCheckMs: ms(500, 'Period of the version check that catches lost change notifications'),
        changeChannel: z
          .string()
          .min(1)
          .default('moat:changes')
          .describe('Redis pub/sub channel for change notifications (with `redisUrl`). Processes sharing a store must share it; deployments (or test runs) with different stores must not.'),
        maxStalenessMs: ms(5_000, 'How long this gateway may go without confirming its view with the store before it refuses the orgs it cannot confirm (503 `access_unconfirmed`) and `/readyz` turns red'),
        whenStale: z
          .enum(['closed', 'recent-enforcement'])
          .default('closed')
          .describe('Beyond `maxStalenessMs`: `closed` refuses every org; `recent-enforcement` refuses only orgs with recent enforcement activity (not active, a status change within `recentEnforcementMs`, a throttle, or a change announced but not loaded) and keeps serving the rest.'),
        recentEnforcementMs: ms(3_600_000, 'With `whenStale: recent-enforcement`: how recent a status change must be to count'),
        broadcastAttempts: z.number().int().min(1).default(5).describe('Attempts to publish one change on Redis (backing off) before leaving it in the store outbox, which every gateway drains periodically.'),
        outboxDrainMs: ms(2_000, 'Period of the outbox drain that republishes changes whose broadcast failed (or whose process died before it)'),
      })
      .strict()
      // The version check is what confirms the view: a bound shorter than its period would make every gateway stale.
      .refine((v) => v.maxStalenessMs > v.versionCheckMs, { message: 'must be larger than view.versionCheckMs (each version check confirms the view)', path: ['maxStalenessMs'] })
      .prefault({}),
    metering: z
      .object({
        flushMs: ms(2_000, 'How often per-minute usage aggregates are written to the store'),
      })
      .strict()
      .prefault({}),
    limits: z
      .object({
        backend: z.enum(['memory', 'redis']).optional().describe('Where counters live. Defaults to redis when `redisUrl` is set, else memory.'),
        failMode: z.enum(['open', 'closed']).default('open').describe('When Redis is unreachable: `open` falls back to local limits, `closed` refuses with 503.'),
        leaseMs: ms(15_000, 'Redis backend: lease of a concurrency slot, renewed every third of it while the request runs; slots of a crashed gateway free after this'),
      })
      .strict()
      .prefault({}),
    detection: z
      .object({
        enabled: z.boolean().default(true).describe('Run detection on live traffic (a bounded event consumer; it never slows requests: overflow is dropped and counted).'),
        mode: z
          .enum(['local', 'streams'])
          .default('local')
          .describe('`local`: this process runs the detector on its own traffic. `streams` (needs `redisUrl`): publish trace lines to Redis Streams for `moat detect` workers and act on the labels they write (see docs/detection.md).'),
        worker: z.boolean().default(true).describe('Mode `local`: run the detector on its own worker thread (own heap), so its work and its GC stay off the gateway\'s event loop. false runs it on the main thread.'),
        batchIntervalMs: z
          .number()
          .int()
          .min(0)
          .max(1_000)
          .default(2)
          .describe('Mode `local` on a worker thread: pause after handing the thread a batch (milliseconds), so events travel many to a message instead of one each (each message and its reply cost the gateway\'s event loop more than the events in it). Delays judgement, and so enforcement, by up to this much (with 10 ms, a busy harvester in the live-gateway test got 6 more requests answered before its suspension); 0 sends as events arrive.'),
        queueSize: z.number().int().min(1).default(10_000).describe('Bounded queue between the hot path and detection; overflow is dropped and counted (`moat_detection_dropped` in logs and `detection.stats()`).'),
        evidenceSamples: z.number().int().min(0).max(20).default(3).describe('Prompt snippets (max 300 characters, secrets redacted) kept per org as evidence; they leave memory only on a case of a flagged org. 0 keeps no prompt text at all.'),
        evidenceRetentionDays: z.number().int().min(1).default(90).describe('Prompt excerpts on cases are erased this many days after the case was last updated (the rest of the case is kept).'),
        streamPrefix: z.string().min(1).default('moat:detect').describe('Key prefix of the detection streams (mode `streams`); gateways and `moat detect --prefix` must agree.'),
        partitions: z.number().int().min(1).default(8).describe('Event partitions of the detection streams (mode `streams`); gateways and `moat detect --partitions` must agree.'),
      })
      .strict()
      .prefault({}),
    enforcement: z
      .object({
        autoEnforce: z.boolean().optional().describe('Overrides the playbooks\' `auto_enforce` switch: true makes every playbook rule automatic (no admin approval).'),
        opsWebhookUrl: z
          .string()
          .url()
          .refine((u) => /^https?:\/\//i.test(u), 'http or https only')
          .optional()
          .describe('Provider operations webhook receiving every case proposal, action and reinstatement (signed, see docs/enforcement.md).'),
        webhookAllowNetworks: z
          .array(z.string().refine(isCidr, 'not a network (e.g. 10.0.0.0/8, fd00::/8, 127.0.0.1)'))
          .default([])
          .describe('Networks webhooks may reach although private, loopback or link-local (refused by default, checked on every resolved address at delivery), e.g. `["10.20.0.0/16"]` for an internal receiver.'),
        webhookSecret: z.string().min(16).optional().describe('Secret signing webhooks (Standard Webhooks: `whsec_<base64 key>`, or any string, used as the key bytes); customers get per-org secrets derived from it. Generated into `dataDir` when unset.'),
        deliveryIntervalMs: ms(1_000, 'How often the webhook outbox is polled for due deliveries'),
        maxAttempts: z.number().int().min(1).default(8).describe('Delivery attempts before a webhook moves to the dead-letter list.'),
      })
      .strict()
      .prefault({}),
    audit: z
      .object({
        macKey: z
          .string()
          .min(16)
          .optional()
          .describe('Key MACing every audit entry, kept outside the database (every process sharing a store must use the same one). Generated into `dataDir` (`audit-mac-key`) when unset.'),
        signingKey: z
          .string()
          .optional()
          .describe('Ed25519 private key (PKCS#8 PEM) signing audit checkpoints. Generated into `dataDir` (`audit-signing-key.pem`, public half in `audit-signing-key.pub.pem`) when unset.'),
        checkpointFile: z.string().optional().describe('File the signed audit checkpoints are appended to (keep it, or a copy, out of reach of database operators). Defaults to `<dataDir>/audit-checkpoints.jsonl`.'),
        checkpointMs: ms(60_000, 'How often a signed checkpoint of the audit head is written when the log moved (also at start and shutdown); entries deleted from the end since the last checkpoint cannot be told from entries never written'),
        checkpointUrl: z
          .string()
          .url()
          .refine((u) => /^https?:\/\//i.test(u), 'http or https only')
          .optional()
          .describe('Also POST every checkpoint (JSON) to this external sink.'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('pino log level. Prompt text is never logged at info.'),
      })
      .strict()
      .prefault({}),
    metrics: z
      .object({
        labelTiers: z.array(z.string().min(1)).default([]).describe('Tiers whose requests carry a `tier` label on the per-model metrics (others show as `other`). Empty: no tier label. Each tier multiplies the series count.'),
        labelOrgs: z.array(z.string().min(1)).default([]).describe('Org ids whose requests carry an `org` label on the per-model metrics (others show as `other`). Empty: no org label.'),
        maxModels: z.number().int().min(1).max(10_000).default(100).describe('Distinct `model` label values kept; a model first seen after that (or never served with success) counts as `other`.'),
        token: z.string().min(16).optional().describe('When set, `GET /metrics` needs `Authorization: Bearer <token>` (401 without it).'),
        port: z.number().int().min(0).max(65535).optional().describe('Serve `/metrics` on this separate port (with `host`) instead of the gateway port, e.g. on an admin network; 0 picks a free one.'),
        host: z.string().default('127.0.0.1').describe('Interface of the separate metrics listener (with `port`).'),
      })
      .strict()
      .prefault({}),
    telemetry: z
      .object({
        otlp: z
          .object({
            endpoint: z
              .string()
              .url()
              .refine((u) => /^https?:\/\//i.test(u), 'http or https only')
              .optional()
              .describe('OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces`. Unset (the default): no tracing and no cost.'),
            headers: z.record(z.string(), z.string()).default({}).describe('Extra headers sent with each export (e.g. an ingest key).'),
            serviceName: z.string().min(1).default('moat').describe('`service.name` of the exported spans.'),
            batchSize: z.number().int().min(1).max(10_000).default(512).describe('Spans per export request.'),
            queueSize: z.number().int().min(1).default(8192).describe('Spans held for export; beyond it new spans are dropped and counted.'),
            flushMs: ms(2_000, 'Longest wait before queued spans are exported'),
            timeoutMs: ms(10_000, 'Export request timeout'),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
  })
  .strict();

export type MoatConfig = z.infer<typeof ConfigSchema>;
export type RoutingConfig = MoatConfig['routing'];
export type UpstreamConfig = z.infer<typeof UpstreamSchema>;

/** Environment variables and the config path they set. */
export const ENV_BINDINGS: ReadonlyArray<{ env: string; path: string[]; type: 'string' | 'number' | 'boolean' }> = [
  { env: 'MOAT_HOST', path: ['server', 'host'], type: 'string' },
  { env: 'MOAT_PORT', path: ['server', 'port'], type: 'number' },
  { env: 'MOAT_DATA_DIR', path: ['dataDir'], type: 'string' },
  { env: 'DATABASE_URL', path: ['databaseUrl'], type: 'string' },
  { env: 'REDIS_URL', path: ['redisUrl'], type: 'string' },
  { env: 'MOAT_ADMIN_TOKEN', path: ['adminToken'], type: 'string' },
  { env: 'MOAT_LOG_LEVEL', path: ['log', 'level'], type: 'string' },
  { env: 'MOAT_TRACE_FILE', path: ['events', 'traceFile'], type: 'string' },
  { env: 'MOAT_LIMITS_BACKEND', path: ['limits', 'backend'], type: 'string' },
  { env: 'MOAT_CHANGE_CHANNEL', path: ['view', 'changeChannel'], type: 'string' },
  { env: 'MOAT_STORE_STARTUP_RETRY_MS', path: ['store', 'startupRetryMs'], type: 'number' },
  { env: 'MOAT_AUDIT_MAC_KEY', path: ['audit', 'macKey'], type: 'string' },
  { env: 'MOAT_METRICS_TOKEN', path: ['metrics', 'token'], type: 'string' },
  { env: 'MOAT_AUDIT_SIGNING_KEY', path: ['audit', 'signingKey'], type: 'string' },
];
