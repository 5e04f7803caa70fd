// The embedded store runs PGlite on a thread of its own: what that must keep from the in-process driver (answers
// to the right caller, database errors with their SQLSTATE, transactions) and what it adds (the caller's event
// loop keeps turning during a long statement; an idle store does not keep a process alive).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { withAuditKey } from '../../src/audit/audit-key.js';
import { isUniqueViolation } from '../../src/store/sql-errors.js';
import { PgliteDriver } from '../../src/store/pglite-driver.js';
import { openEmptyPglite } from '../support/pgdata-template.js';

test('the event loop keeps turning while a long statement runs', async () => {
  const driver = await openEmptyPglite();
  try {
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const started = Date.now();
    const [row] = await driver.query<{ n: number }>('SELECT count(*)::int AS n FROM generate_series(1, 3000000)');
    const took = Date.now() - started;
    spinning = false;
    assert.equal(row?.n, 3_000_000);
    // In-process, the statement ran in one synchronous piece: no turn between its start and its answer.
    assert.ok(turns >= 20, `${turns} turns of the loop in ${took} ms`);
  } finally {
    await driver.close();
  }
});

test('calls through a wrapper made with Object.create (withAuditKey) and through the driver get their own answers', { timeout: 60_000 }, async () => {
  const driver = await openEmptyPglite();
  try {
    const keyed = withAuditKey(driver, { id: 'k1', key: Buffer.alloc(32, 1) });
    const asked = Array.from({ length: 60 }, (_, i) => i);
    const answers = await Promise.all(
      asked.map(async (i) => {
        const via = i % 2 ? keyed : driver;
        if (i % 3 === 0) return via.transaction(async (tx) => (await tx.query<{ n: number }>('SELECT $1::int AS n', [i]))[0]?.n);
        return (await via.query<{ n: number }>('SELECT $1::int AS n', [i]))[0]?.n;
      }),
    );
    assert.deepEqual(answers, asked);
  } finally {
    await driver.close();
  }
});

test('database errors keep their SQLSTATE; a transaction that throws is rolled back and one that returns commits', { timeout: 60_000 }, async () => {
  const driver = await openEmptyPglite();
  try {
    await driver.exec('CREATE TABLE t (a int PRIMARY KEY)');
    await driver.transaction(async (tx) => {
      await tx.query('INSERT INTO t VALUES (1)');
    });
    const dup = await driver.query('INSERT INTO t VALUES (1)').catch((e: unknown) => e);
    assert.ok(isUniqueViolation(dup), String(dup));
    assert.match((dup as Error).message, /duplicate key/);
    await assert.rejects(
      driver.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (2)');
        throw new Error('changed my mind');
      }),
      /changed my mind/,
    );
    // A failed statement inside a transaction reaches the caller; the transaction is then rolled back.
    await assert.rejects(driver.transaction((tx) => tx.query('INSERT INTO t VALUES (1)')), (e: unknown) => isUniqueViolation(e));
    assert.deepEqual(await driver.query('SELECT a FROM t ORDER BY a'), [{ a: 1 }]);
  } finally {
    await driver.close();
  }
});

test('parameters and results keep their types through the thread; a parameter it cannot be sent fails only its call', { timeout: 60_000 }, async () => {
  const driver = await openEmptyPglite();
  try {
    const at = new Date('2026-12-05T01:02:03.456Z');
    const [row] = await driver.query<{ b: Uint8Array; t: Date; n: string; j: { a: number[] } }>(
      'SELECT $1::bytea AS b, $2::timestamptz AS t, $3::bigint AS n, $4::jsonb AS j',
      [Buffer.from([0, 1, 255]), at, 9_007_199_254_740_993n, JSON.stringify({ a: [1, 2] })],
    );
    assert.deepEqual([...(row?.b ?? [])], [0, 1, 255]);
    assert.equal(row?.t.toISOString(), at.toISOString());
    assert.equal(String(row?.n), '9007199254740993');
    assert.deepEqual(row?.j, { a: [1, 2] });
    await assert.rejects(driver.query('SELECT $1::text AS x', [() => 'a function']), /could not be cloned/);
    assert.deepEqual(await driver.query('SELECT 1 AS one'), [{ one: 1 }]);
  } finally {
    await driver.close();
  }
});

test('a backup dump opens as the same database', async () => {
  const driver = await openEmptyPglite();
  try {
    await driver.exec("CREATE TABLE t (a text); INSERT INTO t VALUES ('kept')");
    const copy = await PgliteDriver.open(undefined, { loadDataDir: await driver.dump() });
    try {
      assert.deepEqual(await copy.query('SELECT a FROM t'), [{ a: 'kept' }]);
    } finally {
      await copy.close();
    }
  } finally {
    await driver.close();
  }
});

test('an idle store does not keep a process alive; one with a statement in flight waits for its answer', () => {
  // The child opens a store, starts a statement, and does nothing else: it must print the answer, then exit on its own.
  const script = `
    import { PgliteDriver } from ${JSON.stringify(new URL('../../src/store/pglite-driver.ts', import.meta.url).href)};
    const driver = await PgliteDriver.open();
    driver.query('SELECT 41 + 1 AS n').then((rows) => console.log('answer', rows[0].n));
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, 'the process ended by itself');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /answer 42/);
});
