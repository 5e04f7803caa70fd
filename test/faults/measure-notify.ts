// The measurement behind docs/decisions/0005-change-outbox.md: delivery latency of PostgreSQL LISTEN/NOTIFY
// against Redis pub/sub on this machine, and what each path does when one of the two is unreachable.
//   MOAT_TEST_DATABASE_URL=... MOAT_TEST_REDIS_URL=... npx tsx test/faults/measure-notify.ts
import pg from 'pg';
import { Redis } from 'ioredis';
import { performance } from 'node:perf_hooks';

const DB = process.env.MOAT_TEST_DATABASE_URL;
const REDIS = process.env.MOAT_TEST_REDIS_URL;
if (!DB || !REDIS) throw new Error('set MOAT_TEST_DATABASE_URL and MOAT_TEST_REDIS_URL');
const N = 500;
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)] ?? NaN;
  return { n: s.length, p50: +q(0.5).toFixed(2), p99: +q(0.99).toFixed(2), max: +(s[s.length - 1] ?? NaN).toFixed(2) };
};

async function notifyLatency() {
  const listener = new pg.Client({ connectionString: DB });
  const sender = new pg.Client({ connectionString: DB });
  await Promise.all([listener.connect(), sender.connect()]);
  await listener.query('LISTEN moat_measure');
  const sent = new Map<string, number>();
  const got: number[] = [];
  listener.on('notification', (m) => {
    const t = sent.get(m.payload ?? '');
    if (t !== undefined) got.push(performance.now() - t);
  });
  for (let i = 0; i < N; i++) {
    sent.set(String(i), performance.now());
    await sender.query(`NOTIFY moat_measure, '${i}'`);
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 200));
  await Promise.all([listener.end(), sender.end()]);
  return stats(got);
}

async function redisLatency() {
  const sub = new Redis(REDIS!);
  const pubc = new Redis(REDIS!);
  await sub.subscribe('moat:measure');
  const sent = new Map<string, number>();
  const got: number[] = [];
  sub.on('message', (_c, m: string) => {
    const t = sent.get(m);
    if (t !== undefined) got.push(performance.now() - t);
  });
  for (let i = 0; i < N; i++) {
    sent.set(String(i), performance.now());
    await pubc.publish('moat:measure', String(i));
    await new Promise((r) => setTimeout(r, 2));
  }
  await new Promise((r) => setTimeout(r, 200));
  sub.disconnect();
  pubc.disconnect();
  return stats(got);
}

process.stdout.write(`${JSON.stringify({ postgresNotifyMs: await notifyLatency(), redisPubSubMs: await redisLatency() })}\n`);
