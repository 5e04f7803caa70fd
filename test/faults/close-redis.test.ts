// Closing a Redis client must not wait on a Redis that is away (a gateway or worker shutting down during an
// outage would hang), and must still end a live connection cleanly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { closeRedis } from '../../src/redis/close-redis.js';
import { eventually, within } from './fault-gateway.js';
import { startRedisStandIn } from './redis-stand-in.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('a client whose Redis is away closes at once instead of queuing QUIT behind its reconnects', async () => {
  // A port nothing listens on: taken, then released.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const redis = new Redis({ port, host: '127.0.0.1', lazyConnect: false });
  redis.on('error', () => {});
  await new Promise((r) => setTimeout(r, 200));
  assert.notEqual(redis.status, 'ready');
  // A command waiting for the connection (a settle, a publish): QUIT would queue behind it.
  redis.get('k').catch(() => {});
  await within(closeRedis(redis), 3_000, 'closing a client whose Redis is away');
  // And it stops trying: no reconnect timer keeps the process alive.
  let attempts = 0;
  redis.on('reconnecting', () => attempts++);
  await new Promise((r) => setTimeout(r, 600));
  assert.equal(attempts, 0);
});

test('a connected client is closed with QUIT', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const redis = new Redis(url!);
  await redis.ping();
  let quit = false;
  const original = redis.quit.bind(redis);
  redis.quit = (async () => {
    quit = true;
    return original();
  }) as typeof redis.quit;
  await closeRedis(redis);
  assert.ok(quit, 'QUIT was sent');
  await eventually(() => redis.status === 'end', 1_000, 'the client to end');
});

test('a connected client whose Redis stops answering is let go after the deadline', async () => {
  // Answers the handshake, then nothing: a stalled Redis, or a network path that drops silently.
  const redis = await startRedisStandIn(() => undefined);
  const client = new Redis(redis.url, { lazyConnect: false });
  client.on('error', () => {});
  try {
    await eventually(() => client.status === 'ready', 2_000, 'the handshake');
    await within(closeRedis(client, 300), 3_000, 'closing a client whose Redis stalls');
  } finally {
    client.disconnect();
    await redis.close();
  }
});
