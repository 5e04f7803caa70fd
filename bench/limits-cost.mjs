// Cost of a limit check in the hot path: microseconds added per request (admit + settle) for the memory and
// Redis backends, and Redis round trips per admission (counted by the limiter and by INFO commandstats).
// Run: node --import tsx bench/limits-cost.mjs [redis://127.0.0.1:6379]
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { MemoryLimiter } from '../src/limits/memory-limiter.ts';
import { createRedisLimiter } from '../src/limits/redis-limiter.ts';
import { LimitsConfigSchema } from '../src/limits/limits-schema.ts';

const url = process.argv[2] ?? process.env.MOAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// A realistic set: 7 limits per request (key rpm/itpm/otpm/concurrency, key 5 h anchored, org rpm, org 7 d).
const limits = LimitsConfigSchema.parse({
  tiers: {
    free: {
      key: { requestsPerMinute: 1e9, inputTokensPerMinute: 1e12, outputTokensPerMinute: 1e12, concurrentRequests: 1e6, windows: [{ name: '5h', mode: 'anchored', duration: '5h', tokens: 1e12 }] },
      org: { requestsPerMinute: 1e9, windows: [{ name: '7d', duration: '7d', tokens: 1e12 }] },
    },
  },
});
const facts = (i) => ({
  api: 'openai', endpoint: '/v1/chat/completions', model: 'demo-gpt', stream: false, orgId: 'org_bench', keyId: `key_${i % 50}`,
  toolNames: [], toolTypes: [], params: {}, maxTokens: 256, inputTokensEstimate: 300, anthropicBeta: [], ip: '127.0.0.1', now: Date.now(),
});

async function measure(name, limiter, n) {
  for (let i = 0; i < 200; i++) (await limiter.admit({ facts: facts(i), tier: 'free', features: [] })).ticket.settle({ inputTokens: 1, outputTokens: 1 });
  let admitUs = 0;
  let settleUs = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = await limiter.admit({ facts: facts(i), tier: 'free', features: [] });
    const t1 = performance.now();
    if (!r.ok) throw new Error(r.error.message);
    await r.ticket.settle({ inputTokens: 280, outputTokens: 120 });
    settleUs += (performance.now() - t1) * 1000;
    admitUs += (t1 - t0) * 1000;
  }
  console.log(`${name.padEnd(28)} admit ${(admitUs / n).toFixed(1).padStart(7)} µs   settle ${(settleUs / n).toFixed(1).padStart(7)} µs   (n=${n}, 7 limits/request)`);
}

const mem = new MemoryLimiter({ limits: () => limits });
await measure('memory', mem, 50_000);
await mem.close();

const prefix = `moat:bench:${randomUUID().slice(0, 8)}:`;
const admin = new Redis(url);
const stat = async () => {
  const info = await admin.info('commandstats');
  const m = /cmdstat_evalsha:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
};
const redis = await createRedisLimiter({ url, keyPrefix: prefix, limits: () => limits, timeoutMs: 2000 });
const n = 5_000;
await measure('redis (loopback)', redis, n);
const evalshaBefore = await stat();
const rtBefore = redis.roundTrips;
for (let i = 0; i < 1000; i++) {
  const r = await redis.admit({ facts: facts(i), tier: 'free', features: [] });
  await r.ticket.settle({ inputTokens: 1, outputTokens: 1 });
}
const evalshaDelta = (await stat()) - evalshaBefore;
console.log(`redis round trips per admission + settle: limiter count ${((redis.roundTrips - rtBefore) / 1000).toFixed(2)}, INFO commandstats evalsha ${(evalshaDelta / 1000).toFixed(2)} (1000 requests; admission 1, settle 1)`);

// Throughput with 32 requests in flight (pipelined over one connection).
const t0 = performance.now();
let done = 0;
await Promise.all(Array.from({ length: 32 }, async () => {
  while (done < 10_000) {
    done++;
    const r = await redis.admit({ facts: facts(done), tier: 'free', features: [] });
    await r.ticket.settle({ inputTokens: 1, outputTokens: 1 });
  }
}));
console.log(`redis, 32 in flight:         ${(10_000 / ((performance.now() - t0) / 1000)).toFixed(0)} admit+settle per second`);
await redis.close();
let cursor = '0';
do {
  const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length) await admin.del(...keys);
} while (cursor !== '0');
admin.disconnect();
