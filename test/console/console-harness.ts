// A real gateway-side HTTP server for the console tests: Fastify with the real admin API over an in-memory
// PGlite store and a live PolicyView, the console served at /console, and (optionally) the cases contract
// fixture. Seeds the 2025 scenario: a competitor with a safety-evaluation grant and an affiliated startup.
import { spawnSync } from 'node:child_process';
import Fastify from 'fastify';
import { registerAdminRoutes } from '../../src/admin/register-admin-routes.js';
import { registerConsoleRoutes } from '../../src/console-server/fastify-plugin.js';
import { runMigrations } from '../../src/store/migrate.js';
import { PgliteDriver } from '../../src/store/pglite-driver.js';
import { writeUsage } from '../../src/store/usage-repo.js';
import { InProcessChangeBus } from '../../src/view/in-process-change-bus.js';
import { startPolicyView } from '../../src/view/policy-view.js';
import type { CaseDetail } from '../../console/src/api/types.js';
import { registerCasesFixture, type CasesFixture } from './cases-contract-fixture.js';

const BOOTSTRAP = 'console-test-bootstrap-token-0123456789';
const silent = { info() {}, warn() {}, error() {} };

export function buildConsole(): void {
  const r = spawnSync(process.execPath, ['scripts/build-console.mjs'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`console build failed: ${r.stderr}`);
}

export interface Seed {
  rival: { id: string; name: string; keyIds: string[] };
  acme: { id: string; name: string };
  startup: { id: string; name: string };
}

export interface ConsoleServer {
  url: string;
  tokens: { admin: string; analyst: string; viewer: string };
  seed: Seed;
  cases: CasesFixture | undefined;
  api(method: string, path: string, body?: unknown): Promise<any>;
  close(): Promise<void>;
}

export async function startConsoleServer(opts: { withCases: boolean }): Promise<ConsoleServer> {
  const driver = await PgliteDriver.open();
  await runMigrations(driver);
  const bus = new InProcessChangeBus();
  const view = await startPolicyView({ driver, bus, versionCheckMs: 0 });
  const deps = { driver, view, bus, logger: silent, bootstrapToken: BOOTSTRAP };
  const app = Fastify();
  await registerAdminRoutes(app, deps);
  registerConsoleRoutes(app);
  const cases = opts.withCases ? registerCasesFixture(app, deps) : undefined;
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${BOOTSTRAP}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  const token = async (name: string, role: string) => ((await api('POST', '/admin/tokens', { name, role })) as { secret: string }).secret;
  const tokens = { admin: await token('dana-admin', 'admin'), analyst: await token('ali-analyst', 'analyst'), viewer: await token('vic-viewer', 'viewer') };

  const acme = await api('POST', '/admin/orgs', { name: 'acme-health', tier: 'enterprise', attributes: { country: 'US' }, labels: ['customer'] });
  const rival = await api('POST', '/admin/orgs', { name: 'rival-ai', tier: 'scale', attributes: { competitor: true }, labels: ['frontier-lab'] });
  const startup = await api('POST', '/admin/orgs', { name: 'tiny-startup', tier: 'starter', attributes: {} });
  await api('POST', '/admin/affiliations', { org: startup.id, affiliate: rival.id, relation: 'acquirer' });
  await api('POST', '/admin/orgs/rival-ai/grants', { purpose: 'safety_evaluation', models: ['claude-*'] });
  const k1 = await api('POST', '/admin/orgs/rival-ai/keys', { name: 'eval-harness' });
  const k2 = await api('POST', '/admin/orgs/rival-ai/keys', { name: 'research' });
  const k3 = await api('POST', '/admin/orgs/acme-health/keys', { name: 'prod' });

  // Usage as the gateway's metering flush writes it: the last hours for everyone, a sweep by rival-ai now.
  const now = Date.now();
  const rows = [];
  for (let h = 0; h < 12; h++) {
    const minute = new Date(now - h * 3600_000).toISOString();
    rows.push({ orgId: acme.id, keyId: k3.key.id, model: 'claude-sonnet', minute, requests: 300 + 20 * h, inputTokens: 90_000, outputTokens: 40_000 });
  }
  // Five minutes' worth of the sweep, written into the last two minutes so the console's 5-minute window
  // still holds all of it when a later test step opens the impact preview.
  for (let m = 0; m < 5; m++) {
    const minute = new Date(now - (m % 2) * 60_000).toISOString();
    rows.push({ orgId: rival.id, keyId: k1.key.id, model: 'claude-sonnet', minute, requests: 120, inputTokens: 60_000, outputTokens: 9_000 });
    rows.push({ orgId: rival.id, keyId: k2.key.id, model: 'claude-opus', minute, requests: 30, inputTokens: 20_000, outputTokens: 3_000 });
  }
  await writeUsage(driver, rows);

  return {
    url,
    tokens,
    cases,
    api,
    seed: { rival: { id: rival.id, name: rival.name, keyIds: [k1.key.id, k2.key.id] }, acme: { id: acme.id, name: acme.name }, startup: { id: startup.id, name: startup.name } },
    async close() {
      await app.close();
      await view.close();
      await bus.close();
      await driver.close();
    },
  };
}

/** The case the detection + enforcement work would open for the competitor's benchmark sweep. */
export function competitorSweepCase(seed: Seed, at = new Date()): CaseDetail {
  const t = (minAgo: number) => new Date(at.getTime() - minAgo * 60_000).toISOString();
  return {
    id: 'case_sweep1',
    title: 'Competitor benchmark sweep',
    orgIds: [seed.rival.id],
    severity: 'high',
    status: 'open',
    labels: ['competitive_benchmarking'],
    confidence: 0.94,
    clause: 'ToS §2.3 (no building or benchmarking competing models)',
    proposedAction: { action: 'restrict', clause: 'ToS §2.3 (no building or benchmarking competing models)', requiresApproval: true, orgIds: [seed.rival.id] },
    openedAt: t(20),
    updatedAt: t(2),
    timeline: [
      { at: t(20), kind: 'detected', actor: 'automation:benchmark-sweep', text: 'benchmark_match_rate 0.41 over 600 requests' },
      { at: t(19), kind: 'proposed', actor: 'automation:default-playbook', text: 'restrict to safety_evaluation grant (needs approval)' },
    ],
    notes: [],
    evidence: {
      sampleRequests: [
        { at: t(18), orgId: seed.rival.id, keyPrefix: 'moat_live_ab12', model: 'claude-sonnet', endpoint: '/v1/messages', excerpt: 'Question: A 45-year-old man presents with… Answer with A, B, C or D. [redacted]' },
      ],
      matchedBenchmarks: [
        { benchmark: 'mmlu', itemId: 'clinical_knowledge/0042', similarity: 0.98 },
        { benchmark: 'gpqa', itemId: 'diamond/0117', similarity: 0.95 },
      ],
      features: [
        { name: 'benchmark_match_rate', value: 0.41, threshold: 0.05, comparison: '>=', exceeded: true },
        { name: 'prompt_template_reuse', value: 0.88, threshold: 0.6, comparison: '>=', exceeded: true },
        { name: 'conversation_depth', value: 1.02, threshold: 1.5, comparison: '<=', exceeded: true },
      ],
      linkedAccounts: [{ orgId: seed.startup.id, name: seed.startup.name, reason: 'acquirer affiliation recorded by the provider' }],
    },
  };
}
