// Redis for limits tests: gated on MOAT_TEST_REDIS_URL, a unique key prefix per run, cleanup afterwards.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.MOAT_TEST_REDIS_URL;
export const redisSkip: string | false = REDIS_URL ? false : 'MOAT_TEST_REDIS_URL not set: Redis limiter tests skipped';
if (redisSkip) console.log(`# SKIP ${redisSkip}`);

export const runPrefix = `moat:test:limits:${randomUUID().slice(0, 8)}:`;

/** Deletes every key this run created. */
export async function cleanupRedis(): Promise<void> {
  if (!REDIS_URL) return;
  const r = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await r.del(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
}
