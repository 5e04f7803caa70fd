// The Redis change bus across a lost connection: it hears changes again once Redis is back, and closing it
// while Redis has not yet confirmed the new subscription is not an unhandled rejection (which ends a gateway).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { RedisChangeBus } from '../../src/changes/redis-change-bus.js';
import type { Change } from '../../src/changes/change-bus.js';
import { FaultProxy } from './fault-proxy.js';
import { eventually, REDIS_URL } from './fault-gateway.js';

/** Splits RESP arrays of bulk strings (what clients send) into commands; returns what is left over. */
function readCommands(buf: string, out: string[][]): string {
  for (;;) {
    const lines = buf.split('\r\n');
    if (!lines[0]?.startsWith('*') || lines.length < 2) return buf;
    const n = Number(lines[0].slice(1));
    if (lines.length < 1 + 2 * n + 1) return buf;
    const args = Array.from({ length: n }, (_, i) => lines[2 + 2 * i]!);
    out.push(args);
    buf = lines.slice(1 + 2 * n).join('\r\n');
  }
}

const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** A Redis stand-in that confirms subscriptions until its connections are dropped, and none after. */
async function forgetfulRedis() {
  const sockets: net.Socket[] = [];
  let dropped = false;
  let heldSubscribe = false;
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (chunk) => {
      const commands: string[][] = [];
      buf = readCommands(buf + chunk.toString('latin1'), commands);
      for (const [name = '', ...args] of commands) {
        const cmd = name.toLowerCase();
        // ioredis 6 speaks RESP3: HELLO answers with a map, subscriptions are confirmed with a push.
        if (cmd === 'hello') socket.write(`%1\r\n${bulk('proto')}:3\r\n`);
        else if (cmd === 'info') socket.write(bulk('# Server\r\nredis_version:7.2.0\r\nloading:0\r\n'));
        else if (cmd === 'subscribe') {
          if (dropped) heldSubscribe = true;
          else socket.write(`>3\r\n${bulk('subscribe')}${bulk(args[0]!)}:1\r\n`);
        } else if (cmd === 'quit') socket.destroy(); // before answering what it still holds
        else socket.write('+OK\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    dropConnections: () => {
      dropped = true;
      for (const s of sockets.splice(0)) s.destroy();
    },
    heldSubscribe: () => heldSubscribe,
    close: () => new Promise<void>((r) => server.close(() => r())),
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
