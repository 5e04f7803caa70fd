// Two gateway processes (`moat start`) behind one address share who owns each batch and file through Redis: a
// file uploaded through one is batched through the other, a batch created through one is read, its results
// fetched (and metered once) through the other, and another org still gets 404 everywhere.
// Needs MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL; skips visibly without them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI, { toFile } from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { stringify } from 'yaml';
import { runApply } from '../../src/cli/commands/policy.js';
import { demoUpstreamConfigs, startDemoUpstream, type DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../propagation/gateway-processes.js';
import { captureIo } from '../support/cli-output.js';
import { freshSchema } from '../support/fresh-schema.js';

const DB = process.env.MOAT_TEST_DATABASE_URL;
const REDIS = process.env.MOAT_TEST_REDIS_URL;
const skip = !DB || !REDIS ? 'MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL are needed: batch scale-out test skipped' : false;
if (skip) console.log(`# SKIP ${skip}`);

const run = randomBytes(5).toString('hex');
const ADMIN = `batch-so-admin-${run}`;
let schema: { url: string; drop(): Promise<void> } | undefined;
let dir = '';
let demo: DemoUpstream | undefined;
const gateways: GatewayProcess[] = [];
const keys = new Map<string, string>();

before(async () => {
  if (skip) return;
  schema = await freshSchema(DB as string, 'moat_batch');
  demo = await startDemoUpstream({ models: ['gpt-4o', 'claude-sonnet-4'] });
  const base = {
    databaseUrl: schema.url,
    redisUrl: REDIS,
    adminToken: ADMIN,
    server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 200 },
    demoUpstream: { enabled: false },
    upstreams: demoUpstreamConfigs(demo.url, ['gpt-4o', 'claude-sonnet-4']),
    log: { level: 'silent' },
    view: { changeChannel: `moat:test:batch-so:${run}` },
  };
  gateways.push(await startGatewayProcess('batch0', base));
  gateways.push(await startGatewayProcess('batch1', base));
  dir = mkdtempSync(join(tmpdir(), 'moat-batch-so-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, stringify({ tiers: { default: {} }, orgs: [{ id: `a_${run}`, name: 'A', tier: 'default' }, { id: `b_${run}`, name: 'B', tier: 'default' }], keys: [{ name: 'k', org: `a_${run}` }, { name: 'k', org: `b_${run}` }] }));
  const io = captureIo();
  const code = await runApply(file, { url: gateways[0]!.url, token: ADMIN, force: true }, io);
  if (code !== 0) throw new Error(`policy apply failed: ${io.stderr}`);
  for (const m of io.stdout.matchAll(/^New API key (\S+): (\S+)/gm)) keys.set(m[1] as string, m[2] as string);
});

after(async () => {
  await Promise.allSettled(gateways.map((g) => g.stop()));
  await demo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (skip) return;
  await schema?.drop();
  // The registry's entries of this run's orgs (they would expire in batches.trackedForMs).
  const r = new Redis(REDIS as string);
  let cursor = '0';
  do {
    const [next, found] = await r.scan(cursor, 'MATCH', 'moat:batches:*', 'COUNT', 1000);
    cursor = next;
    for (const k of found) {
      const v = k.includes(':metered:') ? null : await r.get(k).catch(() => null);
      if (k.includes(run) || v?.includes(run)) await r.del(k, k.replace(':id:', ':metered:'));
    }
  } while (cursor !== '0');
  r.disconnect();
});

async function reachable(url: string, key: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    await res.text();
    if (res.ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the key never reached ${url}`);
}

test('a batch and its files created through one gateway are used through the other, for their org only', { skip, timeout: 60_000 }, async () => {
  const keyA = [...keys.entries()].find(([n]) => n.startsWith(`a_${run}`))?.[1] as string;
  const keyB = [...keys.entries()].find(([n]) => n.startsWith(`b_${run}`))?.[1] as string;
  assert.ok(keyA && keyB, `keys printed: ${[...keys.keys()].join(', ')}`);
  for (const g of gateways) await reachable(g.url, keyA);
  const [g0, g1] = gateways as [GatewayProcess, GatewayProcess];
  const oa = (g: GatewayProcess, key = keyA) => new OpenAI({ apiKey: key, baseURL: `${g.url}/v1`, maxRetries: 0 });
  const line = JSON.stringify({ custom_id: 'x', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'scaled out' }] } });
  const file = await oa(g0).files.create({ file: await toFile(Buffer.from(line), 'x.jsonl'), purpose: 'batch' });
  const batch = await oa(g1).batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const done = await oa(g0).batches.retrieve(batch.id);
  assert.match(await (await oa(g1).files.content(done.output_file_id!)).text(), /You said: scaled out/);
  await assert.rejects(oa(g1, keyB).batches.retrieve(batch.id), (e: { status?: number }) => e.status === 404);
  const an = (g: GatewayProcess, key = keyA) => new Anthropic({ apiKey: key, baseURL: g.url, maxRetries: 0 });
  const ab = await an(g1).messages.batches.create({ requests: [{ custom_id: 'y', params: { model: 'claude-sonnet-4', max_tokens: 20, messages: [{ role: 'user', content: 'also here' }] } }] });
  const got = await an(g0).messages.batches.retrieve(ab.id);
  assert.equal(got.results_url, `${g0.url}/v1/messages/batches/${ab.id}/results`);
  const results = [];
  for await (const r of await an(g0).messages.batches.results(ab.id)) results.push(r.custom_id);
  assert.deepEqual(results, ['y']);
  await assert.rejects(an(g0, keyB).messages.batches.results(ab.id), (e: { status?: number }) => e.status === 404);
});
