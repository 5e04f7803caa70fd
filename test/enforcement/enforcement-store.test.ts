import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Case } from '../../src/enforcement/case-model.js';
import { emptyEvidence } from '../../src/enforcement/case-evidence.js';
import { MemoryCaseStore, type CaseQuery } from '../../src/enforcement/case-store.js';
import { ENFORCEMENT_MIGRATIONS } from '../../src/enforcement/migrations/enforcement-migrations.js';
import { caseListQuery, SqlCaseStore } from '../../src/enforcement/sql-case-store.js';
import { MemoryWebhookQueue, SqlWebhookQueue } from '../../src/enforcement/webhook-queue.js';
import { listAudit } from '../../src/audit/audit-log.js';
import { runMigrations } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';
import { makePgliteTestDriver, makePostgresTestDriver, TEST_DATABASE_URL, type TestDriver } from '../store/test-drivers.js';
import { runEnforcementStoreContract, type Backend } from './case-store-contract.js';

runEnforcementStoreContract('memory', async () => {
  const log: string[] = [];
  const cases = new MemoryCaseStore({ append: async (e) => void log.push(e.action) });
  const queue = new MemoryWebhookQueue();
  return { cases, queue, audited: async () => log, reopen: async () => ({ cases, queue }), dispose: async () => undefined };
});

async function sqlBackend(td: TestDriver): Promise<Backend> {
  const driver: SqlDriver = td.driver;
  await runMigrations(driver, [...MIGRATIONS, ...ENFORCEMENT_MIGRATIONS]);
  return {
    cases: new SqlCaseStore(driver),
    queue: new SqlWebhookQueue(driver),
    audited: async () => (await listAudit(driver)).map((e) => e.action),
    // The SQL store keeps nothing in memory: fresh instances over the same database are what a restart sees.
    reopen: async () => ({ cases: new SqlCaseStore(driver), queue: new SqlWebhookQueue(driver) }),
    dispose: () => td.dispose(),
  };
}

runEnforcementStoreContract('pglite (in memory)', async () => sqlBackend(await makePgliteTestDriver()));
const url = TEST_DATABASE_URL;
runEnforcementStoreContract('postgres', url ? async () => sqlBackend(await makePostgresTestDriver(url)) : undefined, 'MOAT_TEST_DATABASE_URL is not set: PostgreSQL enforcement store contract skipped');

// A cluster's detection looks up the cases of every account it names: with enough cases that must be an index
// lookup, which the planner is made to show by ruling out sequential scans.
const caseOf = (i: number): Case => ({
  id: `case_${i}`, key: `cluster:cl_${i}`, kind: 'cluster', title: 't', orgIds: [`org_${i}`, `org_${i + 1}`], severity: 'high', status: 'open', labels: ['distillation'], confidence: 0.9,
  clause: 'c', actionsTaken: [], timeline: [], notes: [], evidence: emptyEvidence(), detections: 1, openedAt: '2026-08-01T10:00:00.000Z', updatedAt: '2026-08-01T10:00:00.000Z', version: 0,
});
for (const [name, make] of [['pglite (in memory)', () => makePgliteTestDriver()], ['postgres', url ? () => makePostgresTestDriver(url) : undefined]] as const) {
  test(`the cases holding an org or any of a cluster's accounts are found through the org index: ${name}`, { skip: make ? false : 'MOAT_TEST_DATABASE_URL is not set' }, async () => {
    const td = await make!();
    try {
      await runMigrations(td.driver, [...MIGRATIONS, ...ENFORCEMENT_MIGRATIONS]);
      const store = new SqlCaseStore(td.driver);
      for (let i = 0; i < 40; i++) await store.save(caseOf(i), []);
      const queries: CaseQuery[] = [{ anyOrg: ['org_3', 'org_none'], kind: 'cluster', excludeStatus: 'merged' }, { orgId: 'org_3' }];
      for (const q of queries) {
        const { sql, params } = caseListQuery(q);
        const plan = await td.driver.transaction(async (tx) => {
          await tx.query('SET LOCAL enable_seqscan = off');
          return (await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, params)).map((r) => Object.values(r)[0]).join('\n');
        });
        assert.match(plan, /Index Scan on enforcement_cases_org_ids/, plan);
        assert.deepEqual((await store.list(q)).map((c) => c.id), ['case_3', 'case_2'], JSON.stringify(q));
      }
    } finally {
      await td.dispose();
    }
  });
}
