// The embedded store's own thread. PGlite runs each statement synchronously in WASM, so on the gateway's main
// thread every statement was a stall of its event loop (5-10 ms now and then, more for a large write); here it
// is not. The main thread's PgliteDriver sends one message per statement; a transaction holds PGlite's own lock
// from `begin` to `end`, so statements from outside it wait as they did in-process.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite, type Transaction } from '@electric-sql/pglite';

export interface PgliteThreadData {
  /** In memory when undefined. */
  dataDir: string | undefined;
  /** Start parameters added to PGlite's defaults. */
  extraStartParams: string[];
  /** A data folder dump to start from. */
  loadDataDir: ArrayBuffer | undefined;
  /** Create the database, close it and report: the thread then ends (see createApart). */
  createOnly: boolean;
}

type ThreadTarget = { tx: number | undefined };
export type ToPgliteThread =
  | ({ id: number; op: 'query'; sql: string; params: unknown[] | undefined } & ThreadTarget)
  | ({ id: number; op: 'exec'; sql: string } & ThreadTarget)
  | { id: number; op: 'begin' }
  | { id: number; op: 'end'; tx: number; commit: boolean }
  | { id: number; op: 'dump' }
  | { id: number; op: 'close' };

/** An error's message and its own plain fields (a database error's `code`, `detail`, `constraint`, ...). */
export interface ThreadError {
  message: string;
  fields: Record<string, string | number>;
}

/** The answer to message `id`; id 0 answers the thread's start (the database is open). */
export interface FromPgliteThread {
  id: number;
  value?: unknown;
  error?: ThreadError;
}

function threadError(e: unknown): ThreadError {
  const err = e instanceof Error ? e : new Error(String(e));
  const fields: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') fields[k] = v;
  return { message: err.message, fields };
}

const ROLLBACK = Symbol('rollback');

function serve(db: PGlite, port: NonNullable<typeof parentPort>): void {
  const reply = (id: number, value?: unknown, transfer: ArrayBuffer[] = []): void => port.postMessage({ id, value } satisfies FromPgliteThread, transfer);
  const fail = (id: number, e: unknown): void => port.postMessage({ id, error: threadError(e) } satisfies FromPgliteThread);
  const open = new Map<number, { tx: Transaction; end: (commit: boolean) => void; settled: Promise<void> }>();

  const executor = (tx: number | undefined): PGlite | Transaction => {
    if (tx === undefined) return db;
    const t = open.get(tx);
    if (!t) throw new Error(`no open transaction ${tx}`);
    return t.tx;
  };

  const begin = (id: number): void => {
    let started = false;
    let end: (commit: boolean) => void = () => {};
    const committed = new Promise<boolean>((resolve) => (end = resolve));
    const settled = db
      .transaction(async (tx) => {
        started = true;
        open.set(id, { tx, end, settled });
        reply(id, id);
        if (!(await committed)) throw ROLLBACK;
      })
      .catch((e: unknown) => {
        if (e === ROLLBACK) return;
        if (!started) fail(id, e);
        throw e;
      });
    // A failure before the transaction started was answered above; one at its end is answered to `end`.
    settled.catch(() => {});
  };

  const handle = async (m: ToPgliteThread): Promise<void> => {
    switch (m.op) {
      case 'query':
        return reply(m.id, (await executor(m.tx).query(m.sql, m.params)).rows);
      case 'exec':
        await executor(m.tx).exec(m.sql);
        return reply(m.id);
      case 'begin':
        return begin(m.id);
      case 'end': {
        const t = open.get(m.tx);
        if (!t) throw new Error(`no open transaction ${m.tx}`);
        open.delete(m.tx);
        t.end(m.commit);
        await t.settled;
        return reply(m.id);
      }
      case 'dump': {
        const dump = await (await db.dumpDataDir('gzip')).arrayBuffer();
        return reply(m.id, dump, [dump]);
      }
      case 'close':
        if (!db.closed) await db.close();
        return reply(m.id);
    }
  };
  port.on('message', (m: ToPgliteThread) => void handle(m).catch((e: unknown) => fail(m.id, e)));
}

async function start(data: PgliteThreadData, port: NonNullable<typeof parentPort>): Promise<void> {
  const settings = {
    startParams: [...PGlite.defaultStartParams, ...data.extraStartParams],
    ...(data.loadDataDir ? { loadDataDir: new Blob([data.loadDataDir]) } : {}),
  };
  let db: PGlite;
  try {
    db = data.dataDir ? new PGlite(data.dataDir, settings) : new PGlite(settings);
    await db.waitReady;
    if (data.createOnly) await db.close();
  } catch (e) {
    port.postMessage({ id: 0, error: threadError(e) } satisfies FromPgliteThread);
    return;
  }
  if (!data.createOnly) serve(db, port);
  port.postMessage({ id: 0 } satisfies FromPgliteThread);
}

if (parentPort) void start(workerData as PgliteThreadData, parentPort);
