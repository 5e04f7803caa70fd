// A real Moat (startMoat: store, view, hot path, admin API) in a temp data dir, in front of a demo upstream the
// test can slow down, plus the official SDK clients and policy-as-code helpers (`moat policy apply`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { runApply, type CliIo } from '../../src/cli/commands/policy.js';
import { loadConfig } from '../../src/config/load.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { silentLogger } from '../../src/ops/logger.js';
import { startMoat, type MoatServer } from '../../src/server/start-moat.js';
import { adminCall } from '../support/admin-call.js';

export const ADMIN_TOKEN = 'e2e-bootstrap-admin-token-0123456789';
export const MODELS = ['claude-sonnet-4', 'gpt-4o'];

export interface E2eGateway {
  moat: MoatServer;
  demo: DemoUpstream;
  url: string;
  dataDir: string;
  /** Admin API call with the bootstrap token; throws on non-2xx unless `allowError`. */
  admin(method: string, path: string, body?: unknown, opts?: { token?: string; allowError?: boolean }): Promise<{ status: number; json: any }>;
  /**
   * `moat policy apply` of a story file plus a key per listed org; returns the CLI's output. New keys' secrets
   * (printed once by the CLI) are remembered in `keys` by `orgId/name`.
   */
  applyStory(storyFile: string, keyOrgs: string[], opts?: { force?: boolean }): Promise<{ code: number; stdout: string; stderr: string }>;
  keys: Map<string, string>;
  openai(orgId: string): OpenAI;
  anthropic(orgId: string): Anthropic;
  close(): Promise<void>;
}

export async function startE2eGateway(overrides: Record<string, unknown> = {}): Promise<E2eGateway> {
  const demo = await startDemoUpstream({ models: MODELS });
  const dataDir = mkdtempSync(join(tmpdir(), 'moat-e2e-'));
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir,
      'server.port': 0,
      'server.shutdownGraceMs': 200,
      adminToken: ADMIN_TOKEN,
      'demoUpstream.enabled': false,
      upstreams: demoUpstreamConfigs(demo.url, MODELS),
      'log.level': 'silent',
      ...overrides,
    },
  });
  let moat: MoatServer;
  try {
    moat = await startMoat(config, { logger: silentLogger() });
  } catch (e) {
    await demo.close();
    throw e;
  }
  const keys = new Map<string, string>();
  const g: E2eGateway = {
    moat,
    demo,
    url: moat.url,
    dataDir,
    keys,
    async admin(method, path, body, opts = {}) {
      const r = await adminCall(moat.url, opts.token ?? ADMIN_TOKEN, method, path, body);
      if (!r.ok && !opts.allowError) throw new Error(`${method} ${path}: HTTP ${r.status} ${r.text}`);
      return { status: r.status, json: r.json };
    },
    async applyStory(storyFile, keyOrgs, opts = {}) {
      const { readFileSync } = await import('node:fs');
      const text = readFileSync(storyFile, 'utf8') + (keyOrgs.length ? `\nkeys:\n${keyOrgs.map((o) => `  - { name: e2e, org: ${o} }`).join('\n')}\n` : '');
      const file = join(dataDir, `policy-${Date.now()}.yaml`);
      writeFileSync(file, text);
      const io: CliIo & { stdout: string; stderr: string } = { stdout: '', stderr: '', out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
      const code = await runApply(file, { url: moat.url, token: ADMIN_TOKEN, force: opts.force ?? false }, io);
      for (const m of io.stdout.matchAll(/^New API key (\S+): (\S+)/gm)) keys.set(m[1] as string, m[2] as string);
      return { code, stdout: io.stdout, stderr: io.stderr };
    },
    openai(orgId) {
      const key = keys.get(`${orgId}/e2e`);
      if (!key) throw new Error(`no key for ${orgId}`);
      return new OpenAI({ apiKey: key, baseURL: `${moat.url}/v1`, maxRetries: 0 });
    },
    anthropic(orgId) {
      const key = keys.get(`${orgId}/e2e`);
      if (!key) throw new Error(`no key for ${orgId}`);
      return new Anthropic({ apiKey: key, baseURL: moat.url, maxRetries: 0 });
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
