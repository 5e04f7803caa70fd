// Revocation reaches every gateway process within 1 s, measured. Three `moat start`
// processes share a fresh PostgreSQL schema and a Redis channel of their own; a fourth listens on another
// channel (its broadcast is "lost") and must be healed by the version check. Load runs against all four
// while an org is revoked and reinstated several times through different processes' admin APIs.
// Needs MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL; skips visibly without them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { createKey } from '../../src/store/keys-repo.js';
import { runMigrations } from '../../src/store/migrate.js';
import { createOrg } from '../../src/store/orgs-repo.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import { percentile, startGatewayProcess, startLoad, type GatewayProcess, type Sample } from './gateway-processes.js';
import { until } from '../support/until.js';

const DB = process.env.MOAT_TEST_DATABASE_URL;
const REDIS = process.env.MOAT_TEST_REDIS_URL;
const skip = !DB || !REDIS ? 'MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL are needed: 3-process propagation test skipped' : false;
if (skip) console.log(`# SKIP ${skip}`);

const ADMIN = `prop-admin-${randomBytes(8).toString('hex')}`;
const BUS_PROCESSES = 3;
/** The bus path is what is measured: the main processes' version check is too slow to help within 1 s. */
const MAIN_VERSION_CHECK_MS = 5_000;
const LOST_BUS_VERSION_CHECK_MS = 500;
const ROUNDS = 8;
const LIMIT_MS = 1_000;
/** Reload time plus scheduling on a 2-core machine shared with other suites (seen up to ~510 ms over the period). */
const VERSION_CHECK_MARGIN_MS = 1_000;

const schema = `moat_prop_${randomBytes(6).toString('hex')}`;
const channel = `moat:test:prop:${randomBytes(6).toString('hex')}`;
let driver: PostgresDriver | undefined;
let demo: DemoUpstream | undefined;
const gateways: GatewayProcess[] = [];
let apiKey = '';

function withSearchPath(url: string, s: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${s}`)}`;
}

async function admin(g: GatewayProcess, body: unknown): Promise<void> {
  const res = await fetch(`${g.url}/admin/orgs/victim/status`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`status change via ${g.name}: HTTP ${res.status} ${await res.text()}`);
}

before(async () => {
  if (skip) return;
  const c = new pg.Client({ connectionString: DB });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  driver = new PostgresDriver({ url: DB as string, schema, max: 2 });
  await runMigrations(driver);
  const org = await createOrg(driver, { actor: 'test' }, { name: 'victim' });
  apiKey = (await createKey(driver, { actor: 'test' }, { org: org.result.id, name: 'load' })).result.secret;
  demo = await startDemoUpstream({ models: ['gpt-4o'] });
  const base = {
    databaseUrl: withSearchPath(DB as string, schema),
    redisUrl: REDIS,
    adminToken: ADMIN,
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    demoUpstream: { enabled: false },
    upstreams: demoUpstreamConfigs(demo.url, ['gpt-4o']),
    log: { level: 'silent' },
    limits: { backend: 'memory' },
  };
  const started = await Promise.all([
    ...Array.from({ length: BUS_PROCESSES }, (_, i) => startGatewayProcess(`gw${i}`, { ...base, view: { changeChannel: channel, versionCheckMs: MAIN_VERSION_CHECK_MS, maxStalenessMs: 60_000 } })),
    startGatewayProcess('lost-bus', { ...base, view: { changeChannel: `${channel}:elsewhere`, versionCheckMs: LOST_BUS_VERSION_CHECK_MS, maxStalenessMs: 60_000 } }),
  ]);
  gateways.push(...started);
});

after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await demo?.close();
  await driver?.close();
  if (!skip) {
    const c = new pg.Client({ connectionString: DB });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});

test('a revocation reaches 3 processes through the bus within 1 s, and a process that missed the broadcast within the version check', { skip, timeout: 90_000 }, async () => {
  const load = startLoad(
    gateways.map((g) => g.url),
    apiKey,
    { perGateway: 2, maxRequests: 60_000 },
  );
  const admittedAfter = (g: number, t: number) => load.samples.some((s) => s.gateway === g && s.sent >= t && s.status === 200);
  const deniedAfter = (g: number, t: number) => load.samples.some((s) => s.gateway === g && s.sent >= t && s.code === 'org_revoked');
  try {
    await until(() => gateways.every((_, g) => admittedAfter(g, 0)), 'every gateway to admit the org before the first revocation', 10_000);
    const busDelays: number[] = [];
    const lostBusDelays: number[] = [];
    const violations: Sample[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const via = gateways[round % BUS_PROCESSES] as GatewayProcess;
      const t0 = performance.now();
      await admin(via, { status: 'revoked', reason: 'propagation test', clause: 'ToS §2.3' });
      const t1 = performance.now();
      await until(() => gateways.every((_, g) => deniedAfter(g, t1)), `round ${round}: every gateway to deny`, 5_000);
      // Let a full second pass, so any gateway still admitting past the limit would show up.
      await until(() => performance.now() > t1 + LIMIT_MS + 100, 'the limit to pass', 5_000);
      const r0 = performance.now();
      await admin(via, { status: 'active', reason: 'propagation test over' });
      const r1 = performance.now();
      for (const s of load.samples) if (s.status === 200 && s.sent > t1 + LIMIT_MS && s.sent < r0) violations.push(s);
      gateways.forEach((_, g) => {
        // When this gateway was last seen admitting, and first seen denying, relative to the call's return.
        const firstDenied = Math.min(...load.samples.filter((s) => s.gateway === g && s.sent >= t0 && s.code === 'org_revoked').map((s) => s.answered));
        const delay = Math.max(0, firstDenied - t1);
        (g < BUS_PROCESSES ? busDelays : lostBusDelays).push(delay);
      });
      await until(() => gateways.every((_, g) => admittedAfter(g, r1)), `round ${round}: every gateway to admit again`, 5_000);
    }
    const ms = (v: number) => Math.round(v * 10) / 10;
    const report = {
      rounds: ROUNDS,
      requests: load.sent,
      bus: { samples: busDelays.length, p50: ms(percentile(busDelays, 50)), p99: ms(percentile(busDelays, 99)), max: ms(Math.max(...busDelays)) },
      lostBus: { versionCheckMs: LOST_BUS_VERSION_CHECK_MS, p50: ms(percentile(lostBusDelays, 50)), p99: ms(percentile(lostBusDelays, 99)), max: ms(Math.max(...lostBusDelays)) },
    };
    console.log(`# propagation ${JSON.stringify(report)}`);
    assert.deepEqual(violations, [], 'a gateway admitted the revoked org more than 1 s after the revocation call returned');
    assert.ok(Math.max(...busDelays) <= LIMIT_MS, `bus propagation ${Math.max(...busDelays)} ms > ${LIMIT_MS} ms`);
    assert.ok(Math.max(...lostBusDelays) <= LOST_BUS_VERSION_CHECK_MS + VERSION_CHECK_MARGIN_MS, `version-check healing took ${Math.max(...lostBusDelays)} ms`);
  } finally {
    await load.stop();
  }
});
