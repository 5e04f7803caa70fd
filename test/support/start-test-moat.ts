// The one way tests start a real Moat in-process: startMoat on a temp data dir, in front of a demo upstream
// the test can slow down or break, with config overrides, an injectable clock, admin API calls, policy applied
// the way operators apply it (`moat policy apply FILE`), official SDK clients, and one close().
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { runApply } from '../../src/cli/commands/policy.js';
import type { UpstreamConfig } from '../../src/config/schema.js';
import { loadConfig } from '../../src/config/load.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import type { Clock } from '../../src/ops/clock.js';
import { silentLogger } from '../../src/ops/logger.js';
import { startMoat, type MoatServer } from '../../src/server/start-moat.js';
import { pgdataDir } from '../../src/store/embedded-store.js';
import { adminCall } from './admin-call.js';
import { captureIo } from './cli-output.js';
import { templatePgdata } from './pgdata-template.js';

export const TEST_ADMIN_TOKEN = 'test-moat-bootstrap-admin-token-0123456789';
export const TEST_MODELS = ['claude-sonnet-4', 'gpt-4o'];

/** Real time plus an offset the test advances: windows and sessions move without sleeping, and SDKs that
 * sleep for `retry-after` still see time pass. */
export class OffsetClock implements Clock {
  offset = 0;
  now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface TestMoatOptions {
  /** Config overrides by dotted path, applied last; a function gets the data dir (for files kept in it). */
  config?: Record<string, unknown> | ((dataDir: string) => Record<string, unknown>);
  clock?: Clock;
  /** Models the demo upstream serves (default TEST_MODELS). */
  models?: readonly string[];
  /** Upstreams to route to, given the demo upstream's URL (default: the demo upstream for `models`, by API).
   * `false` leaves `upstreams` unset, so the gateway runs its built-in demo upstream and demo org. */
  upstreams?: ((demoUrl: string) => UpstreamConfig[]) | false;
  adminToken?: string;
  /** Prefix of the temp data dir's name, to tell tests' leftovers apart. */
  name?: string;
}

export interface ApplyResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SdkClient<C> {
  client: C;
  /** HTTP requests the SDK made (retries included). */
  sent: { count: number };
}

export interface TestMoat {
  moat: MoatServer;
  /** The harness's demo upstream (not routed to with `upstreams: false`). */
  demo: DemoUpstream;
  url: string;
  dataDir: string;
  clock?: Clock;
  adminToken: string;
  /** Admin API call (bootstrap token unless `token`); throws on a non-2xx answer unless `allowError`. */
  admin(method: string, path: string, body?: unknown, opts?: { token?: string; allowError?: boolean }): Promise<{ status: number; json: any }>;
  /** `moat policy apply` of a document (YAML text or an object); keys the CLI prints are kept in `keys`. */
  applyPolicy(doc: string | Record<string, unknown>, opts?: { force?: boolean }): Promise<ApplyResult>;
  /** Secrets of keys created by applyPolicy, by `org/name`. */
  keys: Map<string, string>;
  /** The secret of `org/name`; throws when applyPolicy made no such key. */
  keyOf(org: string, name: string): string;
  openai(apiKey: string, opts?: { maxRetries?: number }): SdkClient<OpenAI>;
  anthropic(apiKey: string, opts?: { maxRetries?: number }): SdkClient<Anthropic>;
  close(): Promise<void>;
}

function countingFetch(sent: { count: number }): typeof fetch {
  return (input, init) => {
    sent.count++;
    return fetch(input, init);
  };
}

export async function startTestMoat(o: TestMoatOptions = {}): Promise<TestMoat> {
  const models = [...(o.models ?? TEST_MODELS)];
  const demo = await startDemoUpstream({ models });
  const dataDir = mkdtempSync(join(tmpdir(), `moat-${o.name ?? 'test'}-`));
  const adminToken = o.adminToken ?? TEST_ADMIN_TOKEN;
  let moat: MoatServer;
  try {
    const overrides = typeof o.config === 'function' ? o.config(dataDir) : o.config;
    if (!overrides || !('databaseUrl' in overrides)) cpSync(await templatePgdata(), pgdataDir(dataDir), { recursive: true });
    const config = loadConfig({
      env: {},
      overrides: {
        dataDir,
        'server.port': 0,
        'server.shutdownGraceMs': 200,
        adminToken,
        'log.level': 'silent',
        ...(o.upstreams !== false ? { 'demoUpstream.enabled': false, upstreams: typeof o.upstreams === 'function' ? o.upstreams(demo.url) : demoUpstreamConfigs(demo.url, models) } : {}),
        ...overrides,
      },
    });
    moat = await startMoat(config, { logger: silentLogger(), ...(o.clock ? { clock: o.clock } : {}) });
  } catch (e) {
    await demo.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  const keys = new Map<string, string>();
  let applied = 0;
  const t: TestMoat = {
    moat,
    demo,
    url: moat.url,
    dataDir,
    ...(o.clock ? { clock: o.clock } : {}),
    adminToken,
    keys,
    async admin(method, path, body, opts = {}) {
      const r = await adminCall(moat.url, opts.token ?? adminToken, method, path, body);
      if (!r.ok && !opts.allowError) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
      return { status: r.status, json: r.json };
    },
    async applyPolicy(doc, opts = {}) {
      const file = join(dataDir, `policy-${++applied}.yaml`);
      writeFileSync(file, typeof doc === 'string' ? doc : stringify(doc));
      const io = captureIo();
      const code = await runApply(file, { url: moat.url, token: adminToken, force: opts.force ?? false }, io);
      for (const m of io.stdout.matchAll(/^New API key (\S+): (\S+)/gm)) keys.set(m[1] as string, m[2] as string);
      return { code, stdout: io.stdout, stderr: io.stderr };
    },
    keyOf(org, name) {
      const k = keys.get(`${org}/${name}`);
      if (!k) throw new Error(`no key ${org}/${name}`);
      return k;
    },
    openai(apiKey, opts = {}) {
      const sent = { count: 0 };
      return { sent, client: new OpenAI({ apiKey, baseURL: `${moat.url}/v1`, maxRetries: opts.maxRetries ?? 0, fetch: countingFetch(sent) }) };
    },
    anthropic(apiKey, opts = {}) {
      const sent = { count: 0 };
      return { sent, client: new Anthropic({ apiKey, baseURL: moat.url, maxRetries: opts.maxRetries ?? 0, fetch: countingFetch(sent) }) };
    },
    async close() {
      await moat.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return t;
}
