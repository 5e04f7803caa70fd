// Three real gateway processes (`moat start`) with `limits.backend: redis` on the machine's Redis and one
// PostgreSQL schema: one key hammered through all three at once. Admitted requests and tokens stay within
// the limits plus the bound of docs/limits.md, and the shared counters hold exactly what was used.
// Needs MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL; skips visibly without them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Redis } from 'ioredis';
import { stringify } from 'yaml';
import { runApply } from '../../src/cli/commands/policy.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../propagation/gateway-processes.js';
import { captureIo } from '../support/cli-output.js';

const DB = process.env.MOAT_TEST_DATABASE_URL;
const REDIS = process.env.MOAT_TEST_REDIS_URL;
const skip = !DB || !REDIS ? 'MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL are needed: 3-gateway limits test skipped' : false;
if (skip) console.log(`# SKIP ${skip}`);

const run = randomBytes(5).toString('hex');
const ADMIN = `limits-mg-admin-${run}`;
const ORG = `org_lim_${run}`;
const schema = `moat_limits_${run}`;
const MAX_TOKENS = 8; // the demo reply is longer, so each response uses exactly its reservation
const LIMITS = { tiers: { free: { key: { requestsPerMinute: 150, outputTokensPerMinute: 120 * MAX_TOKENS } } } };

let driverDir = '';
let demo: DemoUpstream | undefined;
const gateways: GatewayProcess[] = [];
let apiKey = '';

const withSearchPath = (url: string, s: string) => `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${s}`)}`;

before(async () => {
  if (skip) return;
  const c = new pg.Client({ connectionString: DB });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  demo = await startDemoUpstream({ models: ['gpt-4o'] });
  const base = {
    databaseUrl: withSearchPath(DB as string, schema),
    redisUrl: REDIS,
    adminToken: ADMIN,
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    demoUpstream: { enabled: false },
    upstreams: demoUpstreamConfigs(demo.url, ['gpt-4o']),
    log: { level: 'silent' },
    limits: { backend: 'redis', failMode: 'closed' },
    view: { changeChannel: `moat:test:limits-mg:${run}` },
  };
  // One process first (it migrates the schema), then the other two.
  gateways.push(await startGatewayProcess('lim0', base));
  gateways.push(...(await Promise.all([startGatewayProcess('lim1', base), startGatewayProcess('lim2', base)])));
  driverDir = mkdtempSync(join(tmpdir(), 'moat-limits-mg-'));
  const file = join(driverDir, 'policy.yaml');
  writeFileSync(file, stringify({ tiers: { free: {} }, limits: LIMITS, orgs: [{ id: ORG, name: ORG, tier: 'free' }], keys: [{ name: 'load', org: ORG }] }));
  const io = captureIo();
  const code = await runApply(file, { url: gateways[0]!.url, token: ADMIN, force: true }, io);
  if (code !== 0) throw new Error(`policy apply failed: ${io.stderr}`);
  apiKey = /^New API key \S+: (\S+)/m.exec(io.stdout)?.[1] ?? '';
});

after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await demo?.close();
  if (driverDir) rmSync(driverDir, { recursive: true, force: true });
  if (skip) return;
  const c = new pg.Client({ connectionString: DB });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
  const r = new Redis(REDIS as string);
  const keys = await r.keys(`moat:limits:{${ORG}}:*`);
  if (keys.length) await r.del(...keys);
  r.disconnect();
});

async function waitForKey(url: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (Date.now() < end) {
    const res = await fetch(`${url}/v1/moat/limits`, { headers: { authorization: `Bearer ${apiKey}` } });
    await res.text();
    if (res.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the key never reached ${url}`);
}

test('3 gateway processes on the real Redis, one key hammered through all of them: requests and tokens stay within the limits, counters exact', { skip, timeout: 60_000 }, async () => {
  await Promise.all(gateways.map((g) => waitForKey(g.url)));
  const body = JSON.stringify({ model: 'gpt-4o', max_tokens: MAX_TOKENS, messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten' }] });
  const perGateway = [0, 0, 0];
  let admitted = 0;
  let outputUsed = 0;
  let excess = 0;
  let refused = 0;
  let sent = 0;
  const deadline = Date.now() + 20_000;
  const loop = async (i: number) => {
    const url = gateways[i]!.url;
    while (sent < 450 && Date.now() < deadline) {
      sent++;
      const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
      const json = (await res.json()) as { usage?: { completion_tokens: number }; error?: { code?: string } };
      if (res.status === 200) {
        admitted++;
        perGateway[i]!++;
        const out = json.usage!.completion_tokens;
        outputUsed += out;
        excess += Math.max(0, out - MAX_TOKENS);
      } else {
        assert.equal(res.status, 429, JSON.stringify(json));
        assert.equal(json.error?.code, 'rate_limited');
        refused++;
      }
    }
  };
  await Promise.all([0, 1, 2].flatMap((i) => Array.from({ length: 4 }, () => loop(i))));
  console.log(`# 3 gateways: sent ${sent}, admitted ${admitted} (${perGateway.join('/')}), refused ${refused}, output tokens ${outputUsed}, excess over reservations ${excess}`);
  assert.ok(perGateway.every((n) => n > 0), 'every gateway admitted some');
  assert.ok(refused > 0, 'the limit was reached');
  // Documented bound: tokens ≤ L + Σ max(0, actual − reserved); requests never overrun.
  assert.ok(outputUsed <= 120 * MAX_TOKENS + excess, `output ${outputUsed}`);
  assert.ok(admitted <= 150);
  assert.ok(outputUsed >= 110 * MAX_TOKENS, `the token limit was what bound (${outputUsed})`);
  // Any gateway reads the same shared counters: exactly what was used, nothing leaked.
  for (const g of gateways) {
    const listing = (await (await fetch(`${g.url}/v1/moat/limits`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as { limits: Array<{ metric: string; used: number }> };
    const used = (m: string) => listing.limits.find((l) => l.metric === m)!.used;
    assert.equal(used('output_tokens_per_minute'), outputUsed, g.name);
    assert.equal(used('requests_per_minute'), admitted, g.name);
  }
});
