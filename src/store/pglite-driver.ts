// Embedded store: PGlite (Postgres compiled to WASM) in a data folder, or in memory when none is given.
// One PGlite instance serialises its queries, so a transaction holds the whole database while it runs.
import { PGlite } from '@electric-sql/pglite';
import { mkdirSync } from 'node:fs';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';

export interface PgliteOpenOptions {
  /** A data folder dump (`dumpDataDir`) to start from: restores a backup into an empty folder. */
  loadDataDir?: Blob;
  /** Runs inside every transaction just before it commits (the store identity's watermark). */
  beforeCommit?: (tx: SqlTransaction) => Promise<void>;
  /** Runs once the database is closed (releases the data folder). */
  onClose?: () => void;
}

export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private constructor(
    private readonly db: PGlite,
    private readonly opts: PgliteOpenOptions,
  ) {}

  /** Opens (creating if needed) the database in `dataDir`; in memory when `dataDir` is undefined. */
  static async open(dataDir?: string, opts: PgliteOpenOptions = {}): Promise<PgliteDriver> {
    if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // the database files are private
    const settings = opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {};
    const db = dataDir ? new PGlite(dataDir, settings) : new PGlite(settings);
    await db.waitReady;
    return new PgliteDriver(db, opts);
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.db.query<T>(sql, params)).rows;
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (t) => {
      const tx: SqlTransaction = {
        query: async <R>(sql: string, params?: unknown[]) => (await t.query<R>(sql, params)).rows,
        exec: async (sql: string) => {
          await t.exec(sql);
        },
      };
      const result = await fn(tx);
      await this.opts.beforeCommit?.(tx);
      return result;
    });
  }

  /** The whole data folder as a gzipped tarball (a backup). */
  async dump(): Promise<Blob> {
    return this.db.dumpDataDir('gzip');
  }

  async close(): Promise<void> {
    if (!this.db.closed) await this.db.close();
    this.opts.onClose?.();
  }
}
