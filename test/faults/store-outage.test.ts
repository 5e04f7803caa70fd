// PostgreSQL that refuses or does not answer: every wait is bounded, admin calls answer 503
// store_unavailable with retry-after (in the admin API's format), the hot path keeps serving from memory,
// and a gateway started during the outage retries with backoff and a log line per attempt, or fails fast.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { FaultProxy } from './fault-proxy.js';
import { ask, closeSharedDemo, DATABASE_URL, eventually, freshSchema, orgWithKey, startFaultGateway, within } from './fault-gateway.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import { isStoreUnavailable } from '../../src/store/store-unavailable.js';

after(closeSharedDemo);
const skip = DATABASE_URL ? false : 'MOAT_TEST_DATABASE_URL not set: PostgreSQL outage scenarios skipped';
const FAST = { 'store.connectTimeoutMs': 500, 'store.statementTimeoutMs': 500 };

test('[faults] the PostgreSQL driver gives up within its timeouts, with StoreUnavailableError, and recovers', { skip }, async () => {
  const proxy = await FaultProxy.start(DATABASE_URL!);
  const d = new PostgresDriver({ url: proxy.via(DATABASE_URL!), connectTimeoutMs: 500, statementTimeoutMs: 500 });
  try {
    assert.deepEqual(await d.query('SELECT 1 AS one'), [{ one: 1 }]);
    for (const fault of ['blackhole', 'refuse'] as const) {
      if (fault === 'blackhole') proxy.blackhole();
      else await proxy.refuse();
      // Both an open pooled connection and a new one fail, and neither hangs.
      for (let i = 0; i < 2; i++) {
        const err = await within(d.query('SELECT 1').then(() => undefined, (e: unknown) => e), 5_000, `a query with PostgreSQL ${fault}`);
        assert.ok(isStoreUnavailable(err), `${fault}: ${String(err)}`);
      }
      const tx = await within(d.transaction((t) => t.query('SELECT 1')).then(() => undefined, (e: unknown) => e), 5_000, `a transaction with PostgreSQL ${fault}`);
      assert.ok(isStoreUnavailable(tx));
      await proxy.restore();
      await eventually(async () => (await d.query('SELECT 1 AS one').catch(() => []))[0]?.one === 1, 5_000, 'queries work again');
    }
  } finally {
    await d.close();
    await proxy.close();
  }
});

test('[faults] during an outage admin calls answer 503 store_unavailable with retry-after; requests keep being served', { skip, timeout: 60_000 }, async () => {
  const schema = await freshSchema(DATABASE_URL!);
  const proxy = await FaultProxy.start(DATABASE_URL!);
  const g = await startFaultGateway({ ...FAST, databaseUrl: proxy.via(schema.url), 'view.maxStalenessMs': 60_000 });
  try {
    const org = await orgWithKey(g, 'steady');
    for (const fault of ['blackhole', 'refuse'] as const) {
      if (fault === 'blackhole') proxy.blackhole();
      else await proxy.refuse();
      for (const [method, path, body] of [
        ['GET', '/admin/orgs', undefined],
        ['POST', '/admin/orgs', { name: `during-${fault}` }],
      ] as const) {
        const r = await within(g.admin(method, path, body), 10_000, `${method} ${path} with PostgreSQL ${fault}`);
        assert.equal(r.status, 503, `${method} ${path}: ${r.text}`);
        assert.equal(r.json.error.code, 'store_unavailable');
        assert.ok(Number(r.headers.get('retry-after')) > 0);
      }
      assert.equal((await ask(g.url, org.secret)).status, 200, 'the hot path serves from memory within the staleness bound');
      await proxy.restore();
      await eventually(async () => (await g.admin('GET', '/admin/orgs')).status === 200, 10_000, 'admin API back');
    }
  } finally {
    await g.close();
    await proxy.close();
    await schema.drop();
  }
});

test('[faults] started during an outage: fails fast when told to, else retries (one log line per attempt) and starts once PostgreSQL answers', { skip, timeout: 60_000 }, async () => {
  const schema = await freshSchema(DATABASE_URL!);
  const proxy = await FaultProxy.start(DATABASE_URL!);
  try {
    proxy.blackhole();
    const fast = await within(startFaultGateway({ ...FAST, databaseUrl: proxy.via(schema.url), 'store.startupRetryMs': 0 }).then(() => undefined, (e: unknown) => e as Error), 10_000, 'a fail-fast start');
    assert.ok(fast && isStoreUnavailable(fast), String(fast));

    const lines: Array<{ msg: string; attempt?: number }> = [];
    const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) });
    const starting = startFaultGateway({ ...FAST, databaseUrl: proxy.via(schema.url), 'store.startupRetryMs': 30_000 }, { logger });
    await eventually(() => lines.filter((l) => /store unreachable at start; retrying/.test(l.msg)).length >= 2, 15_000, 'retries are logged');
    await proxy.restore();
    const g = await within(starting, 20_000, 'the start once PostgreSQL answers');
    await g.close();
    assert.deepEqual(
      lines.filter((l) => /retrying/.test(l.msg)).map((l) => l.attempt),
      lines.filter((l) => /retrying/.test(l.msg)).map((_, i) => i + 1),
    );
  } finally {
    await proxy.close();
    await schema.drop();
  }
});

test('[faults] a PostgreSQL connection cut in the middle of a transaction fails that transaction, not the process', { skip }, async () => {
  const proxy = await FaultProxy.start(DATABASE_URL!);
  const d = new PostgresDriver({ url: proxy.via(DATABASE_URL!), connectTimeoutMs: 500, statementTimeoutMs: 500 });
  try {
    const err = await within(
      d
        .transaction(async (t) => {
          await t.query('SELECT 1');
          // Between two statements the connection is reset: the checked-out client hears it as an 'error' event.
          proxy.cut();
          await new Promise((r) => setTimeout(r, 200));
          return t.query('SELECT 2');
        })
        .then(() => undefined, (e: unknown) => e),
      5_000,
      'a transaction whose connection was cut',
    );
    assert.ok(isStoreUnavailable(err), String(err));
    assert.deepEqual(await d.query('SELECT 1 AS one'), [{ one: 1 }], 'the next call gets a fresh connection');
  } finally {
    await d.close();
    await proxy.close();
  }
});
