// Embedded store: PGlite (Postgres compiled to WASM) in a data folder, or in memory when none is given.
// One PGlite instance serialises its queries, so a transaction holds the whole database while it runs.
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { SqlDriver, SqlTransaction } from './sql-driver.js';

export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private constructor(private readonly db: PGlite) {}

  /** Opens (creating if needed) the database in `dataDir`; in memory when `dataDir` is undefined. */
  static async open(dataDir?: string): Promise<PgliteDriver> {
    if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // the database files are private
    const db = dataDir ? new PGlite(dataDir) : new PGlite();
    await db.waitReady;
    return new PgliteDriver(db);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) =>
      fn({
        query: async <R>(sql: string, params?: unknown[]) => (await t.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      }),
    );
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
  }
}
