// Embedded store: PGlite (Postgres compiled to WASM) in a data folder, or in memory when none is given. PGlite runs
// on a thread of its own (pglite-thread.ts) so its statements do not stall the gateway's event loop; this side
// sends it one message per statement. One PGlite instance serialises its queries, so a transaction holds the whole
// database while it runs.
import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';
import { startModuleWorker } from '../threads/module-worker.js';
import { StoreUnavailableError } from './store-unavailable.js';
import type { FromPgliteThread, PgliteThreadData, ThreadError, ToPgliteThread } from './pglite-thread.js';

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
  const worker = startPgliteThread({ dataDir: building, extraStartParams: EXTRA_START_PARAMS, loadDataDir: undefined, createOnly: true });
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`creating the database in ${dataDir} took over ${CREATE_TIMEOUT_MS / 1000} s`)), CREATE_TIMEOUT_MS);
      worker.once('message', (m: FromPgliteThread) => (clearTimeout(timer), m.error ? reject(threadFailure(m.error)) : resolve()));
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

function startPgliteThread(data: PgliteThreadData): Worker {
  return startModuleWorker(import.meta.url, './pglite-thread', { workerData: data, transferList: data.loadDataDir ? [data.loadDataDir] : [] });
}

/** The thread's error as an Error with the same fields (callers read a database error's SQLSTATE `code`). */
function threadFailure(e: ThreadError): Error {
  return Object.assign(new Error(e.message), e.fields);
}

type Message = ToPgliteThread extends infer M ? (M extends ToPgliteThread ? Omit<M, 'id'> : never) : never;

export class PgliteDriver implements SqlDriver {
  readonly kind = 'pglite' as const;
  /** Mutable state in one object: a wrapper made with Object.create(driver) (withAuditKey) must share it, not
   * shadow it with fields of its own (two message ids 1, 2, 3... on one thread answer each other's calls). */
  private readonly state: {
    nextId: number;
    pending: Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>;
    stopped: Error | undefined;
    closing: Promise<void> | undefined;
  } = { nextId: 1, pending: new Map(), stopped: undefined, closing: undefined };

  private constructor(
    private readonly worker: Worker,
    private readonly opts: PgliteOpenOptions,
  ) {
    worker.on('message', (m: FromPgliteThread) => {
      const p = this.take(m.id);
      if (m.error) p?.reject(threadFailure(m.error));
      else p?.resolve(m.value);
    });
    const stop = (e: Error): void => {
      this.state.stopped ??= e;
      for (const p of this.state.pending.values()) p.reject(this.state.stopped);
      this.state.pending.clear();
    };
    // The database files are not at fault: callers get 503 store_unavailable, and a start is not taken for damage.
    worker.on('error', (e) => stop(new StoreUnavailableError(`the embedded store's thread failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })));
    worker.on('exit', (code) => stop(new StoreUnavailableError(`the embedded store's thread stopped (exit code ${code})`)));
  }

  /** Opens (creating if needed) the database in `dataDir`; in memory when `dataDir` is undefined. */
  static async open(dataDir?: string, opts: PgliteOpenOptions = {}): Promise<PgliteDriver> {
    if (dataDir && !opts.loadDataDir && !existsSync(join(dataDir, 'PG_VERSION'))) await createApart(dataDir);
    if (dataDir) mkdirSync(dataDir, { recursive: true, mode: 0o700 }); // the database files are private
    const loadDataDir = opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : undefined;
    const worker = startPgliteThread({ dataDir, extraStartParams: EXTRA_START_PARAMS, loadDataDir, createOnly: false });
    const driver = new PgliteDriver(worker, opts);
    try {
      await driver.answer(0);
    } catch (e) {
      await worker.terminate();
      throw e;
    }
    return driver;
  }

  /** Removes message `id`'s waiter. An idle store does not keep the process alive; a statement in flight does. */
  private take(id: number): { resolve: (v: unknown) => void; reject: (e: Error) => void } | undefined {
    const p = this.state.pending.get(id);
    this.state.pending.delete(id);
    if (this.state.pending.size === 0) this.worker.unref();
    return p;
  }

  /** Waits for the answer to message `id`. */
  private answer<T>(id: number): Promise<T> {
    if (this.state.stopped) return Promise.reject(this.state.stopped);
    return new Promise<T>((resolve, reject) => {
      if (this.state.pending.size === 0) this.worker.ref();
      this.state.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
    });
  }

  private call<T>(m: Message): Promise<T> {
    const id = this.state.nextId++;
    const answered = this.answer<T>(id);
    if (this.state.stopped) return answered;
    try {
      this.worker.postMessage({ ...m, id });
    } catch (e) {
      // A parameter the thread cannot be sent (a function, say): this call fails, the store goes on.
      this.take(id)?.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return answered;
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return this.call<T[]>({ op: 'query', sql, params, tx: undefined });
  }

  async exec(sql: string): Promise<void> {
    await this.call({ op: 'exec', sql, tx: undefined });
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const id = await this.call<number>({ op: 'begin' });
    const tx: SqlTransaction = {
      query: <R>(sql: string, params?: unknown[]) => this.call<R[]>({ op: 'query', sql, params, tx: id }),
      exec: async (sql: string) => {
        await this.call({ op: 'exec', sql, tx: id });
      },
    };
    let result: T;
    try {
      result = await fn(tx);
      await this.opts.beforeCommit?.(tx);
    } catch (e) {
      await this.call({ op: 'end', tx: id, commit: false }).catch(() => {});
      throw e;
    }
    await this.call({ op: 'end', tx: id, commit: true });
    return result;
  }

  /** The whole data folder as a gzipped tarball (a backup). */
  async dump(): Promise<Blob> {
    return new Blob([await this.call<ArrayBuffer>({ op: 'dump' })], { type: 'application/x-gzip' });
  }

  close(): Promise<void> {
    this.state.closing ??= (async () => {
      try {
        if (!this.state.stopped) await this.call({ op: 'close' });
      } finally {
        await this.worker.terminate();
        this.opts.onClose?.();
      }
    })();
    return this.state.closing;
  }
}
