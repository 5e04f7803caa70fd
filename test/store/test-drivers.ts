// Driver factories for tests: in-memory PGlite, and PostgreSQL in a fresh schema per run (dropped at the end).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openEmptyPglite } from '../support/pgdata-template.js';
import { PostgresDriver } from '../../src/store/postgres-driver.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';

export const TEST_DATABASE_URL = process.env.MOAT_TEST_DATABASE_URL;
export const TEST_REDIS_URL = process.env.MOAT_TEST_REDIS_URL;

export interface TestDriver {
  driver: SqlDriver;
  /** Closes the driver and removes whatever the run created. */
  dispose(): Promise<void>;
}

export async function makePgliteTestDriver(): Promise<TestDriver> {
  const driver = await openEmptyPglite();
  return { driver, dispose: () => driver.close() };
}

export async function makePostgresTestDriver(url: string): Promise<TestDriver> {
  const schema = `moat_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  const driver = new PostgresDriver({ url, schema, max: 4 });
  return {
    driver,
    async dispose() {
      await driver.close();
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  };
}
