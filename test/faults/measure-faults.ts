// Measures the figures of docs/reliability.md on this machine (PostgreSQL and Redis required):
//   MOAT_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test MOAT_TEST_REDIS_URL=redis://127.0.0.1:6379 \
//     npx tsx test/faults/measure-faults.ts [--runs 5] [--only admin,revocation,staleness,kill9,leases,failopen]
// Gateways are in-process (startMoat) except for kill -9, which needs its own process. Prints one JSON line
// per scenario.
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { FaultProxy } from './fault-proxy.js';
import { ADMIN_TOKEN, ask, closeSharedDemo, DATABASE_URL, eventually, freshSchema, orgWithKey, REDIS_URL, startFaultGateway } from './fault-gateway.js';
import { startGatewayProcess } from '../propagation/gateway-processes.js';
import { adminCall } from '../support/admin-call.js';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { limitsDoc, input, TestClock } from '../limits/limit-fixtures.js';

if (!DATABASE_URL || !REDIS_URL) throw new Error('set MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL');
const arg = (name: string, def: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? (process.argv[i + 1] as string) : def;
};
const RUNS = Number(arg('runs', '5'));
const ONLY = new Set(arg('only', 'admin,revocation,staleness,kill9,leases,failopen').split(','));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
  return { n: s.length, p50: Math.round(q(0.5)), p99: Math.round(q(0.99)), max: Math.round(s[s.length - 1] ?? NaN) };
};
const report = (name: string, v: unknown) => process.stdout.write(`${JSON.stringify({ scenario: name, ...(v as object) })}\n`);
const channel = () => `moat:measure:${randomBytes(4).toString('hex')}`;

/** Admin write latency (revocation) with the gateway's Redis healthy, blackholed and refusing. */
async function adminWrites() {
  const schema = await freshSchema(DATABASE_URL!);
  const redis = await FaultProxy.start(REDIS_URL!);
  const g = await startFaultGateway({ databaseUrl: schema.url, redisUrl: redis.via(REDIS_URL!), 'view.changeChannel': channel(), 'limits.backend': 'memory' });
  const org = await orgWithKey(g, 'writes');
  const out: Record<string, unknown> = {};
  for (const mode of ['healthy', 'blackhole', 'refuse'] as const) {
    if (mode === 'blackhole') redis.blackhole();
    if (mode === 'refuse') await redis.restore().then(() => redis.refuse());
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      const r = await g.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: i % 2 ? 'active' : 'revoked', reason: 'measure' });
      if (r.status !== 200) throw new Error(r.text);
      ms.push(performance.now() - t);
    }
    out[mode] = stats(ms);
  }
  await redis.restore();
  await g.close();
  await redis.close();
  await schema.drop();
  report('admin-write-latency-ms', out);
}

/**
 * Revocation reaching another gateway: time from the call's return to the first refusal there, through the
 * Redis bus (version check 500 ms) and with that gateway's Redis cut (only the version check).
 */
async function revocation() {
  const out: Record<string, unknown> = {};
  for (const path of ['redis-bus', 'redis-cut'] as const) {
    const schema = await freshSchema(DATABASE_URL!);
    const redisB = await FaultProxy.start(REDIS_URL!);
    const ch = channel();
    const common = { databaseUrl: schema.url, 'view.changeChannel': ch, 'limits.backend': 'memory', 'view.versionCheckMs': 500 };
    const a = await startFaultGateway({ ...common, redisUrl: REDIS_URL });
    const b = await startFaultGateway({ ...common, redisUrl: redisB.via(REDIS_URL!) });
    const org = await orgWithKey(a, 'revoked');
    await eventually(async () => (await ask(b.url, org.secret)).status === 200, 10_000, 'b knows the key');
    if (path === 'redis-cut') await redisB.refuse();
    const delays: number[] = [];
    for (let i = 0; i < RUNS * 4; i++) {
      let denied = 0;
      let stop = false;
      let returned = 0;
      const probe = (async () => {
        while (!stop) {
          const r = await ask(b.url, org.secret);
          if (r.code === 'org_revoked' && returned) {
            denied = performance.now();
            return;
          }
        }
      })();
      const res = await a.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: 'revoked', reason: 'measure' });
      returned = performance.now();
      if (res.status !== 200) throw new Error(res.text);
      await Promise.race([probe, sleep(5_000)]);
      stop = true;
      await probe;
      delays.push(denied ? denied - returned : 5_000);
      await a.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: 'active', reason: 'measure' });
      await eventually(async () => (await ask(b.url, org.secret)).status === 200, 5_000, 'reinstated');
    }
    out[path] = stats(delays);
    await a.close();
    await b.close();
    await redisB.close();
    await schema.drop();
  }
  report('revocation-after-return-ms', out);
}

/** A gateway cut off from PostgreSQL and Redis: when it starts refusing, against the bound. */
async function staleness() {
  const bound = 5_000;
  const times: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const schema = await freshSchema(DATABASE_URL!);
    const pg = await FaultProxy.start(DATABASE_URL!);
    const redis = await FaultProxy.start(REDIS_URL!);
    const g = await startFaultGateway({ databaseUrl: pg.via(schema.url), redisUrl: redis.via(REDIS_URL!), 'view.changeChannel': channel(), 'limits.backend': 'memory', 'view.maxStalenessMs': bound });
    const org = await orgWithKey(g, 'partitioned');
    await sleep(Math.random() * 500); // cut at a random point of the check period
    const cut = performance.now();
    pg.blackhole();
    redis.blackhole();
    let refusedAt = 0;
    let notReadyAt = 0;
    while (!refusedAt || !notReadyAt) {
      if (!refusedAt && (await ask(g.url, org.secret)).code === 'access_unconfirmed') refusedAt = performance.now();
      if (!notReadyAt && (await fetch(`${g.url}/readyz`)).status === 503) notReadyAt = performance.now();
      await sleep(20);
    }
    times.push(refusedAt - cut);
    ready.push(notReadyAt - cut);
    await pg.restore();
    await redis.restore();
    await g.close();
    await pg.close();
    await redis.close();
    await schema.drop();
  }
  report('staleness-after-cut-ms', { boundMs: bound, firstRefusal: stats(times), readyzRed: stats(ready) });
}

/** kill -9 under steady load on the embedded store: requests admitted vs usage recorded after the restart. */
async function kill9() {
  const runs: Array<{ sent: number; recorded: number; lost: number; lostOfLast2s: string }> = [];
  for (let i = 0; i < RUNS; i++) {
    const p = await startGatewayProcess('measure-kill9', { adminToken: ADMIN_TOKEN, server: { host: '127.0.0.1', port: 0 }, demoUpstream: { models: ['gpt-4o'] }, detection: { enabled: false }, log: { level: 'silent' } });
    const org = await orgWithKey(p, 'load');
    let sent = 0;
    const sentAt: number[] = [];
    const until = Date.now() + 3_000 + Math.random() * 2_000;
    while (Date.now() < until) {
      if ((await ask(p.url, org.secret)).status === 200) {
        sent++;
        sentAt.push(Date.now());
      }
    }
    const killedAt = Date.now();
    const exited = new Promise((r) => p.child.once('exit', r));
    p.child.kill('SIGKILL');
    await exited;
    const g = await startFaultGateway({}, { dataDir: p.dataDir });
    const usage = (await adminCall(g.url, ADMIN_TOKEN, 'GET', `/admin/usage?org=${org.orgId}`)).json.usage as Array<{ requests: number }>;
    const recorded = usage.reduce((n, r) => n + r.requests, 0);
    await g.close();
    await p.stop();
    const last2s = sentAt.filter((t) => t > killedAt - 2_000).length;
    runs.push({ sent, recorded, lost: sent - recorded, lostOfLast2s: `${Math.round((100 * (sent - recorded)) / Math.max(1, last2s))}%` });
  }
  report('kill9-usage', { flushMs: 2_000, runs });
}

/** Lease recovery: after a Redis blip (slots released on recovery) and after a gateway dies (lease expiry). */
async function leases() {
  const doc = { tiers: { free: { key: { concurrentRequests: 2 } } } };
  const blip: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const proxy = await FaultProxy.start(REDIS_URL!);
    const clock = { now: () => Date.now() };
    const l = await createRedisLimiter({ url: proxy.via(REDIS_URL!), limits: () => limitsDoc(doc), keyPrefix: `moat:measure:${randomBytes(4).toString('hex')}:`, timeoutMs: 300 });
    const tc = new TestClock();
    const req = () => ({ ...input(tc), facts: { ...input(tc).facts, now: clock.now() } });
    const held = [await l.admit(req()), await l.admit(req())];
    await proxy.refuse();
    for (const h of held) if (h.ok) await h.ticket.settle({ inputTokens: 1, outputTokens: 1 });
    await sleep(4_000); // the 4 s blip of the report
    await proxy.restore();
    const back = performance.now();
    // Admissions answered locally (fail-open) while the client reconnects do not count: wait for Redis's.
    while (!((await l.admit(req())).ok && l.leaseState.redisUp && l.leaseState.owedReleases === 0)) await sleep(20);
    blip.push(performance.now() - back);
    await l.close();
    await proxy.close();
  }
  const crash: number[] = [];
  for (let i = 0; i < Math.min(RUNS, 3); i++) {
    const prefix = `moat:measure:${randomBytes(4).toString('hex')}:`;
    const mk = () => createRedisLimiter({ url: REDIS_URL!, limits: () => limitsDoc({ tiers: { free: { key: { concurrentRequests: 1 } } } }), keyPrefix: prefix });
    const a = await mk();
    const b = await mk();
    const tc = new TestClock();
    const req = () => ({ ...input(tc), facts: { ...input(tc).facts, now: Date.now() } });
    await a.admit(req());
    await a.close(); // dies holding the slot: no settle, no renewal
    const died = performance.now();
    while (!(await b.admit(req())).ok) await sleep(100);
    crash.push(performance.now() - died);
    await b.close();
  }
  report('lease-recovery-ms', { afterRedisBlip: stats(blip), afterGatewayDeath: stats(crash), leaseMs: 15_000 });
}

/**
 * Fail-open through an outage: admitted in one window by N limiters sharing counters, against N x L. Before
 * the outage either every gateway served the key (each saw the shared usage) or only the first did.
 */
async function failopen() {
  const L = 20;
  const out: Array<{ n: number; before: string; admitted: number; bound: number }> = [];
  for (const n of [2, 3])
    for (const before of ['all gateways', 'one gateway'] as const) {
      const proxy = await FaultProxy.start(REDIS_URL!);
      const clock = new TestClock();
      const prefix = `moat:measure:${randomBytes(4).toString('hex')}:`;
      const ls = await Promise.all(Array.from({ length: n }, () => createRedisLimiter({ url: proxy.via(REDIS_URL!), limits: () => limitsDoc({ tiers: { free: { key: { requestsPerMinute: L } } } }), now: clock.now, keyPrefix: prefix, timeoutMs: 300 })));
      let admitted = 0;
      const drive = async (which: typeof ls) => {
        for (const l of which)
          for (let i = 0; i < L + 5; i++) {
            const r = await l.admit(input(clock));
            if (r.ok) admitted++;
            clock.advance(50);
          }
      };
      await drive(before === 'all gateways' ? ls : ls.slice(0, 1)); // shared
      await proxy.refuse();
      await drive(ls); // outage: local counters
      await proxy.restore();
      await sleep(1_500); // reconnect
      await drive(ls); // shared again, same minute
      out.push({ n, before, admitted, bound: n * L });
      await Promise.all(ls.map((l) => l.close()));
      await proxy.close();
    }
  report('fail-open-one-minute', { limit: L, runs: out });
}

if (ONLY.has('admin')) await adminWrites();
if (ONLY.has('revocation')) await revocation();
if (ONLY.has('staleness')) await staleness();
if (ONLY.has('kill9')) await kill9();
if (ONLY.has('leases')) await leases();
if (ONLY.has('failopen')) await failopen();
await closeSharedDemo();
process.exit(0);
