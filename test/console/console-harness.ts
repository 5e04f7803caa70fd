// A real gateway for the console tests: startMoat (store in a temp data dir, policy view, hot path, admin API
// with the case routes, the console, the demo upstream) with enforcement.autoEnforce off, so restricting a
// competitor waits for an admin. Orgs, grants and keys are created through the admin API; cases come from
// simulator traffic sent through the gateway's /v1 endpoints and judged by the gateway's live detection
// (startMoat's `detection` wiring), which opens the cases. Should a build run without live detection, the
// gateway's own trace of the traffic goes through the real detector and server.enforcement.onDetection
// instead — either way, no hand-made evidence. The browser tests' setup is here too: browserTestSkip (skip
// without Chromium, fail under CI) and startConsoleBrowser (console build, this server, Chromium, sign-in).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { parse } from 'yaml';
import { CHROMIUM_PATH, ensureChromium, launchChromium } from '../../scripts/ensure-chromium.mjs';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type LabelEvent } from '../../src/detection/detector.js';
import type { Detection } from '../../src/enforcement/detection-input.js';
import type { Case } from '../../src/enforcement/case-model.js';
import type { TraceOrgLine, TraceRequestLine } from '../../src/events/trace-format.js';
import type { MoatServer } from '../../src/server/start-moat.js';
import { simulate } from '../../src/simulator/scenarios.js';
import { fetchFresh } from '../support/fresh-connection-fetch.js';
import { startTestMoat } from '../support/start-test-moat.js';

const BOOTSTRAP = 'console-test-bootstrap-token-0123456789';

/** Where the browser tests write the screenshots docs/console.md shows. */
export const SHOTS = new URL('../../docs/screenshots/', import.meta.url).pathname;

/** Builds console/dist unless it is current; concurrent test files wait for one build instead of racing it. */
export function buildConsole(): void {
  const r = spawnSync(process.execPath, ['scripts/build-console.mjs', '--if-stale'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed: ${r.stderr}`);
}

export interface SeedOrg {
  id: string;
  name: string;
  keys: { id: string; name: string; secret: string }[];
}

export interface Seed {
  rival: SeedOrg;
  acme: SeedOrg;
  startup: SeedOrg;
  prober: SeedOrg;
}

export interface ConsoleServer {
  url: string;
  moat: MoatServer;
  tokens: { admin: string; analyst: string; viewer: string };
  seed: Seed;
  api(method: string, path: string, body?: unknown): Promise<any>;
  /**
   * Sends an org's share of a simulator scenario through the gateway with the org's keys (every request must
   * be answered 200) and returns the gateway's own trace lines of that traffic.
   */
  sendTraffic(scenario: string, simOrg: string, org: SeedOrg, opts?: { requests?: number; seed?: number }): Promise<TraceRequestLine[]>;
  /** Runs traced traffic through the real detector; the org's labels as an enforcement Detection, or undefined. */
  detect(org: SeedOrg, lines: TraceRequestLine[]): Promise<Detection | undefined>;
  /** Cases of an org (any status), once live detection has judged everything sent so far. */
  casesOf(org: SeedOrg): Promise<Case[]>;
  /** A one-message chat completion through /v1 with a key's secret; the HTTP status. */
  chat(secret: string): Promise<number>;
  /** sendTraffic, then the case the gateway opened for it (throws if none). */
  trafficToCase(scenario: string, simOrg: string, org: SeedOrg, opts?: { requests?: number; seed?: number }): Promise<Case>;
  close(): Promise<void>;
}

export async function startConsoleServer(): Promise<ConsoleServer> {
  // The gateway's built-in demo upstream serves `demo-gpt` and `demo-claude`, as in a first-run install.
  const t = await startTestMoat({
    name: 'console',
    adminToken: BOOTSTRAP,
    upstreams: false,
    config: (dataDir) => ({ 'enforcement.autoEnforce': false, 'events.traceFile': join(dataDir, 'trace.jsonl'), 'metering.flushMs': 200, 'requestLog.prompts': 'excerpt' }),
  });
  const { moat, url } = t;
  const traceFile = join(t.dataDir, 'trace.jsonl');
  const api = async (method: string, path: string, body?: unknown) => (await t.admin(method, path, body)).json;

  const token = async (name: string, role: string) => ((await api('POST', '/admin/tokens', { name, role })) as { secret: string }).secret;
  const tokens = { admin: await token('dana-admin', 'admin'), analyst: await token('ali-analyst', 'analyst'), viewer: await token('vic-viewer', 'viewer') };

  const org = async (body: Record<string, unknown>, keyNames: string[]): Promise<SeedOrg> => {
    const o = await api('POST', '/admin/orgs', body);
    const keys = [];
    for (const name of keyNames) {
      const k = await api('POST', `/admin/orgs/${o.id}/keys`, { name });
      keys.push({ id: k.key.id as string, name, secret: k.secret as string });
    }
    return { id: o.id, name: o.name, keys };
  };
  // The provider's policy: the example file's rules (clauses, purposes, denials, propagation) with the
  // shipped default playbook copied under `playbooks:`, applied as `moat policy apply` would.
  const example = parse(readFileSync(new URL('../../examples/policy.yaml', import.meta.url), 'utf8')) as Record<string, unknown>;
  const { orgs: _o, keys: _k, admins: _a, ...exampleRules } = example;
  const playbooks = parse(readFileSync(new URL('../../rules/playbooks/default.yaml', import.meta.url), 'utf8')) as unknown;
  const current = (await api('GET', '/admin/policy/state')) as { version: number; state: { rules: Record<string, unknown> } };
  const after = { ...current.state.rules, ...exampleRules, playbooks };
  await api('POST', '/admin/policy/apply', {
    steps: [{ kind: 'rules', action: 'update', id: 'rules', before: current.state.rules, after, fields: Object.keys(after) }],
    expectedVersion: current.version,
  });

  // The 2025 scenario: a competitor holding a safety-evaluation grant, an affiliated startup, legit customers.
  const acme = await org({ name: 'acme-health', tier: 'enterprise', attributes: { country: 'US' }, labels: ['customer'] }, ['prod']);
  const rival = await org({ name: 'rival-ai', tier: 'standard', attributes: { competitor: true }, labels: ['frontier-lab'] }, ['eval-harness', 'research']);
  const startup = await org({ name: 'tiny-startup', tier: 'starter', attributes: {} }, ['app']);
  const prober = await org({ name: 'unknown-research', tier: 'starter', attributes: {} }, ['probe']);
  await api('POST', '/admin/affiliations', { org: startup.id, affiliate: rival.id, relation: 'acquirer' });
  await api('POST', `/admin/orgs/${rival.id}/grants`, { purpose: 'safety_evaluation', models: ['*'] });

  let traceOffset = 0;
  const orgLine = async (o: SeedOrg): Promise<TraceOrgLine> => {
    const full = await api('GET', `/admin/orgs/${o.id}`);
    const grants = (await api('GET', `/admin/orgs/${o.id}/grants`)).grants as Array<{ purpose: string; models: string[] }>;
    return { type: 'org', id: o.id, name: o.name, attributes: full.attributes, grants: grants.map((g) => ({ purpose: g.purpose, models: g.models })) };
  };

  const send = async (o: SeedOrg, line: TraceRequestLine, i: number) => {
    const key = o.keys[i % o.keys.length]!.secret;
    const anthropic = line.api === 'anthropic';
    const body = { ...(line.body as Record<string, unknown>), model: anthropic ? 'demo-claude' : 'demo-gpt', max_tokens: 64 };
    const res = await fetchFresh(url + (anthropic ? '/v1/messages' : '/v1/chat/completions'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': line.client?.user_agent ?? 'node',
        ...(line.headers ?? {}),
        ...(anthropic ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${key}` }),
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`gateway answered ${res.status} to ${o.name}'s traffic: ${text.slice(0, 300)}`);
    return res.status;
  };

  const readTraceLines = (): TraceRequestLine[] => {
    let text = '';
    try {
      text = readFileSync(traceFile, 'utf8');
    } catch {
      return [];
    }
    return text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as TraceRequestLine);
  };

  const server: ConsoleServer = {
    url,
    moat,
    tokens,
    api,
    seed: { rival, acme, startup, prober },
    async sendTraffic(scenario, simOrg, o, opts = {}) {
      const sim = simulate({ scenario, seed: opts.seed ?? 7, scale: 0.3 });
      const reqs = sim.lines.filter((l): l is TraceRequestLine => l.type === 'request' && l.org === simOrg).slice(0, opts.requests ?? 60);
      if (reqs.length === 0) throw new Error(`scenario ${scenario} has no requests for ${simOrg}`);
      // A few at a time, like a client harness would.
      for (let i = 0; i < reqs.length; i += 6) await Promise.all(reqs.slice(i, i + 6).map((r, j) => send(o, r, i + j)));
      // The trace writer drains its queue asynchronously: wait until this traffic is on disk.
      const want = traceOffset + reqs.length;
      for (let i = 0; readTraceLines().length < want; i++) {
        if (i > 200) throw new Error('the gateway trace did not record the traffic');
        await new Promise((r) => setTimeout(r, 25));
      }
      const lines = readTraceLines().slice(traceOffset, want);
      traceOffset = want;
      return lines;
    },
    async detect(o, lines) {
      const labels: LabelEvent[] = [];
      const detector = createDetector({ ...loadDetectionAssets(), onLabel: (e) => labels.push(e) });
      detector.ingestOrg(await orgLine(o));
      for (const l of lines) detector.ingestRequest(l);
      const mine = labels.filter((l) => l.org === o.id);
      if (mine.length === 0) return undefined;
      const keyPrefix = new Map(((await api('GET', `/admin/orgs/${o.id}/keys`)).keys as Array<{ id: string; prefix: string }>).map((k) => [k.id, k.prefix]));
      return {
        org: o.id,
        activities: mine.map(({ org: _o, cluster: _c, ...a }) => a),
        cluster: null,
        requests: lines.length,
        samples: lines.slice(0, 3).map((l) => ({
          at: l.ts,
          keyPrefix: keyPrefix.get(l.key) ?? '',
          model: String((l.body as { model?: unknown }).model ?? ''),
          endpoint: l.api === 'anthropic' ? '/v1/messages' : '/v1/chat/completions',
          text: promptText(l.body),
        })),
      };
    },
    async casesOf(o) {
      await moat.detection?.idle();
      const { cases } = (await api('GET', `/admin/cases?status=all&org=${o.id}`)) as { cases: Array<{ id: string }> };
      return Promise.all(cases.map(async (c) => (await api('GET', `/admin/cases/${c.id}`)).case as Case));
    },
    chat: (secret) =>
      fetch(`${url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }], max_tokens: 8 }),
      }).then(async (r) => (await r.arrayBuffer(), r.status)),
    async trafficToCase(scenario, simOrg, o, opts = {}) {
      const lines = await this.sendTraffic(scenario, simOrg, o, opts);
      if (!moat.detection) {
        const detection = await this.detect(o, lines);
        if (!detection) throw new Error(`the detector labelled nothing for ${o.name}`);
        return moat.enforcement.onDetection(detection);
      }
      const [c] = await this.casesOf(o);
      if (!c) throw new Error(`live detection opened no case for ${o.name} (${JSON.stringify(moat.detection.stats())})`);
      return c;
    },
    close: () => t.close(),
  };
  return server;
}

/**
 * The `skip` option of a browser test: false when Debian's Chromium is there (or could be installed here),
 * else why the test skips. Under CI a missing browser is an error, not a skip.
 */
export function browserTestSkip(): string | false {
  if (existsSync(CHROMIUM_PATH)) return false;
  let missing: string;
  try {
    ensureChromium({ log: () => {} });
    return false;
  } catch (e) {
    missing = (e as Error).message;
  }
  if (process.env.CI) throw new Error(missing);
  return `browser tests skipped: ${missing}`;
}

export interface ConsoleBrowser {
  server: ConsoleServer;
  /** Chromium's persistent context (one profile for the whole test). */
  context: BrowserContext;
  /** Opens the console's login page, signs in with the token and waits for the main navigation. */
  login(page: Page, token: string): Promise<void>;
  /** A screenshot to docs/screenshots/NAME.png. */
  shot(page: Page, name: string, opts?: { fullPage?: boolean }): Promise<Buffer>;
}

/**
 * A browser test's setup: builds the console, starts a seeded console server and Chromium, and closes both
 * when the test ends.
 */
export async function startConsoleBrowser(t: TestContext): Promise<ConsoleBrowser> {
  buildConsole();
  mkdirSync(SHOTS, { recursive: true });
  const server = await startConsoleServer();
  const browser = await launchChromium();
  t.after(async () => {
    await browser.close();
    await server.close();
  });
  return {
    server,
    context: browser.context,
    async login(page, token) {
      await page.goto(`${server.url}/console/`);
      await page.getByLabel('Admin token').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
    },
    shot: (page, name, opts = {}) => page.screenshot({ path: `${SHOTS}${name}.png`, ...opts }),
  };
}

/** The user turns of a chat/messages body, as the sample excerpt shows them. */
function promptText(body: unknown): string {
  const messages = (body as { messages?: Array<{ role?: string; content?: unknown }> }).messages ?? [];
  return messages.filter((m) => m.role === 'user').map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
}
