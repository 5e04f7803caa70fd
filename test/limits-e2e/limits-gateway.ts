// A real Moat (startMoat, temp data dir) behind which a demo upstream answers, with a clock the test moves
// (real time plus an offset, so official SDKs that sleep for `retry-after` see time pass), limits applied the
// way operators apply them (`moat policy apply FILE`), and official SDK clients that count what they send.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { runApply, type CliIo } from '../../src/cli/commands/policy.js';
import { loadConfig } from '../../src/config/load.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { silentLogger } from '../../src/ops/logger.js';
import { startMoat, type MoatServer } from '../../src/server/start-moat.js';
import { adminCall } from '../support/admin-call.js';

export const ADMIN_TOKEN = 'limits-e2e-admin-token-0123456789abcdef';
export const OPENAI_MODEL = 'gpt-4o';
export const ANTHROPIC_MODEL = 'claude-sonnet-4';

/** Real time plus an offset the test advances: windows and sessions move without sleeping. */
export class OffsetClock {
  offset = 0;
  now = (): number => Date.now() + this.offset;
  advance(ms: number): void {
    this.offset += ms;
  }
}

export interface LimitsGateway {
  moat: MoatServer;
  demo: DemoUpstream;
  url: string;
  clock: OffsetClock;
  dataDir: string;
  /** Applies a policy (orgs in tier `free`, one key `e2e` per org, the `limits:` section) with `moat policy apply`. */
  apply(limits: Record<string, unknown>, orgs: string[], extra?: Record<string, unknown>): Promise<void>;
  keyOf(org: string): string;
  /** SDK clients for an org's key; `sent.count` counts the HTTP requests the SDK made. */
  openai(org: string, opts?: { maxRetries?: number }): { client: OpenAI; sent: { count: number } };
  anthropic(org: string, opts?: { maxRetries?: number }): { client: Anthropic; sent: { count: number } };
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; json: any }>;
  close(): Promise<void>;
}

function countingFetch(sent: { count: number }): typeof fetch {
  return (input, init) => {
    sent.count++;
    return fetch(input, init);
  };
}

export async function startLimitsGateway(overrides: Record<string, unknown> = {}): Promise<LimitsGateway> {
  const demo = await startDemoUpstream({ models: [OPENAI_MODEL, ANTHROPIC_MODEL] });
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-limits-e2e-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'server.port': 0,
      'server.shutdownGraceMs': 200,
      adminToken: ADMIN_TOKEN,
      'demoUpstream.enabled': false,
      upstreams: demoUpstreamConfigs(demo.url, [OPENAI_MODEL, ANTHROPIC_MODEL]),
      'log.level': 'silent',
      ...overrides,
    },
  });
  const clock = new OffsetClock();
  const moat = await startMoat(config, { logger: silentLogger(), clock });
  const keys = new Map<string, string>();
  let applied = 0;
  const g: LimitsGateway = {
    moat,
    demo,
    url: moat.url,
    clock,
    dataDir,
    async apply(limits, orgs, extra = {}) {
      const doc = {
        tiers: { free: {} },
        limits,
        orgs: orgs.map((id) => ({ id, name: id, tier: 'free' })),
        keys: orgs.map((org) => ({ name: 'e2e', org })),
        ...extra,
      };
      const file = join(dataDir, `policy-${++applied}.yaml`);
      writeFileSync(file, stringify(doc));
      const io: CliIo & { stdout: string; stderr: string } = { stdout: '', stderr: '', out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
      const code = await runApply(file, { url: moat.url, token: ADMIN_TOKEN, force: true }, io);
      if (code !== 0) throw new Error(`moat policy apply failed (${code}): ${io.stderr}${io.stdout}`);
      for (const m of io.stdout.matchAll(/^New API key (\S+)\/e2e: (\S+)/gm)) keys.set(m[1] as string, m[2] as string);
    },
    keyOf(org) {
      const k = keys.get(org);
      if (!k) throw new Error(`no key for ${org}`);
      return k;
    },
    openai(org, opts = {}) {
      const sent = { count: 0 };
      return { sent, client: new OpenAI({ apiKey: g.keyOf(org), baseURL: `${moat.url}/v1`, maxRetries: opts.maxRetries ?? 0, fetch: countingFetch(sent) }) };
    },
    anthropic(org, opts = {}) {
      const sent = { count: 0 };
      return { sent, client: new Anthropic({ apiKey: g.keyOf(org), baseURL: moat.url, maxRetries: opts.maxRetries ?? 0, fetch: countingFetch(sent) }) };
    },
    async admin(method, path, body) {
      const r = await adminCall(moat.url, ADMIN_TOKEN, method, path, body);
      return { status: r.status, json: r.json };
    },
    async close() {
      await moat.close();
      await demo.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return g;
}

export { caught } from '../support/caught.js';

/** Polls `fn` until it returns a defined value (settles happen after the response ends). */
export async function eventually<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
