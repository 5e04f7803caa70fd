// Three gateway processes, each with its own RedisLimiter on the machine's real Redis, hammer one key:
// admitted requests and tokens stay within the limit plus the documented bound, and nothing leaks.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { LimitsConfigSchema } from '../../src/limits/limits-schema.js';
import { cleanupRedis, REDIS_URL, redisSkip, runPrefix } from './redis-test-support.js';

after(cleanupRedis);

const worker = fileURLToPath(new URL('./limits-worker.ts', import.meta.url));

type WorkerResult = { admitted: number; outputUsed: number; excess: number; holds: Array<[number, number]> };

function start(env: object): { ready: Promise<void>; go: () => void; done: Promise<WorkerResult> } {
  const p = spawn(process.execPath, ['--import', 'tsx', worker], { env: { ...process.env, LIMITS_WORKER: JSON.stringify(env) }, stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onReady = r));
  p.stdout.on('data', (d) => {
    out += d;
    if (out.startsWith('ready\n')) onReady();
  });
  const done = new Promise<WorkerResult>((resolve, reject) =>
    p.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop()!)) : reject(new Error(`worker exit ${code}`)))),
  );
  return { ready, go: () => p.stdin.write('go\n'), done };
}

function maxOverlap(intervals: Array<[number, number]>): number {
  const ev = intervals.flatMap(([a, b]) => [[a, 1], [b, -1]] as Array<[number, number]>).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let cur = 0;
  let max = 0;
  for (const [, d] of ev) max = Math.max(max, (cur += d));
  return max;
}

test('[redis] 3 processes on one key: requests exactly at the limit, tokens within limit + excess over reservations, concurrency held, no leak', { skip: redisSkip, timeout: 60_000 }, async () => {
  const limits = { tiers: { free: { key: { requestsPerMinute: 150, outputTokensPerMinute: 20_000, concurrentRequests: 6 } } } };
  const prefix = `${runPrefix}mp:`;
  const workers = [1, 2, 3].map((seed) => start({ url: REDIS_URL, prefix, limits, requests: 400, parallel: 8, seed }));
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  const results = await Promise.all(workers.map((w) => w.done));
  const admitted = results.reduce((s, r) => s + r.admitted, 0);
  console.log(`# multi-process: admitted per process ${results.map((r) => r.admitted).join("/")}`);
  const used = results.reduce((s, r) => s + r.outputUsed, 0);
  const excess = results.reduce((s, r) => s + r.excess, 0);
  console.log(`# admitted ${admitted}, output used ${used}, excess ${excess}`);
  assert.ok(results.every((r) => r.admitted > 0), 'all three processes took part');
  assert.ok(admitted <= 150, `admitted ${admitted}`);
  assert.ok(used > 15_000, 'the token limit was actually reached');
  assert.ok(used <= 20_000 + excess, `output ${used} > 20000 + ${excess}`);
  // Intervals certainly holding a slot (after admit resolved, before settle was called) never exceed 6.
  assert.ok(maxOverlap(results.flatMap((r) => r.holds)) <= 6);
  // No leak: after every ticket settled, the shared counters hold exactly the real usage, and no slot.
  const l = await createRedisLimiter({ url: REDIS_URL!, keyPrefix: prefix, limits: () => LimitsConfigSchema.parse(limits) });
  try {
    const st = await l.peek({ orgId: 'org_mp', keyId: 'key_mp', tier: 'free' });
    const by = (pred: (k: string) => boolean) => st.find((s) => pred(s.limit.counter))!;
    assert.equal(by((c) => c.endsWith('rate:output_tokens')).used, used);
    assert.equal(by((c) => c.endsWith('rate:requests')).used, admitted);
    assert.equal(by((c) => c.endsWith('concurrency')).used, 0);
  } finally {
    await l.close();
  }
});
