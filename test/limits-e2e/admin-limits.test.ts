// Admins read an org's limits: `GET /admin/orgs/:org/limits` and `moat limits show ORG [--key KEY]`; and
// `moat limits check FILE` validates a limits section offline.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify from 'fastify';
import { runLimitsCheck } from '../../src/cli/commands/limits.js';
import { registerAdminRoutes, ADMIN_ROUTES } from '../../src/admin/register-admin-routes.js';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { LimitsConfigSchema } from '../../src/limits/limits-schema.js';
import { withThrottle } from '../../src/enforcement/throttle-attributes.js';
import { silentLogger } from '../../src/ops/logger.js';
import { ADMIN_TOKEN, startLimitsGateway, type LimitsGateway } from './limits-gateway.js';
import { captureIo, runMoatCli } from '../support/cli-output.js';

let g: LimitsGateway;
const LIMITS = {
  tiers: { free: { key: { requestsPerMinute: 60, windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 100000 }] }, org: { requestsPerMinute: 600 } } },
  orgs: { acme: { key: { requestsPerMinute: 30 } } },
};

before(async () => {
  g = await startLimitsGateway();
  await g.apply(LIMITS, ['acme', 'other']);
});
after(async () => {
  await g?.close();
});

async function cli(args: string[]): Promise<string> {
  return runMoatCli([...args, '--url', g.url, '--token', ADMIN_TOKEN]);
}

test('GET /admin/orgs/:org/limits: effective limits per key with their sources, an enforcement throttle applied; viewer role; 404 for unknown orgs', async () => {
  const r = await g.admin('GET', '/admin/orgs/acme/limits');
  assert.equal(r.status, 200);
  assert.equal(r.json.object, 'moat.org_limits');
  assert.equal(r.json.org_id, 'acme');
  assert.equal(r.json.throttle, null);
  const [key] = r.json.keys;
  assert.equal(key.key_name, 'e2e');
  const by = (m: string, s = 'key') => key.limits.find((l: any) => l.metric === m && l.subject === s);
  assert.deepEqual([by('requests_per_minute').limit, by('requests_per_minute').source], [30, 'org:acme']);
  assert.deepEqual([by('requests_per_minute', 'org').limit, by('requests_per_minute', 'org').source], [600, 'tier:free']);
  assert.equal(by('5h-tokens').window.mode, 'anchored');
  // The gateway's limiter is in the admin deps, so the listing carries live usage: nothing used yet.
  assert.equal(r.json.usage_available, true);
  assert.deepEqual([by('requests_per_minute').used, by('requests_per_minute').remaining], [0, 30]);

  // Enforcement throttles the org (org attributes): the listing shows the lowered limits at once.
  const until = new Date(Date.now() + 3_600_000).toISOString();
  await g.admin('PATCH', '/admin/orgs/acme', { attributes: withThrottle({}, { factor: 0.5, until, caseId: 'case_9', clause: 'ToS §2' }) });
  const t = await g.admin('GET', '/admin/orgs/acme/limits?key=e2e');
  assert.deepEqual(t.json.throttle, { factor: 0.5 });
  const rpm = t.json.keys[0].limits.find((l: any) => l.metric === 'requests_per_minute' && l.subject === 'key');
  assert.deepEqual([rpm.limit, rpm.throttled_from], [15, 30]);

  assert.equal((await g.admin('GET', '/admin/orgs/nope/limits')).status, 404);
  assert.equal((await g.admin('GET', '/admin/orgs/acme/limits?key=nope')).status, 404);
  const anon = await fetch(`${g.url}/admin/orgs/acme/limits`);
  assert.equal(anon.status, 401);
});

test('with the limiter in the admin deps, the route reports current usage for each key', async () => {
  const limits = LimitsConfigSchema.parse(LIMITS);
  const limiter = new MemoryLimiter({ limits: () => limits });
  const app = Fastify();
  await registerAdminRoutes(app, { driver: g.moat.driver, view: g.moat.view, logger: silentLogger(), bootstrapToken: ADMIN_TOKEN, limitInspector: limiter } as Parameters<typeof registerAdminRoutes>[1], ADMIN_ROUTES);
  try {
    const keyId = (await g.admin('GET', '/admin/orgs/other/limits')).json.keys[0].key_id as string;
    const facts = { api: 'openai' as const, endpoint: '/v1/chat/completions', model: 'gpt-4o', stream: false, orgId: 'other', keyId, toolNames: [], toolTypes: [], params: {}, maxTokens: 100, inputTokensEstimate: 20, anthropicBeta: [], ip: '127.0.0.1', now: Date.now() };
    for (let i = 0; i < 3; i++) {
      const a = await limiter.admit({ facts, tier: 'free', features: [] });
      assert.ok(a.ok);
      await a.ticket.settle({ inputTokens: 20, outputTokens: 10 });
    }
    const res = await app.inject({ method: 'GET', url: '/admin/orgs/other/limits', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.usage_available, true);
    const by = (m: string) => body.keys[0].limits.find((l: any) => l.metric === m && l.subject === 'key');
    assert.deepEqual([by('requests_per_minute').used, by('requests_per_minute').remaining], [3, 57]);
    assert.deepEqual([by('5h-tokens').used, by('5h-tokens').remaining], [90, 100000 - 90]);
    assert.ok(by('5h-tokens').resets_at);
  } finally {
    await app.close();
    await limiter.close();
  }
});

test('moat limits show ORG [--key KEY] prints the table (and --json the API body)', async () => {
  const text = await cli(['limits', 'show', 'acme', '--key', 'e2e']);
  assert.match(text, /org acme \(acme\), tier free, throttled ×0\.5/);
  assert.match(text, /e2e\s+requests_per_minute\s+key:\S+\s+15 \(of 30\)/);
  assert.match(text, /5h-tokens/);
  const json = JSON.parse(await cli(['limits', 'show', 'other', '--json']));
  assert.equal(json.object, 'moat.org_limits');
  assert.equal(json.keys[0].limits.find((l: any) => l.metric === 'requests_per_minute' && l.subject === 'key').limit, 60);
});

test('moat limits check FILE: accepts a policy file or a bare limits section, names the path of each problem', () => {
  const dir = g.dataDir;
  const good = join(dir, 'good.yaml');
  writeFileSync(good, 'tiers: { free: {} }\nlimits:\n  tiers:\n    free:\n      key: { requestsPerMinute: 60, windows: [ { name: 5h, mode: anchored, duration: 5h, tokens: 1000 } ] }\n');
  const a = captureIo();
  assert.equal(runLimitsCheck(good, a), 0);
  assert.match(a.stdout, /limits valid \(3 limits; 1 tiers/); // the two set, and the built-in per-key token-count limit
  const bare = join(dir, 'bare.yaml');
  writeFileSync(bare, 'keys: { key_1: { requestsPerMinute: 5 } }\n');
  assert.equal(runLimitsCheck(bare, captureIo()), 0);
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'limits:\n  tiers:\n    free:\n      key: { requestsPerMinute: -1, windows: [ { name: 5h, duration: five hours, tokens: 10 } ] }\n  throttles: { acme: { factor: 2, until: tomorrow } }\n');
  const b = captureIo();
  assert.equal(runLimitsCheck(bad, b), 1);
  assert.match(b.stderr, /limits\.tiers\.free\.key\.requestsPerMinute: /);
  assert.match(b.stderr, /limits\.tiers\.free\.key\.windows\.0\.duration: invalid duration/);
  assert.match(b.stderr, /limits\.throttles\.acme\.factor/);
  assert.match(b.stderr, /4 problems in the limits section/);
});
