// In-process gateways (startMoat) for the fault suite: each on its own data folder, optionally on one
// PostgreSQL schema and one Redis (usually through FaultProxy), all in front of one demo upstream. Plus
// the calls the scenarios make: admin API, one model request, a load loop that counts admitted answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshSchema as freshSchemaIn } from '../support/fresh-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { silentLogger, type Logger } from '../../src/ops/logger.js';
import { startMoat, type MoatServer } from '../../src/server/start-moat.js';
import { adminCall, type AdminReply } from '../support/admin-call.js';

export const DATABASE_URL = process.env.MOAT_TEST_DATABASE_URL;
export const REDIS_URL = process.env.MOAT_TEST_REDIS_URL;
export const servicesSkip: string | false = DATABASE_URL && REDIS_URL ? false : 'MOAT_TEST_DATABASE_URL / MOAT_TEST_REDIS_URL not set: fault scenarios on PostgreSQL and Redis skipped';
export const ADMIN_TOKEN = 'fault-suite-admin-token-0123456789';
export const MODEL = 'gpt-4o';

/** A fresh PostgreSQL schema for one fault scenario. */
export const freshSchema = (base: string) => freshSchemaIn(base, 'moat_fault');

let demo: DemoUpstream | undefined;
async function sharedDemo(): Promise<DemoUpstream> {
  demo ??= await startDemoUpstream({ models: [MODEL] });
  return demo;
}

export async function closeSharedDemo(): Promise<void> {
  await demo?.close();
  demo = undefined;
}

export interface FaultGateway {
  moat: MoatServer;
  url: string;
  dataDir: string;
  admin(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<AdminReply & { headers: Headers }>;
  close(): Promise<void>;
}

export async function startFaultGateway(overrides: Record<string, unknown>, opts: { logger?: Logger; dataDir?: string } = {}): Promise<FaultGateway> {
  const up = await sharedDemo();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'moat-fault-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'server.port': 0,
      'server.shutdownGraceMs': 200,
      adminToken: ADMIN_TOKEN,
      'demoUpstream.enabled': false,
      upstreams: demoUpstreamConfigs(up.url, [MODEL]),
      'detection.enabled': false,
      'log.level': 'silent',
      ...overrides,
    },
  });
  const moat = await startMoat(config, { logger: opts.logger ?? silentLogger() });
  return {
    moat,
    url: moat.url,
    dataDir,
    async admin(method, path, body, headers = {}) {
      const res = await fetch(moat.url + path, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      return { status: res.status, ok: res.ok, text, json: text ? JSON.parse(text) : undefined, headers: res.headers };
    },
    async close() {
      await moat.close();
      if (!opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates an org with one key through `g`'s admin API; returns ids and the secret. */
export async function orgWithKey(g: { url: string }, name: string): Promise<{ orgId: string; keyId: string; secret: string }> {
  const org = await adminCall(g.url, ADMIN_TOKEN, 'POST', '/admin/orgs', { name });
  const key = await adminCall(g.url, ADMIN_TOKEN, 'POST', `/admin/orgs/${org.json.id}/keys`, { name: 'k' });
  if (!org.ok || !key.ok) throw new Error(`setup failed: ${org.text} ${key.text}`);
  return { orgId: org.json.id, keyId: key.json.key.id, secret: key.json.secret };
}

/** One chat completion; the status and Moat error code of the answer. */
export async function ask(url: string, secret: string, body: Record<string, unknown> = {}): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'ping' }], max_tokens: 8, ...body }),
  });
  const text = await res.text();
  const code = res.ok ? undefined : ((JSON.parse(text) as { error?: { code?: string } }).error?.code ?? undefined);
  return { status: res.status, ...(code ? { code } : {}) };
}

/** Polls `cond` (a real wait for a real network event, not a timing assertion) until true or `ms` passed. */
export async function eventually(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not reached within ${ms} ms: ${what}`);
}

/** Resolves to what `p` resolves to, or rejects if it has not settled within `ms`: a hang detector. */
export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
    }),
  ]);
}
