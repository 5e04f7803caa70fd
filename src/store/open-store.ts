// Picks the store backend from configuration: PostgreSQL when `databaseUrl` is set, else embedded PGlite.
import { openEmbeddedStore } from './embedded-store.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from '../sql/sql-driver.js';
import { runMigrations } from './migrate.js';

export interface StoreConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL timeouts (see PostgresDriverOptions); defaults when omitted. */
  timeouts?: { connectTimeoutMs?: number; statementTimeoutMs?: number; idleTimeoutMs?: number } | undefined;
}

/**
 * Opens the store and brings its schema up to date. PGlite lives in `<dataDir>/pgdata`, locked to this
 * process and checked against its identity file (embedded-store.ts).
 */
export async function openStore(config: StoreConfig, opts: { migrate?: boolean } = {}): Promise<SqlDriver> {
  const driver: SqlDriver = config.databaseUrl
    ? new PostgresDriver({ url: config.databaseUrl, ...(config.timeouts ?? {}) })
    : (await openEmbeddedStore(config.dataDir)).driver;
  if (opts.migrate !== false) {
    try {
      await runMigrations(driver);
    } catch (e) {
      await driver.close();
      throw e;
    }
  }
  return driver;
}
