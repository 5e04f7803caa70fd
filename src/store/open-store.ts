// Picks the store backend from configuration: PostgreSQL when `databaseUrl` is set, else embedded PGlite.
import { join } from 'node:path';
import { PgliteDriver } from './pglite-driver.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { runMigrations } from './migrate.js';

export interface StoreConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
  /** PostgreSQL timeouts (see PostgresDriverOptions); defaults when omitted. */
  timeouts?: { connectTimeoutMs?: number; statementTimeoutMs?: number; idleTimeoutMs?: number } | undefined;
}

/** Where the embedded store keeps its database inside the data folder. */
export const pgdataDir = (dataDir: string): string => join(dataDir, 'pgdata');

/** Opens the store and brings its schema up to date. PGlite lives in `<dataDir>/pgdata`. */
export async function openStore(config: StoreConfig, opts: { migrate?: boolean } = {}): Promise<SqlDriver> {
  const driver: SqlDriver = config.databaseUrl
    ? new PostgresDriver({ url: config.databaseUrl, ...(config.timeouts ?? {}) })
    : await PgliteDriver.open(pgdataDir(config.dataDir));
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
