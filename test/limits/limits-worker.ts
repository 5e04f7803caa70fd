// Child process of the multi-process accuracy test: one "gateway" hammering one key through its own
// RedisLimiter on the real Redis, with the real clock. Prints one JSON line of what it admitted and used.
import { createRedisLimiter } from '../../src/limits/redis-limiter.js';
import { LimitsConfigSchema } from '../../src/limits/limits-schema.js';
import type { RequestFacts } from '../../src/policy/request-facts.js';

const { url, prefix, limits, requests, parallel, seed } = JSON.parse(process.env.LIMITS_WORKER ?? '{}');
const doc = LimitsConfigSchema.parse(limits);
let s = seed as number;
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);

const limiter = await createRedisLimiter({ url, keyPrefix: prefix, limits: () => doc, timeoutMs: 2000 });
let admitted = 0;
let outputUsed = 0;
let excess = 0;
const holds: Array<[number, number]> = [];
let next = 0;
// Start barrier: report ready, wait for the parent's "go" so the three processes really run at once.
process.stdout.write('ready\n');
await new Promise<void>((res) => process.stdin.once('data', () => res()));
async function lane() {
  while (next < requests) {
    next++;
    const maxTokens = 50 + Math.floor(rand() * 450);
    const facts: RequestFacts = {
      api: 'openai', endpoint: '/v1/chat/completions', model: 'demo-gpt', stream: true, orgId: 'org_mp', keyId: 'key_mp',
      toolNames: [], toolTypes: [], params: {}, maxTokens, inputTokensEstimate: 20, anthropicBeta: [], ip: '127.0.0.1', now: Date.now(),
    };
    const r = await limiter.admit({ facts, tier: 'free', features: [] });
    if (!r.ok) continue;
    const heldFrom = Date.now();
    admitted++;
    // Most responses use less than max_tokens, some are cut short, a few exceed it (server ignoring max_tokens).
    const out = rand() < 0.1 ? maxTokens + 25 : Math.floor(rand() * maxTokens);
    excess += Math.max(0, out - maxTokens);
    outputUsed += out;
    await new Promise((res) => setTimeout(res, Math.floor(rand() * 4)));
    holds.push([heldFrom, Date.now()]);
    await r.ticket.settle({ inputTokens: 20, outputTokens: out });
  }
}
await Promise.all(Array.from({ length: parallel }, lane));
await limiter.close();
process.stdout.write(JSON.stringify({ admitted, outputUsed, excess, holds }) + '\n');
process.stdin.destroy();
