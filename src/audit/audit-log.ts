// The audit log in the store. Appends take the change_version row lock first, so appends from concurrent
// transactions and processes are serialised and each links to the true previous entry. The sequence number and
// previous hash come from the head row (audit_head), which only moves forward: deleting the newest entries
// does not make their numbers free again. Entries are MACed with the key of the transaction's driver
// (audit-key.ts), which lives outside the database.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toIso, toNum, jsonParam } from '../sql/row-values.js';
import { GENESIS_HASH, macAuditHash, sealAuditEntry, type AuditEntry } from './audit-chain.js';
import { auditKeyOf } from './audit-key.js';
import { redactUrlsIn } from './redact-url.js';

export interface AuditInput {
  actor: string;
  action: string;
  target: string;
  data?: Record<string, unknown>;
}

/** Must run inside a transaction. */
export async function appendAudit(tx: SqlExecutor, input: AuditInput, now: Date = new Date()): Promise<AuditEntry> {
  await tx.query('SELECT version FROM change_version WHERE id = 1 FOR UPDATE');
  const head = (await tx.query<{ seq: unknown; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
  if (!head) throw new Error('audit_head is missing: the audit log cannot be appended to (run migrations)');
  const sealed = sealAuditEntry(head.hash, {
    seq: toNum(head.seq) + 1,
    ts: now.toISOString(),
    actor: input.actor,
    action: input.action,
    target: input.target,
    // A JSON round trip drops undefined fields exactly as jsonb storage will, so the hash stays reproducible.
    // URLs keep only scheme and host: the log is readable by every viewer and must hold no secret.
    data: redactUrlsIn(JSON.parse(JSON.stringify(input.data ?? {})) as Record<string, unknown>),
  });
  const key = auditKeyOf(tx);
  const entry: AuditEntry = key ? { ...sealed, mac: macAuditHash(key, sealed.hash) } : sealed;
  await tx.query('INSERT INTO audit_log (seq, ts, actor, action, target, data, prev_hash, hash, mac) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9)', [
    entry.seq, entry.ts, entry.actor, entry.action, entry.target, jsonParam(entry.data), entry.prevHash, entry.hash, entry.mac ?? null,
  ]);
  await tx.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [entry.seq, entry.hash]);
  return entry;
}

/** The newest entry's sequence number and hash, as the head row records them. */
export async function auditHead(ex: SqlExecutor): Promise<{ seq: number; hash: string }> {
  const row = (await ex.query<{ seq: unknown; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1'))[0];
  return row ? { seq: toNum(row.seq), hash: row.hash } : { seq: 0, hash: GENESIS_HASH };
}

/** An audit_log row as the drivers return it (`mac` absent when not selected). */
export interface AuditRow {
  seq: unknown;
  ts: unknown;
  actor: string;
  action: string;
  target: string;
  data: Record<string, unknown>;
  prev_hash: string;
  hash: string;
  mac?: string | null;
}

export function fromRow(r: AuditRow): AuditEntry {
  const e: AuditEntry = { seq: toNum(r.seq), ts: toIso(r.ts), actor: r.actor, action: r.action, target: r.target, data: r.data, prevHash: r.prev_hash, hash: r.hash };
  if (r.mac) e.mac = r.mac;
  return e;
}

export interface AuditQuery {
  afterSeq?: number;
  /** Only entries before this sequence number (paging newest-first). */
  beforeSeq?: number;
  /** Only entries at or after this ISO time. */
  from?: string;
  /** `newest`: newest first (the console's view); default oldest first (export, verification). */
  order?: 'oldest' | 'newest';
  limit?: number;
  action?: string;
  target?: string;
  actor?: string;
}

export async function listAudit(ex: SqlExecutor, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.afterSeq !== undefined) add('seq > ?', q.afterSeq);
  if (q.beforeSeq !== undefined) add('seq < ?', q.beforeSeq);
  if (q.from !== undefined) add('ts >= ?', new Date(q.from).toISOString());
  if (q.action !== undefined) add('action = ?', q.action);
  if (q.target !== undefined) add('target = ?', q.target);
  if (q.actor !== undefined) add('actor = ?', q.actor);
  params.push(q.limit ?? 1000);
  const rows = await ex.query<AuditRow>(
    `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq ${q.order === 'newest' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

/** Every entry in order, read in pages so a long log is not one giant result. */
export async function* allAuditEntries(ex: SqlExecutor, pageSize = 5000): AsyncGenerator<AuditEntry> {
  let after = 0;
  for (;;) {
    const page = await listAudit(ex, { afterSeq: after, limit: pageSize });
    for (const e of page) yield e;
    if (page.length < pageSize) return;
    after = (page[page.length - 1] as AuditEntry).seq;
  }
}
