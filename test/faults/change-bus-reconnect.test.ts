// The Redis change bus across a lost connection: it hears changes again once Redis is back, and closing it
// while Redis has not yet confirmed the new subscription is not an unhandled rejection (which ends a gateway).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { RedisChangeBus } from '../../src/changes/redis-change-bus.js';
import type { Change } from '../../src/changes/change-bus.js';
import { FaultProxy } from './fault-proxy.js';
import { eventually, REDIS_URL, within } from './fault-gateway.js';
import { bulk, startRedisStandIn } from './redis-stand-in.js';

/** A Redis stand-in that confirms subscriptions until its connections are dropped, and none after. */
async function forgetfulRedis() {
  let dropped = false;
  let heldSubscribe = false;
  const redis = await startRedisStandIn((cmd, args, socket) => {
    if (cmd === 'subscribe') {
      if (!dropped) return `>3\r\n${bulk('subscribe')}${bulk(args[0]!)}:1\r\n`;
      heldSubscribe = true;
      return undefined;
    }
    if (cmd === 'quit') {
      // Closed before answering what the connection still holds, as a server going away does.
      socket.destroy();
      return undefined;
    }
    return '+OK\r\n';
  });
  return {
    ...redis,
    dropConnections: () => {
      dropped = true;
      redis.dropConnections();
    },
    heldSubscribe: () => heldSubscribe,
  };
}

test('closing the bus while Redis has not confirmed its resubscription rejects nothing unhandled', async () => {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  const redis = await forgetfulRedis();
  try {
    const bus = await RedisChangeBus.connect({ url: redis.url, channel: 'moat_test:changes' });
    redis.dropConnections();
    await eventually(async () => redis.heldSubscribe(), 5_000, 'the bus subscribes again after reconnecting');
    await bus.close();
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(unhandled.map(String), []);
  } finally {
    process.off('unhandledRejection', onUnhandled);
    await redis.close();
  }
});

test('a change published as soon as the bus is connected is sent, however late the publishing connection is ready', async () => {
  // The publishing connection is opened first; its ready check is answered after the subscription's.
  const published: string[] = [];
  const redis = await startRedisStandIn(
    (cmd, args) => {
      if (cmd === 'subscribe') return `>3\r\n${bulk('subscribe')}${bulk(args[0]!)}:1\r\n`;
      if (cmd === 'publish') {
        published.push(args[1]!);
        return ':0\r\n';
      }
      return '+OK\r\n';
    },
    { readyAfterMs: (n) => (n === 0 ? 300 : 0) },
  );
  const bus = await RedisChangeBus.connect({ url: redis.url, channel: 'moat_test:changes' });
  try {
    await bus.publish({ kind: 'org', version: 1 });
    assert.deepEqual(published.map((m) => JSON.parse(m) as unknown), [{ kind: 'org', version: 1 }]);
  } finally {
    await bus.close();
    await redis.close();
  }
});

const skip = REDIS_URL ? false : 'MOAT_TEST_REDIS_URL not set';
let proxy: FaultProxy | undefined;
after(async () => proxy?.close());

test('[faults] the bus hears changes again after its connection to Redis was cut', { skip }, async () => {
  proxy = await FaultProxy.start(REDIS_URL!);
  const channel = `moat_test:${randomBytes(6).toString('hex')}:changes`;
  const listener = await RedisChangeBus.connect({ url: proxy.via(REDIS_URL!), channel });
  const publisher = await RedisChangeBus.connect({ url: REDIS_URL!, channel });
  try {
    const heard: Change[] = [];
    listener.subscribe((c) => heard.push(c));
    proxy.cut();
    let version = 0;
    // Published until heard: the listener is back once a change published after the cut reaches it.
    await eventually(
      async () => {
        await publisher.publish({ kind: 'org', version: ++version });
        await new Promise((r) => setTimeout(r, 50));
        return heard.length > 0;
      },
      5_000,
      'a change published after the cut is heard',
    );
  } finally {
    await Promise.all([listener.close(), publisher.close()]);
  }
});

test('a bus that is still waiting for Redis closes at once', async () => {
  // A port nothing listens on: the bus starts without Redis (whenDown) and queues its subscription.
  const free = net.createServer();
  await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise<void>((r) => free.close(() => r()));
  let down: unknown;
  const bus = await RedisChangeBus.connect({ url: `redis://127.0.0.1:${port}`, timeoutMs: 200, whenDown: (e) => (down = e) });
  assert.ok(down, 'told that Redis is down');
  await within(bus.close(), 5_000, 'closing a bus that never reached Redis');
});
