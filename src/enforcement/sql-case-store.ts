// CaseStore over SqlDriver: the case document as jsonb plus the columns queries filter on; the case row and
// its audit entries commit in one transaction.
import { appendAudit } from '../audit/audit-log.js';
import { jsonParam } from '../sql/row-values.js';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';
import { isUniqueViolation } from '../store/sql-errors.js';
import type { Case } from './case-model.js';
import { CaseConflictError, type CaseQuery, type CaseStore } from './case-store.js';
import type { AuditRecord } from './enforcement-target.js';

interface Row {
  doc: Case | string;
  version: unknown;
}

function fromRow(r: Row): Case {
  const doc = typeof r.doc === 'string' ? (JSON.parse(r.doc) as Case) : r.doc;
  return { ...doc, version: Number(r.version) };
}

export class SqlCaseStore implements CaseStore {
  constructor(private readonly driver: SqlDriver) {}

  async get(id: string): Promise<Case | undefined> {
    const r = (await this.driver.query<Row>('SELECT doc, version FROM enforcement_cases WHERE id = $1', [id]))[0];
    return r && fromRow(r);
  }

  async getByKey(key: string): Promise<Case | undefined> {
    const r = (await this.driver.query<Row>('SELECT doc, version FROM enforcement_cases WHERE case_key = $1', [key]))[0];
    return r && fromRow(r);
  }

  async list(q: CaseQuery = {}): Promise<Case[]> {
    const { sql, params } = caseListQuery(q);
    return (await this.driver.query<Row>(sql, params)).map(fromRow);
  }

  async save(c: Case, audit: readonly AuditRecord[]): Promise<Case> {
    return (await this.saveAll([{ case: c, audit }]))[0]!;
  }

  async saveAll(items: ReadonlyArray<{ case: Case; audit: readonly AuditRecord[] }>): Promise<Case[]> {
    const out = new Map<Case, Case>();
    // One transaction: a conflict on any case rolls back the ones written before it. Rows are written in id order,
    // so two workers folding the same cases in opposite directions queue on the first row instead of deadlocking.
    await this.driver.transaction(async (tx) => {
      for (const { case: c, audit } of [...items].sort((a, b) => (a.case.id < b.case.id ? -1 : a.case.id > b.case.id ? 1 : 0))) out.set(c, await writeCase(tx, c, audit));
    });
    return items.map((i) => out.get(i.case)!);
  }
}

/**
 * The statement `list` runs. Org filters read `org_ids` through its GIN index (migration 603): a cluster's
 * detection looks up the cases of every account it names, which must not scan the table as cases accumulate.
 */
export function caseListQuery(q: CaseQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('$?', `$${params.length}`));
  };
  if (q.status) add('status = $?', q.status);
  if (q.severity) add('severity = $?', q.severity);
  if (q.orgId) add('org_ids @> $?::jsonb', JSON.stringify([q.orgId]));
  if (q.anyOrg) add('org_ids ?| ARRAY(SELECT jsonb_array_elements_text($?::jsonb))', JSON.stringify(q.anyOrg));
  // Not a LIKE on case_key: without statistics (the embedded store never gathers them) the planner took the key's
  // index for the prefix, which reads every case of the kind, over the org index.
  if (q.kind) add("split_part(case_key, ':', 1) = $?", q.kind);
  if (q.excludeStatus) add('status <> $?', q.excludeStatus);
  params.push(q.limit ?? 500);
  return {
    sql: `SELECT doc, version FROM enforcement_cases ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY updated_at DESC, id DESC LIMIT $${params.length}`,
    params,
  };
}

async function writeCase(tx: SqlTransaction, c: Case, audit: readonly AuditRecord[]): Promise<Case> {
  const saved: Case = { ...c, version: c.version + 1 };
  const values = [saved.id, saved.key, saved.status, saved.severity, jsonParam(saved.orgIds), saved.version, jsonParam(saved), saved.openedAt, saved.updatedAt];
  const conflict = (e: unknown): never => {
    if (isUniqueViolation(e)) throw new CaseConflictError('conflict', `a case for ${c.key} already exists`);
    throw e;
  };
  if (c.version === 0) {
    await tx
      .query(
        `INSERT INTO enforcement_cases (id, case_key, status, severity, org_ids, version, doc, opened_at, updated_at)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8, $9)`,
        values,
      )
      .catch(conflict);
  } else {
    const r = await tx
      .query(
        `UPDATE enforcement_cases SET case_key = $2, status = $3, severity = $4, org_ids = $5::jsonb, version = $6, doc = $7::jsonb, opened_at = $8, updated_at = $9
         WHERE id = $1 AND version = $10 RETURNING id`,
        [...values, c.version],
      )
      .catch(conflict);
    if (r.length === 0) throw new CaseConflictError('stale_version', `case ${c.id} changed since it was read`);
  }
  const now = new Date(saved.updatedAt);
  for (const a of audit) await appendAudit(tx, { actor: a.actor, action: a.action, target: a.target, data: a.data ?? {} }, now);
  return saved;
}

/** AuditAppender over the store's audit log (one transaction per entry). */
export function sqlAuditAppender(driver: SqlDriver): { append(e: AuditRecord): Promise<void> } {
  return {
    async append(e) {
      await driver.transaction((tx) => appendAudit(tx, { actor: e.actor, action: e.action, target: e.target, data: e.data ?? {} }));
    },
  };
}
