import { MemoryCaseStore } from '../../src/enforcement/case-store.js';
import { ENFORCEMENT_MIGRATIONS } from '../../src/enforcement/migrations/enforcement-migrations.js';
import { SqlCaseStore } from '../../src/enforcement/sql-case-store.js';
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
