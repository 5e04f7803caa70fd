// Opens the embedded store (PGlite in `<dataDir>/pgdata`) so that it cannot lose data silently: one process
// at a time (data-dir-lock.ts); a data folder whose identity file says it held a database but whose
// database is gone or re-initialised is refused before PGlite touches it (PGlite would initialise an empty
// database in place); damaged files give a message, not `Aborted()`; and the open database must still be
// what the identity file says was committed (store-identity.ts). Every commit that changes the watermark
// writes the identity file first.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { PgliteDriver } from './pglite-driver.js';
import { isStoreUnavailable } from './store-unavailable.js';
import type { SqlTransaction } from '../sql/sql-driver.js';
import { checkIdentity, readDbIdentity, readIdentity, readWatermark, writeIdentity, type IdentityProblem, type StoreIdentity } from './store-identity.js';
import { toNum } from '../sql/row-values.js';
import { DomainError } from '../errors/domain-error.js';

export const pgdataDir = (dataDir: string): string => join(dataDir, 'pgdata');

/** The start refuses this store; the message names the problem and the way out. */
export class StoreIntegrityError extends DomainError {
  constructor(
    readonly dataDir: string,
    readonly problems: readonly string[],
  ) {
    super(
      'store_integrity',
      `the embedded store in ${dataDir} is not what Moat committed there:\n` +
        problems.map((p) => `  - ${p}\n`).join('') +
        `Moat will not start on it. Inspect it with \`moat store check --data-dir ${dataDir}\`; restore the last backup with ` +
        `\`moat store restore <backup.tar.gz> --data-dir ${dataDir}\`; or, if the loss is understood and accepted, ` +
        `record the store as it is now with \`moat store check --accept --data-dir ${dataDir}\`.`,
    );
    this.name = 'StoreIntegrityError';
  }
}

/** Files the database needs before PGlite may open the folder; a missing one means "not a database (any more)". */
function missingFiles(pgdata: string): string[] {
  if (!existsSync(pgdata)) return [`the database folder ${pgdata} is missing`];
  const out: string[] = [];
  if (!existsSync(join(pgdata, 'PG_VERSION'))) out.push(`${join(pgdata, 'PG_VERSION')} is missing (opening it would initialise an empty database over the old files)`);
  if (!existsSync(join(pgdata, 'global', 'pg_control'))) out.push(`${join(pgdata, 'global', 'pg_control')} is missing`);
  return out;
}

function damaged(dataDir: string, e: unknown): StoreIntegrityError {
  const raw = (e as Error)?.message ?? String(e);
  return new StoreIntegrityError(dataDir, [`its files are damaged: the database engine could not open them (${raw.split('\n')[0]})`]);
}

export interface OpenEmbeddedOptions {
  /** `strict` (start): refuse on any problem. `report` (`moat store check`): open anyway and return them. */
  mode?: 'strict' | 'report';
  /** Restore: start from this dump (the folder must be empty). */
  loadDataDir?: Blob;
}

export interface EmbeddedStore {
  driver: PgliteDriver;
  /** Problems found against the identity file (always empty in strict mode, which throws instead). */
  problems: IdentityProblem[];
  /** Whether an identity file was there to check against. */
  hadIdentity: boolean;
  /** Rewrites the identity file from the store as it is now (after a restore, or `check --accept`). */
  accept(): Promise<void>;
}

export async function openEmbeddedStore(dataDir: string, opts: OpenEmbeddedOptions = {}): Promise<EmbeddedStore> {
  const strict = (opts.mode ?? 'strict') === 'strict';
  const lock: DataDirLock = lockDataDir(dataDir);
  try {
    let identity: StoreIdentity | undefined;
    try {
      identity = readIdentity(dataDir);
    } catch (e) {
      throw new StoreIntegrityError(dataDir, [`its identity file cannot be read (${(e as Error).message})`]);
    }
    const pgdata = pgdataDir(dataDir);
    if (identity && !opts.loadDataDir) {
      const missing = missingFiles(pgdata);
      if (missing.length) throw new StoreIntegrityError(dataDir, missing);
    }
    const tracker = new WatermarkTracker(dataDir, identity);
    let driver: PgliteDriver;
    try {
      driver = await PgliteDriver.open(pgdata, {
        ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}),
        beforeCommit: (tx) => tracker.beforeCommit(tx),
        onClose: () => lock.release(),
      });
    } catch (e) {
      if (isStoreUnavailable(e)) throw e; // the store's thread did not start: not the files' fault
      throw damaged(dataDir, e);
    }
    let problems: IdentityProblem[] = [];
    try {
      if (identity) problems = await checkIdentity(driver, identity);
      if (!identity) await tracker.start(driver); // first start (or first with this version): the watermark starts now
      else tracker.startFrom(identity);
    } catch (e) {
      await driver.close().catch(() => undefined);
      throw damaged(dataDir, e);
    }
    if (strict && problems.length) {
      await driver.close();
      throw new StoreIntegrityError(
        dataDir,
        problems.map((p) => p.message),
      );
    }
    return { driver, problems, hadIdentity: identity !== undefined, accept: () => tracker.start(driver) };
  } catch (e) {
    lock.release();
    throw e;
  }
}

/** Writes the identity file before each commit that moves the schema or the audit head. */
class WatermarkTracker {
  private identity: StoreIdentity | undefined;
  private tablesReady = false;

  constructor(
    private readonly dataDir: string,
    identity: StoreIdentity | undefined,
  ) {
    this.identity = identity;
  }

  startFrom(identity: StoreIdentity): void {
    this.identity = identity;
  }

  /** Takes the store as it is now as the committed state. */
  async start(ex: Pick<SqlTransaction, 'query'>): Promise<void> {
    const db = await readDbIdentity(ex);
    this.identity = { format: 1, clusterId: db.clusterId, schemaVersion: db.schemaVersion, current: db.watermark, writtenAt: new Date().toISOString() };
    writeIdentity(this.dataDir, this.identity);
  }

  async beforeCommit(tx: SqlTransaction): Promise<void> {
    const id = this.identity;
    if (!id) return;
    if (!this.tablesReady) {
      const r = (await tx.query<{ a: unknown; m: unknown }>("SELECT to_regclass('audit_log') AS a, to_regclass('schema_migrations') AS m"))[0];
      if (!r?.a || !r.m) return;
      this.tablesReady = true;
    }
    const r = (
      await tx.query<{ schema: unknown; seq: unknown; hash: string | null }>(
        'SELECT (SELECT COALESCE(max(id), 0) FROM schema_migrations) AS schema, seq, hash FROM (SELECT 1) one LEFT JOIN (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) head ON true',
      )
    )[0];
    const schemaVersion = toNum(r?.schema ?? 0);
    const seq = r?.seq === null || r?.seq === undefined ? 0 : toNum(r.seq);
    if (schemaVersion === id.schemaVersion && seq === id.current.auditSeq && (r?.hash ?? '') === id.current.auditHash) return;
    const next: StoreIdentity = { ...id, schemaVersion: Math.max(schemaVersion, id.schemaVersion), current: await readWatermark(tx), previous: id.current, writtenAt: new Date().toISOString() };
    writeIdentity(this.dataDir, next);
    this.identity = next;
  }
}
