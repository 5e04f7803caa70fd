// Embedded store: PGlite (Postgres compiled to WASM) in a data folder, or in memory when none is given.
// One PGlite instance serialises its queries, so a transaction holds the whole database while it runs.
import { PGlite } from '@electric-sql/pglite';
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';

export interface PgliteOpenOptions {
  /** A data folder dump (`dumpDataDir`) to start from: restores a backup into an empty folder. */
  loadDataDir?: Blob;
  /** Runs inside every transaction just before it commits (the store identity's watermark). */
  beforeCommit?: (tx: SqlTransaction) => Promise<void>;
  /** Runs once the database is closed (releases the data folder). */
  onClose?: () => void;
}

/**
 * Postgres settings of the embedded store, given at start (a settings file option would replace the folder's
 * postgresql.conf, initdb's included). Its tables are small (orgs, keys, cases, audit, metering) and its files sit
 * in the OS page cache, so 16 MB of buffers (Postgres' default is 128 MB, all of it in this process's memory once
 * touched) is ample: the gateway's resident memory after a restart went from ~410 to ~290 MB.
 */
const EXTRA_START_PARAMS = ['-c', 'shared_buffers=16MB'];
const SETTINGS = { startParams: [...PGlite.defaultStartParams, ...EXTRA_START_PARAMS] };
/** Longest a new database's creation may take before opening fails (initdb takes seconds). */
const CREATE_TIMEOUT_MS = 120_000;

/**
 * Creates the database of a new folder on a short-lived thread: initdb runs in WASM memory of its own that PGlite
 * keeps for the life of the instance (~450 MB resident), which goes with the thread. It is created beside the
 * folder and renamed into place once complete, so a creation cut short (the process killed) leaves no folder that
 * looks like a database; what such a creation left is removed first.
 */
async function createApart(dataDir: string): Promise<void> {
  const parent = dirname(dataDir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const stem = `${basename(dataDir)}.creating-`;
  for (const f of readdirSync(parent)) if (f.startsWith(stem)) rmSync(join(parent, f), { recursive: true, force: true });
  const building = join(parent, `${stem}${process.pid}`);
  mkdirSync(building, { mode: 0o700 });
  // Imports only: the code runs as CommonJS or as a module depending on the process's flags (--input-type).
  const code = `Promise.all([import('node:worker_threads'), import(${JSON.stringify(import.meta.resolve('@electric-sql/pglite'))})]).then(async ([{ parentPort }, { PGlite }]) => {
    const db = new PGlite(${JSON.stringify(building)}, { startParams: [...PGlite.defaultStartParams, ...${JSON.stringify(EXTRA_START_PARAMS)}] });
    await db.waitReady;
    await db.close();
    parentPort.postMessage('created');
  })`;
  const worker = new Worker(code, { eval: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`creating the database in ${dataDir} took over ${CREATE_TIMEOUT_MS / 1000} s`)), CREATE_TIMEOUT_MS);
      worker.once('message', () => (clearTimeout(timer), resolve()));
      worker.once('error', (e) => (clearTimeout(timer), reject(e)));
      worker.once('exit', (c) => (clearTimeout(timer), reject(new Error(`creating the database in ${dataDir} stopped with exit code ${c}`))));
    });
  } finally {
    await worker.terminate();
  }
  // An earlier start may have left the folder itself, empty; one with files in it is not replaced.
  if (existsSync(dataDir)) {
    try {
      rmdirSync(dataDir);
    } catch {
      rmSync(building, { recursive: true, force: true });
      throw new Error(`${dataDir} holds files but no database (no PG_VERSION): move it away to create a new database there`);
    }
  }
  renameSync(building, dataDir);
}

export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  private constructor(
    private readonly db: PGlite,
    private readonly opts: PgliteOpenOptions,
  ) {}

  /** Opens (creating if needed) the database in `dataDir`; in memory when `dataDir` is undefined. */
  static async open(dataDir?: string, opts: PgliteOpenOptions = {}): Promise<PgliteDriver> {
    if (dataDir && !opts.loadDataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await createApart(dataDir);
    if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // the database files are private
    const settings = opts.loadDataDir ? { ...SETTINGS, loadDataDir: opts.loadDataDir } : SETTINGS;
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
