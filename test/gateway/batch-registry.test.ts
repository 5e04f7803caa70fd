// One contract for both batch registries (who owns a batch or file id): in memory and in Redis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { MemoryBatchRegistry, type BatchRegistry } from '../../src/gateway/batch-registry.js';
import { RedisBatchRegistry } from '../../src/gateway/redis-batch-registry.js';

const REDIS_URL = process.env.MOAT_TEST_REDIS_URL;
const redisSkip: string | false = REDIS_URL ? false : 'MOAT_TEST_REDIS_URL not set: Redis batch registry tests skipped';
if (redisSkip) console.log(`# SKIP ${redisSkip}`);

const owner = { orgId: 'org_a', keyId: 'key_1', upstream: 'up1' };

function contract(name: string, make: () => BatchRegistry, skip: string | false = false): void {
  test(`[${name}] files and batches are remembered with their owner; results are metered once; an org's batches are listed`, { skip }, async () => {
    const r = make();
    try {
      await r.putFile('file-1', { ...owner, role: 'input' });
      await r.putBatch('batch-1', { ...owner, api: 'openai', endpoint: '/v1/chat/completions', items: 3 });
      await r.putBatch('batch-2', { ...owner, orgId: 'org_b', api: 'anthropic', endpoint: '/v1/messages', items: 1 });
      assert.deepEqual(await r.file('file-1'), { ...owner, role: 'input' });
      assert.equal(await r.file('batch-1'), undefined, 'a batch id is not a file');
      assert.equal((await r.batch('batch-1'))?.items, 3);
      assert.equal(await r.batch('nope'), undefined);
      assert.deepEqual(await r.batchesOf('org_a'), ['batch-1']);
      assert.equal(await r.claimMetering('batch-1'), true);
      assert.equal(await r.claimMetering('batch-1'), false);
      assert.equal(await r.claimMetering('unknown'), false, 'an id nobody registered is never metered');
      await r.putResponse('resp_1', owner);
      assert.deepEqual(await r.response('resp_1'), owner);
      assert.equal(await r.response('file-1'), undefined, 'a file id is not a response');
    } finally {
      await r.close();
    }
  });
}

contract('memory', () => new MemoryBatchRegistry({ maxIds: 100, ttlMs: 60_000 }));
const prefix = `moat:test:batches:${randomUUID().slice(0, 8)}`;
contract('redis', () => new RedisBatchRegistry(new Redis(REDIS_URL as string), { ttlMs: 60_000 }, prefix), redisSkip);

test('[memory] bounded: past maxIds the least recently used ids are forgotten (and leave the org index); ids expire after ttl', async () => {
  let now = 0;
  const r = new MemoryBatchRegistry({ maxIds: 3, ttlMs: 1_000 }, () => now);
  for (let i = 1; i <= 3; i++) await r.putBatch(`b${i}`, { ...owner, api: 'openai', endpoint: '/v1/chat/completions', items: 1 });
  await r.batch('b1'); // b1 is now the most recently used
  await r.putFile('f4', { ...owner, role: 'input' });
  assert.equal(r.size, 3);
  assert.equal(await r.batch('b2'), undefined);
  assert.deepEqual((await r.batchesOf('org_a')).sort(), ['b1', 'b3']);
  now = 5_000;
  assert.equal(await r.file('f4'), undefined);
  assert.deepEqual(await r.batchesOf('org_a'), []);
});
