// The embedded store's identity, kept next to it in `<dataDir>/store-identity.json`: which cluster the
// data folder holds (PostgreSQL's system identifier, new on every initdb), the schema version, and a
// watermark (org and key counts and the audit head) written before every commit that changes them. At start
// the store must still be that cluster, at that schema or newer, and hold at least what the watermark says,
// or Moat refuses to start: a data folder that was re-initialised, replaced by an older copy, or lost rows
// is reported instead of served as if nothing happened.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toNum } from '../sql/row-values.js';
import type { SqlExecutor } from '../sql/sql-driver.js';

export const IDENTITY_FILE = 'store-identity.json';

export interface Watermark {
  auditSeq: number;
  auditHash: string;
  orgs: number;
  keys: number;
}

export interface StoreIdentity {
  format: 1;
  clusterId: string;
  schemaVersion: number;
  /** The state as of the last commit that changed it. */
  current: Watermark;
  /** The state before it: what the store holds if the process died between writing this file and committing. */
  previous?: Watermark;
  writtenAt: string;
}

export interface DbIdentity {
  clusterId: string;
  schemaVersion: number;
  watermark: Watermark;
}

export const identityPath = (dataDir: string): string => join(dataDir, IDENTITY_FILE);

export function readIdentity(dataDir: string): StoreIdentity | undefined {
  const p = identityPath(dataDir);
  if (!existsSync(p)) return undefined;
  const v = JSON.parse(readFileSync(p, 'utf8')) as StoreIdentity;
  if (v?.format !== 1 || typeof v.clusterId !== 'string') throw new Error(`${p} is not a Moat store identity`);
  return v;
}

/** Atomic replace (write, then rename), so a crash leaves the old or the new file, never half of one. */
export function writeIdentity(dataDir: string, id: StoreIdentity): void {
  const p = identityPath(dataDir);
  writeFileSync(`${p}.tmp`, JSON.stringify(id, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${p}.tmp`, p);
}

const hasTable = async (ex: SqlExecutor, name: string): Promise<boolean> =>
  Boolean((await ex.query<{ t: unknown }>('SELECT to_regclass($1) AS t', [name]))[0]?.t);

/** What the open store holds now. Tables that do not exist yet count as empty. */
export async function readDbIdentity(ex: SqlExecutor): Promise<DbIdentity> {
  const clusterId = String((await ex.query<{ id: string }>('SELECT system_identifier::text AS id FROM pg_control_system()'))[0]?.id ?? '');
  const schemaVersion = (await hasTable(ex, 'schema_migrations')) ? toNum((await ex.query<{ v: unknown }>('SELECT COALESCE(max(id), 0) AS v FROM schema_migrations'))[0]?.v ?? 0) : 0;
  return { clusterId, schemaVersion, watermark: await readWatermark(ex) };
}

export async function readWatermark(ex: SqlExecutor): Promise<Watermark> {
  const count = async (t: string) => ((await hasTable(ex, t)) ? toNum((await ex.query<{ n: unknown }>(`SELECT count(*) AS n FROM ${t}`))[0]?.n ?? 0) : 0);
  const head = (await hasTable(ex, 'audit_log')) ? (await ex.query<{ seq: unknown; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1'))[0] : undefined;
  return { auditSeq: head ? toNum(head.seq) : 0, auditHash: head?.hash ?? '', orgs: await count('orgs'), keys: await count('api_keys') };
}

export async function auditHashAt(ex: SqlExecutor, seq: number): Promise<string | undefined> {
  if (!(await hasTable(ex, 'audit_log'))) return undefined;
  return (await ex.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [seq]))[0]?.hash;
}

/** Something the store lost or is not, relative to its identity file. */
export interface IdentityProblem {
  code: 'other_cluster' | 'schema_behind' | 'audit_behind' | 'audit_rewritten' | 'rows_missing';
  message: string;
}

function sameOrAhead(db: Watermark, w: Watermark, hashAtW: string | undefined): IdentityProblem | undefined {
  if (db.auditSeq < w.auditSeq)
    return { code: 'audit_behind', message: `the audit log ends at entry ${db.auditSeq}, but entry ${w.auditSeq} was committed (changes since then are missing)` };
  if (w.auditSeq > 0 && hashAtW !== w.auditHash)
    return { code: 'audit_rewritten', message: `audit entry ${w.auditSeq} is not the one committed (hash ${hashAtW?.slice(0, 12) ?? 'missing'}…, expected ${w.auditHash.slice(0, 12)}…)` };
  // With later audited changes the counts may have moved either way; at the same head they must match.
  if (db.auditSeq === w.auditSeq && (db.orgs < w.orgs || db.keys < w.keys))
    return { code: 'rows_missing', message: `the store holds ${db.orgs} orgs and ${db.keys} keys, but ${w.orgs} orgs and ${w.keys} keys were committed (rows lost from damaged files)` };
  return undefined;
}

/** Problems of the open store against its identity file; empty when it holds what was committed. */
export async function checkIdentity(ex: SqlExecutor, expected: StoreIdentity): Promise<IdentityProblem[]> {
  const db = await readDbIdentity(ex);
  if (db.clusterId !== expected.clusterId)
    return [{ code: 'other_cluster', message: `the database is not the one Moat used here (cluster ${db.clusterId}, expected ${expected.clusterId}): it was re-initialised or replaced` }];
  const problems: IdentityProblem[] = [];
  if (db.schemaVersion < expected.schemaVersion)
    problems.push({ code: 'schema_behind', message: `the schema is at migration ${db.schemaVersion}, but migration ${expected.schemaVersion} was applied (an older copy of the files?)` });
  const current = sameOrAhead(db.watermark, expected.current, await auditHashAt(ex, expected.current.auditSeq));
  // A crash between writing the identity file and committing leaves the store exactly at the previous watermark.
  const atPrevious = Boolean(current && expected.previous && db.watermark.auditSeq === expected.previous.auditSeq);
  const previous = atPrevious ? sameOrAhead(db.watermark, expected.previous!, await auditHashAt(ex, expected.previous!.auditSeq)) : current;
  if (current && previous) problems.push(current);
  return problems;
}
