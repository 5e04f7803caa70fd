// Scale-out detection end to end: 2 real gateway processes (`moat start`) share PostgreSQL
// and Redis with `detection.mode: streams`; 2 real `moat detect` workers judge the events. Simulator traffic
// (a hydra cluster whose accounts are split over both gateways, plus ordinary and misuse actors) alternates
// between the gateways. The workers' verdicts — labels per org and cluster membership, read from their
// checkpoints after SIGTERM and from their label output — must equal `replayTrace` of the same traffic, i.e.
// of the very trace lines the gateways published. Needs MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { runApply } from '../../src/cli/commands/policy.js';
import { UpstreamSchema } from '../../src/config/schema.js';
import { startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import type { LinkClusterEntry } from '../../src/detection/linkage/linker.js';
import type { OrgState } from '../../src/detection/org-record.js';
import { replayTrace } from '../../src/detection/replay.js';
import { partitionOf, streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { SIM_MODELS } from '../../src/simulator/trace-request.js';
import { simulate } from '../../src/simulator/scenarios.js';
import { runMigrations } from '../../src/store/migrate.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import { startGatewayProcess, type GatewayProcess } from '../propagation/gateway-processes.js';
import { policyFor, simRequest, splitTrace, waitFor } from './sim-gateway.js';
import { captureIo } from '../support/cli-output.js';

const DB = process.env.MOAT_TEST_DATABASE_URL;
const REDIS = process.env.MOAT_TEST_REDIS_URL;
const skip = !DB || !REDIS ? 'MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL are needed: 2 gateways + 2 detect workers test skipped' : false;
if (skip) console.log(`# SKIP ${skip}`);

const ROOT = resolve(import.meta.dirname, '../..');
const ADMIN = `scale-admin-${randomBytes(8).toString('hex')}`;
const P = 4;
const run = randomBytes(6).toString('hex');
const schema = `moat_scale_${run}`;
const prefix = `moat:test:scale:${run}`;
const ALL_MODELS = [...SIM_MODELS.openai, ...SIM_MODELS.anthropic];

let driver: PostgresDriver | undefined;
let demo: DemoUpstream | undefined;
let redis: Redis | undefined;
const gateways: GatewayProcess[] = [];
const workers: Array<{ child: ChildProcess; out: () => string; err: () => string }> = [];

function withSearchPath(url: string, s: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${s}`)}`;
}

/** `moat detect` from the TypeScript sources, as a real process; resolves once it reports its partitions. */
async function startWorker(i: number): Promise<(typeof workers)[number]> {
  const entry = `import('${join(ROOT, 'src/cli/main.ts')}').then((m) => m.main([process.argv[0], 'moat', ...process.argv.slice(1)]))`;
  // The streams are kept: the replay below reads every published line back from them.
  const args = ['detect', '--redis', REDIS!, '--prefix', prefix, '--partitions', String(P), '--worker', String(i), '--workers', '2', '--checkpoint-ms', '1000', '--keep-streams'];
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  await waitFor(() => err.includes('owns partitions') || child.exitCode !== null, 30_000, `worker ${i} to start`);
  if (child.exitCode !== null) throw new Error(`worker ${i} exited: ${err}`);
  return { child, out: () => out, err: () => err };
}

async function stopWorker(w: (typeof workers)[number]): Promise<void> {
  if (w.child.exitCode !== null) return;
  const exited = new Promise<void>((r) => w.child.once('exit', () => r()));
  w.child.kill('SIGTERM');
  const t = setTimeout(() => w.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

before(async () => {
  if (skip) return;
  const c = new pg.Client({ connectionString: DB });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  driver = new PostgresDriver({ url: DB as string, schema, max: 2 });
  await runMigrations(driver);
  redis = new Redis(REDIS!, { maxRetriesPerRequest: 2 });
  demo = await startDemoUpstream({ models: ALL_MODELS });
  const config = {
    databaseUrl: withSearchPath(DB as string, schema),
    redisUrl: REDIS,
    adminToken: ADMIN,
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200, trustProxy: true },
    demoUpstream: { enabled: false },
    upstreams: [
      UpstreamSchema.parse({ name: 'demo-openai', api: 'openai', baseUrl: demo.url, models: [...SIM_MODELS.openai] }),
      UpstreamSchema.parse({ name: 'demo-anthropic', api: 'anthropic', baseUrl: demo.url, models: [...SIM_MODELS.anthropic] }),
    ],
    log: { level: 'silent' },
    limits: { backend: 'memory' },
    view: { changeChannel: `${prefix}:changes` },
    detection: { mode: 'streams', streamPrefix: prefix, partitions: P },
  };
  const [g, w] = await Promise.all([
    Promise.all([startGatewayProcess('scale-gw0', config), startGatewayProcess('scale-gw1', config)]),
    Promise.all([startWorker(0), startWorker(1)]),
  ]);
  gateways.push(...g);
  workers.push(...w);
});

after(async () => {
  await Promise.allSettled([...workers.map(stopWorker), ...gateways.map((g) => g.stop())]);
  await demo?.close();
  await driver?.close();
  if (redis) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
  if (!skip) {
    const c = new pg.Client({ connectionString: DB });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
});

test('2 gateway processes + 2 `moat detect` workers reach the verdicts of replaying the same traffic', { skip, timeout: 120_000 }, async (t) => {
  const { lines, labels } = simulate({ scenario: 'mixed', seed: 3, split: 'tune', scale: 0.3, families: ['competitor_sweep', 'hydra', 'small_developers', 'support_bot', 'safety_sweep'] });
  const { orgs, requests } = splitTrace(lines);
  const hydra = labels.actors.find((a) => a.actor === 'hydra')!.orgs;
  assert.ok(hydra.length >= 4, 'a hydra of several accounts');

  // Policy as code through gateway 0; gateway 1 learns it from the shared store and change channel.
  const dir = mkdtempSync(join(tmpdir(), 'moat-scale-'));
  const policyFile = join(dir, 'policy.yaml');
  writeFileSync(policyFile, policyFor(orgs));
  const io = captureIo();
  assert.equal(await runApply(policyFile, { url: gateways[0]!.url, token: ADMIN }, io), 0, io.stderr + io.stdout);
  rmSync(dir, { recursive: true, force: true });
  const keys = new Map([...io.stdout.matchAll(/^New API key (\S+)\/sim: (\S+)/gm)].map((m) => [m[1]!, m[2]!]));

  // Hydra accounts live on one gateway each, alternately; every other org's requests alternate per request.
  const hydraGateway = new Map(hydra.map((o, i) => [o, i % 2]));
  const send = async (line: TraceRequestLine, i: number): Promise<number> => {
    const gw = gateways[hydraGateway.get(line.org) ?? i % 2]!;
    const r = simRequest(line, keys.get(line.org)!, demo!);
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(`${gw.url}${r.path}`, { method: 'POST', headers: r.headers, body: r.body });
      await res.arrayBuffer();
      // 401: the other gateway has not loaded the new keys yet (an unauthenticated request is no org's event).
      if (res.status !== 401 || attempt > 200) return res.status;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const statuses = new Map<number, number>();
  for (let i = 0; i < requests.length; i++) {
    const s = await send(requests[i]!, i);
    statuses.set(s, (statuses.get(s) ?? 0) + 1);
  }
  assert.ok((statuses.get(200) ?? 0) > requests.length / 2, `statuses ${JSON.stringify([...statuses])}`);

  // Wait until every published event was judged and every link record applied.
  const r = redis!;
  const k = streamKeys(prefix);
  const eventCount = async () => (await Promise.all(Array.from({ length: P }, (_, p) => r.xlen(k.events(p))))).reduce((a, b) => a + b, 0);
  let last = -1;
  await waitFor(async () => {
    const n = await eventCount();
    const stable = n === last && n > 0;
    last = n;
    if (!stable) return false;
    for (let p = 0; p < P; p++) {
      const groups = (await r.xinfo('GROUPS', k.events(p))) as unknown[][];
      const g = groups.map((x) => Object.fromEntries(Array.from({ length: x.length / 2 }, (_, j) => [x[2 * j], x[2 * j + 1]]))).find((x) => x.name === 'moat-detect');
      const tail = ((await r.xrevrange(k.events(p), '+', '-', 'COUNT', 1)) as Array<[string, string[]]>)[0]?.[0];
      if (tail && (!g || g['last-delivered-id'] !== tail || Number(g.pending) !== 0)) return false;
    }
    return (await r.xlen(k.links)) >= n;
  }, 60_000, 'the workers to judge every event');
  await Promise.all(workers.map(stopWorker)); // SIGTERM: drain the links stream, write a final checkpoint

  // The workers' verdicts, from their checkpoints (each worker's own orgs) and their label output.
  const workerLabels = new Set<string>();
  const workerClusters: string[][][] = [];
  const judgedBy = new Map<string, number>();
  for (let i = 0; i < 2; i++) {
    const states = Object.values(await r.hgetall(k.checkpointOrgs(`worker-${i}`))).map((j) => JSON.parse(j) as OrgState);
    const local = new Set(states.filter((o) => o.local).map((o) => o.id));
    for (const o of states) if (local.has(o.id)) for (const a of o.activities) workerLabels.add(`${o.id}:${a.label}`);
    for (const id of local) judgedBy.set(id, i);
    const clusters = Object.values(await r.hgetall(k.checkpointLink(`worker-${i}`, 'clusters'))).map((j) => JSON.parse(j) as LinkClusterEntry);
    workerClusters.push(clusters.map((c) => [...c.members].sort()).sort());
    const printed = new Set(workers[i]!.out().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { org: string; label: string }).map((e) => `${e.org}:${e.label}`));
    for (const v of printed) assert.ok(workerLabels.has(v), `worker ${i} printed ${v}`);
  }
  assert.deepEqual(workerClusters[0], workerClusters[1], 'both workers built the same clusters over every account');

  // Replay of the same traffic: exactly the lines the gateways published, in time order.
  const orgLines = ((await r.xrange(k.orgs, '-', '+')) as Array<[string, string[]]>).map(([, f]) => f[1]!);
  const reqLines: TraceRequestLine[] = [];
  for (let p = 0; p < P; p++) for (const [, f] of (await r.xrange(k.events(p), '-', '+')) as Array<[string, string[]]>) reqLines.push(JSON.parse(f[1]!) as TraceRequestLine);
  reqLines.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  assert.equal(reqLines.length, await eventCount());
  // Detection never reads response text, so gateways do not publish it (usage, which it reads, is there).
  assert.ok(reqLines.every((l) => l.response?.usage && !('text' in l.response)), 'published lines carry usage and no response text');
  const report = await replayTrace([...orgLines, ...reqLines.map((l) => JSON.stringify(l))].map((l) => l + '\n'));
  const replayLabels = new Set(report.orgs.flatMap((o) => o.activities.map((a) => `${o.org}:${a.label}`)));
  assert.deepEqual([...workerLabels].sort(), [...replayLabels].sort());
  assert.deepEqual(workerClusters[0], report.clusters.map((c) => [...c.orgs].sort()).sort());

  t.diagnostic(`${reqLines.length} events via 2 gateways; labels ${[...workerLabels].length}; clusters ${JSON.stringify(workerClusters[0]!.map((c) => c.length))}; statuses ${JSON.stringify([...statuses])}; judged by worker 0/1: ${[0, 1].map((i) => [...judgedBy.values()].filter((x) => x === i).length).join('/')}`);
  // The hydra: linked into one cluster across both gateways and both workers, and labelled distillation.
  const hydraCluster = report.clusters.find((c) => hydra.every((h) => c.orgs.includes(h)));
  assert.ok(hydraCluster, `one cluster holds the whole hydra: ${JSON.stringify(report.clusters)}`);
  for (const h of hydra) assert.ok(workerLabels.has(`${h}:distillation`), `${h} labelled distillation`);
  assert.deepEqual(new Set(hydra.map((h) => judgedBy.get(h))), new Set([0, 1]), 'hydra members judged by both workers');
  assert.deepEqual(new Set(hydra.map((h) => partitionOf(h, P) % 2)), new Set([0, 1]));
  assert.ok(workerLabels.has(`${labels.actors.find((a) => a.actor === 'competitor_sweep')!.orgs[0]}:benchmarking`));
});
