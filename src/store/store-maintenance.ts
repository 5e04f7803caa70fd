// `moat store check|backup|restore` for the embedded store. All work offline on the data folder (the gateway
// stopped: the folder is locked while it runs). Nothing here deletes data: a database that is replaced or
// given up is moved aside next to it, named with the time.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { allAuditEntries } from '../audit/audit-log.js';
import { verifyAuditChain, type AuditEntry } from '../audit/audit-chain.js';
import { lockDataDir } from './data-dir-lock.js';
import { openEmbeddedStore, pgdataDir, StoreIntegrityError } from './embedded-store.js';
import type { PgliteDriver } from './pglite-driver.js';
import { identityPath, readWatermark, type Watermark } from './store-identity.js';

export interface StoreReport {
  ok: boolean;
  problems: string[];
  /** What the store holds (when it could be opened). */
  holds?: Watermark & { auditEntriesVerified: number };
  /** What was done (accept, move aside, restore). */
  actions: string[];
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

function moveAside(dataDir: string, why: string): string[] {
  const out: string[] = [];
  const t = stamp();
  for (const [path, name] of [
    [pgdataDir(dataDir), `pgdata.${why}-${t}`],
    [identityPath(dataDir), `store-identity.${why}-${t}.json`],
  ] as const) {
    if (!existsSync(path)) continue;
    const to = `${dataDir}/${name}`;
    renameSync(path, to);
    out.push(`moved ${path} to ${to}`);
  }
  return out;
}

async function describe(driver: PgliteDriver): Promise<{ holds: StoreReport['holds']; problems: string[] }> {
  const w = await readWatermark(driver);
  if (!(await driver.query<{ t: unknown }>("SELECT to_regclass('audit_log') AS t"))[0]?.t) return { holds: { ...w, auditEntriesVerified: 0 }, problems: [] };
  const entries: AuditEntry[] = [];
  for await (const e of allAuditEntries(driver)) entries.push(e);
  const v = verifyAuditChain(entries);
  return { holds: { ...w, auditEntriesVerified: v.count }, problems: v.ok ? [] : [`the audit chain is broken: ${v.problem} at entry ${v.seq}: ${v.message}`] };
}

/**
 * Checks the store against its identity file and verifies the audit chain. With `accept`, a store with
 * problems is taken as it is now (its identity file rewritten); one whose database cannot be opened is moved
 * aside, so the next start begins with an empty store.
 */
export async function checkStore(dataDir: string, opts: { accept?: boolean } = {}): Promise<StoreReport> {
  let store;
  try {
    store = await openEmbeddedStore(dataDir, { mode: 'report' });
  } catch (e) {
    if (!(e instanceof StoreIntegrityError)) throw e;
    if (!opts.accept) return { ok: false, problems: [...e.problems], actions: [] };
    return { ok: true, problems: [...e.problems], actions: [...moveAside(dataDir, 'given-up'), 'the next start creates an empty store'] };
  }
  try {
    const problems = store.problems.map((p) => p.message);
    const found = await describe(store.driver);
    problems.push(...found.problems);
    const actions: string[] = [];
    if (!store.hadIdentity) actions.push('no identity file was there: recorded one from the store as it is now');
    if (opts.accept && problems.length) {
      await store.accept();
      actions.push('accepted: the identity file now records the store as it is');
    }
    return { ok: problems.length === 0 || Boolean(opts.accept), problems, ...(found.holds ? { holds: found.holds } : {}), actions };
  } finally {
    await store.driver.close();
  }
}

/** Writes a gzipped dump of the store to `file` (refused if the store fails its checks). */
export async function backupStore(dataDir: string, file: string): Promise<StoreReport> {
  const store = await openEmbeddedStore(dataDir);
  try {
    const found = await describe(store.driver);
    if (found.problems.length) return { ok: false, problems: found.problems, actions: [] };
    const dump = Buffer.from(await (await store.driver.dump()).arrayBuffer());
    writeFileSync(`${file}.tmp`, dump, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
    return { ok: true, problems: [], ...(found.holds ? { holds: found.holds } : {}), actions: [`wrote ${dump.length} bytes to ${file}`] };
  } finally {
    await store.driver.close();
  }
}

/** Replaces the store with a backup; the database it replaces is moved aside, not deleted. */
export async function restoreStore(dataDir: string, file: string): Promise<StoreReport> {
  const dump = new Blob([readFileSync(file)]);
  // Refuse while a gateway holds the folder, before moving anything.
  lockDataDir(dataDir).release();
  const actions = moveAside(dataDir, 'before-restore');
  const store = await openEmbeddedStore(dataDir, { loadDataDir: dump });
  try {
    const found = await describe(store.driver);
    return { ok: found.problems.length === 0, problems: found.problems, ...(found.holds ? { holds: found.holds } : {}), actions: [...actions, `restored ${file}`] };
  } finally {
    await store.driver.close();
  }
}
