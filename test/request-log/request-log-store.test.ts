// The request log's repository on both store backends (PostgreSQL gated on MOAT_TEST_DATABASE_URL): inserts
// keep one row per request id, pages are newest first with filters and a cursor, pruning goes by age and count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { insertRequestLog, pruneRequestLog, queryRequestLog, recountRequestLog } from '../../src/request-log/request-log-repo.js';
import type { RequestLogRow } from '../../src/request-log/request-log-row.js';
import { ALL_MIGRATIONS } from '../../src/server/all-migrations.js';
import { runMigrations } from '../../src/store/migrate.js';
import { makePgliteTestDriver, makePostgresTestDriver, TEST_DATABASE_URL, type TestDriver } from '../store/test-drivers.js';

const BASE = Date.parse('2026-11-30T10:00:00.000Z');

function row(i: number, over: Partial<RequestLogRow> = {}): RequestLogRow {
  return {
    id: `req_${String(i).padStart(3, '0')}`, ts: new Date(BASE + i * 1000).toISOString(), orgId: i % 2 ? 'org_odd' : 'org_even', keyId: `key_${i % 3}`, model: 'gpt-4o',
    api: 'openai', endpoint: '/v1/chat/completions', stream: false, status: 200, outcome: 'admitted', reason: '', latencyMs: 12.5, inputTokens: 10, outputTokens: 20, ...over,
  };
}

function contract(name: string, make: (() => Promise<TestDriver>) | undefined, skip?: string) {
  describe(`request log store (${name})`, { skip: make ? false : skip }, () => {
    let t: TestDriver;
    before(async () => {
      t = await make!();
      await runMigrations(t.driver, ALL_MIGRATIONS);
      const rows = Array.from({ length: 20 }, (_, i) => row(i, i % 5 === 0 ? { outcome: 'refused', reason: 'org_restricted', status: 403 } : {}));
      await insertRequestLog(t.driver, rows);
      // A batch written again after a failed flush keeps one row per request.
      await insertRequestLog(t.driver, rows.slice(0, 3));
      await insertRequestLog(t.driver, [row(99, { purpose: 'safety_evaluation', prompt: 'hello [redacted]', stream: true })]);
    });
    after(async () => t?.dispose());

    test('rows come back as written, newest first, one per request id', async () => {
      const all = await queryRequestLog(t.driver, { limit: 100 });
      assert.equal(all.length, 21);
      assert.deepEqual(all[0], row(99, { purpose: 'safety_evaluation', prompt: 'hello [redacted]', stream: true }));
      assert.deepEqual(all[20], row(0, { outcome: 'refused', reason: 'org_restricted', status: 403 }));
    });

    test('filters combine, and the cursor pages through without gaps or repeats', async () => {
      const refused = await queryRequestLog(t.driver, { outcomes: ['refused', 'rate_limited'], org: 'org_even', limit: 100 });
      assert.deepEqual(refused.map((r) => r.id), ['req_010', 'req_000']);
      const window = await queryRequestLog(t.driver, { from: row(5).ts, to: row(8).ts, key: 'key_0', limit: 100 });
      assert.deepEqual(window.map((r) => r.id), ['req_006']);
      const seen: string[] = [];
      let before: { ts: string; id: string } | undefined;
      for (;;) {
        const page = await queryRequestLog(t.driver, { limit: 4, before });
        seen.push(...page.map((r) => r.id));
        if (page.length < 4) break;
        before = { ts: page[3]!.ts, id: page[3]!.id };
      }
      assert.deepEqual(seen, (await queryRequestLog(t.driver, { limit: 100 })).map((r) => r.id));
    });

    test('pruning removes rows older than the retention, then all but the newest maxRows', async () => {
      assert.deepEqual(await pruneRequestLog(t.driver, row(5).ts, 1000), { gone: 5, more: false });
      assert.deepEqual(await pruneRequestLog(t.driver, row(0).ts, 3), { gone: 13, more: false });
      assert.deepEqual((await queryRequestLog(t.driver, { limit: 100 })).map((r) => r.id), ['req_099', 'req_019', 'req_018']);
      assert.deepEqual(await pruneRequestLog(t.driver, row(0).ts, 3), { gone: 0, more: false }, 'nothing more to prune');
    });

    test('a batch larger than one statement is written whole, and any prompt text comes back as written', async () => {
      const awkward = ['quote " and \\ backslash', '{braces, commas}', 'NULL', '', 'line\nbreak\ttab', 'émoji 🦀 and \u2028', "it's"];
      const rows = Array.from({ length: 60 }, (_, i) => row(500 + i, { prompt: awkward[i % awkward.length]! }));
      await insertRequestLog(t.driver, [...rows, rows[0]!]);
      const back = (await queryRequestLog(t.driver, { limit: 1000 })).filter((r) => r.id >= 'req_500');
      assert.deepEqual(back.reverse(), rows);
      // The size pruning goes by is kept exact through inserts, repeated ids and deletes.
      const [size] = await t.driver.query<{ n: unknown; rows: unknown }>('SELECT n, (SELECT count(*) FROM request_log) AS rows FROM request_log_size');
      assert.equal(Number(size!.n), Number(size!.rows));
      // A pass stops at its budget of statements (50 rows each) and says there is more; the next pass goes on.
      await insertRequestLog(t.driver, Array.from({ length: 120 }, (_, i) => row(700 + i)));
      const first = await pruneRequestLog(t.driver, row(0).ts, 10, 2); // one statement by age (nothing that old), one by count
      assert.deepEqual(first, { gone: 50, more: true });
      const rest = await pruneRequestLog(t.driver, row(0).ts, 10);
      assert.equal(rest.more, false);
      assert.equal(first.gone + rest.gone, Number(size!.rows) + 120 - 10);
      assert.deepEqual((await queryRequestLog(t.driver, { limit: 100 })).map((r) => r.id), Array.from({ length: 10 }, (_, i) => row(819 - i).id));
    });

    test('a count that drifted (rows written by a gateway that does not keep it) is corrected by a recount', async () => {
      await t.driver.query('UPDATE request_log_size SET n = n + 500');
      await recountRequestLog(t.driver);
      const [size] = await t.driver.query<{ n: unknown; rows: unknown }>('SELECT n, (SELECT count(*) FROM request_log) AS rows FROM request_log_size');
      assert.equal(Number(size!.n), Number(size!.rows));
    });
  });
}

contract('pglite', makePgliteTestDriver);
contract('postgres', TEST_DATABASE_URL ? () => makePostgresTestDriver(TEST_DATABASE_URL!) : undefined, 'MOAT_TEST_DATABASE_URL is not set: PostgreSQL request log store skipped');
