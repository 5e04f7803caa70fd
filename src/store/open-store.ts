// Picks the store backend from configuration: PostgreSQL when `databaseUrl` is set, else embedded PGlite.
import { join } from 'node:path';
import { PgliteDriver } from './pglite-driver.js';
import { PostgresDriver } from './postgres-driver.js';
import type { SqlDriver } from './sql-driver.js';
import { runMigrations } from './migrate.js';

export interface StoreConfig {
  dataDir: string;
  databaseUrl?: string | undefined;
}

/** Opens the store and brings its schema up to date. PGlite lives in `<dataDir>/pgdata`. */
export async function openStore(config: StoreConfig, opts: { migrate?: boolean } = {}): Promise<SqlDriver> {
  const driver: SqlDriver = config.databaseUrl
    ? new PostgresDriver({ url: config.databaseUrl })
    : await PgliteDriver.open(join(config.dataDir, 'pgdata'));
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
