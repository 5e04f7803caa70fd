// Cost of a limit check in the hot path: microseconds added per request (admit + settle) for the memory and
// Redis backends, Redis round trips per request, and next to them what Redis itself costs: the loopback
// round-trip floor (bare PING on the limiter's own client) and the server time of each script call
// (INFO commandstats), so readers see what is Redis and what is Moat.
// Run: node --import tsx bench/limits-cost.mjs [redis://127.0.0.1:6379]
// Admit times include building the response headers (the ticket builds them on first read). Before measuring,
// one minute of traffic is replayed (injected request times) so per-minute counters are full, as on a busy gateway.
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { MemoryLimiter } from '../src/limits/memory-limiter.ts';
import { RedisLimiter } from '../src/limits/redis-limiter.ts';
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
const facts = (i, now = Date.now()) => ({
  api: 'openai', endpoint: '/v1/chat/completions', model: 'demo-gpt', stream: false, orgId: 'org_bench', keyId: `key_${i % 50}`,
  toolNames: [], toolTypes: [], params: {}, maxTokens: 256, inputTokensEstimate: 300, anthropicBeta: [], ip: '127.0.0.1', now,
});
const admitInput = (i, now) => ({ facts: facts(i, now), tier: 'free', features: [] });

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const us = (ms) => (ms * 1000).toFixed(1).padStart(6);
const line = (name, admit, settle, n) =>
  console.log(`${name.padEnd(18)} admit median ${us(median(admit))} µs (mean ${us(mean(admit))})   settle median ${us(median(settle))} µs (mean ${us(mean(settle))})   n=${n}`);

async function measure(name, limiter, n) {
  // Steady state of a busy gateway: the last minute already holds traffic in every 1 s bucket of every
  // per-minute counter (50 keys, one request per key per second, plus the shared org counter).
  const start = Date.now() - 60_000;
  for (let i = 0; i < 3_000; i++) {
    const r = await limiter.admit(admitInput(i, start + i * 20));
    void r.ticket.headers;
    await r.ticket.settle({ inputTokens: 280, outputTokens: 120 });
  }
  const admit = [];
  const settle = [];
  for (let i = 0; i < n; i++) {
    const inp = admitInput(i);
    const t0 = performance.now();
    const r = await limiter.admit(inp);
    if (!r.ok) throw new Error(r.error.message);
    if (r.ticket.headers['x-ratelimit-limit-requests'] === undefined) throw new Error('no rate-limit headers');
    const t1 = performance.now();
    await r.ticket.settle({ inputTokens: 280, outputTokens: 120 });
    settle.push(performance.now() - t1);
    admit.push(t1 - t0);
  }
  line(name, admit, settle, n);
}

console.log(`node ${process.version}, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, 7 limits/request, sequential`);
const mem = new MemoryLimiter({ limits: () => limits });
await measure('memory', mem, 100_000);
await mem.close();

const prefix = `moat:bench:${randomUUID().slice(0, 8)}:`;
const admin = new Redis(url);
const evalshaStats = async () => {
  const m = /cmdstat_evalsha:calls=(\d+),usec=(\d+)/.exec(await admin.info('commandstats'));
  return m ? { calls: Number(m[1]), usec: Number(m[2]) } : { calls: 0, usec: 0 };
};
// The same client options as createRedisLimiter, built here so the PING floor is measured on the limiter's client.
const client = new Redis(url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2000, commandTimeout: 2000 });
await new Promise((resolve) => client.once('ready', resolve));
const redis = new RedisLimiter({ redis: client, keyPrefix: prefix, limits: () => limits });

const pings = [];
for (let i = 0; i < 7_000; i++) {
  const t0 = performance.now();
  await client.ping();
  if (i >= 2_000) pings.push(performance.now() - t0);
}
console.log(`${'redis PING floor'.padEnd(18)} median ${us(median(pings))} µs (mean ${us(mean(pings))})   n=${pings.length} (loopback round trip on the limiter's client)`);

await measure('redis (loopback)', redis, 5_000);

// Round trips, counted by the limiter and by Redis, and Redis's own time per script call (admit, then settle).
const rtBefore = redis.roundTrips;
const s0 = await evalshaStats();
const tickets = [];
for (let i = 0; i < 1000; i++) tickets.push((await redis.admit(admitInput(i))).ticket);
const s1 = await evalshaStats();
for (const t of tickets) await t.settle({ inputTokens: 280, outputTokens: 120 });
const s2 = await evalshaStats();
const perReq = (x) => (x / 1000).toFixed(2);
console.log(
  `redis round trips per request: limiter count ${perReq(redis.roundTrips - rtBefore)}, INFO commandstats evalsha ${perReq(s2.calls - s0.calls)} (admit 1, settle 1); ` +
    `Redis server time per call: admit script ${((s1.usec - s0.usec) / (s1.calls - s0.calls)).toFixed(1)} µs, settle script ${((s2.usec - s1.usec) / (s2.calls - s1.calls)).toFixed(1)} µs`,
);

// Throughput with 32 requests in flight (pipelined over one connection).
const t0 = performance.now();
let done = 0;
await Promise.all(
  Array.from({ length: 32 }, async () => {
    while (done < 10_000) {
      done++;
      const r = await redis.admit(admitInput(done));
      await r.ticket.settle({ inputTokens: 1, outputTokens: 1 });
    }
  }),
);
console.log(`redis, 32 in flight: ${(10_000 / ((performance.now() - t0) / 1000)).toFixed(0)} admit+settle per second`);
await redis.close();
let cursor = '0';
do {
  const [next, keys] = await admin.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
  cursor = next;
  if (keys.length) await admin.del(...keys);
} while (cursor !== '0');
admin.disconnect();
