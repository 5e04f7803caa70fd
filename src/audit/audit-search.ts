// Audit search for people: a partial, case-insensitive match on actor, action, target or details, where an
// org's *name* also finds the entries about it (its own entries, its keys', and case entries that name its id),
// plus action, actor and time filters; newest first, paged by sequence number through the whole log.
// Entries come back with the target's org resolved (name and id), so the console can show names and link them.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toNum } from '../sql/row-values.js';
import type { AuditEntry } from './audit-chain.js';
import { fromRow, type AuditRow } from './audit-log.js';

export interface AuditSearch {
  /** Partial match (case-insensitive) on actor, action, target, details, or the name of the org concerned. */
  q?: string | undefined;
  /** Any of these actions exactly. */
  actions?: readonly string[] | undefined;
  /** Partial match on the actor. */
  actor?: string | undefined;
  /** Exact target id. */
  target?: string | undefined;
  /** Entries about this org (id): the org itself, its keys, and entries whose details name it (cases). */
  org?: string | undefined;
  /** Inclusive ISO start. */
  from?: string | undefined;
  /** Exclusive ISO end. */
  to?: string | undefined;
  /** Only entries older than this sequence number (the next page). */
  beforeSeq?: number | undefined;
}

export interface FoundAuditEntry extends AuditEntry {
  /** The org the target is, or whose key it is. */
  targetOrg?: { id: string; name: string };
}

/** Names an org matches at most: a one-letter search must not turn into a thousand-way OR. */
const NAMED_ORGS = 50;

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => '\\' + c)}%`;

function whereOf(s: AuditSearch, named: readonly string[]): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => `$${params.push(v)}`;
  if (s.q) {
    const q = p(likePattern(s.q));
    const any = [`a.actor ILIKE ${q}`, `a.action ILIKE ${q}`, `a.target ILIKE ${q}`, `a.data::text ILIKE ${q}`];
    if (named.length) {
      const ids = named.map((id) => p(id)).join(', ');
      // One regular expression over the details finds every entry naming one of the orgs (case steps).
      any.push(`a.target IN (${ids})`, `k.org_id IN (${ids})`, `a.data::text ~ ${p(named.map(escapeRegex).join('|'))}`);
    }
    where.push(`(${any.join(' OR ')})`);
  }
  if (s.actions?.length) where.push(`a.action IN (${s.actions.map((x) => p(x)).join(', ')})`);
  if (s.actor) where.push(`a.actor ILIKE ${p(likePattern(s.actor))}`);
  if (s.target) where.push(`a.target = ${p(s.target)}`);
  if (s.org) {
    const o = p(s.org);
    where.push(`(a.target = ${o} OR k.org_id = ${o} OR position(${o} IN a.data::text) > 0)`);
  }
  if (s.from) where.push(`a.ts >= ${p(new Date(s.from).toISOString())}`);
  if (s.to) where.push(`a.ts < ${p(new Date(s.to).toISOString())}`);
  if (s.beforeSeq !== undefined) where.push(`a.seq < ${p(s.beforeSeq)}`);
  return { sql: where.length ? `WHERE ${where.join(' AND ')}` : '', params };
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Ids of the orgs whose name matches the search (resolved once, not per audit row). */
async function namedOrgs(ex: SqlExecutor, q: string | undefined): Promise<string[]> {
  if (!q) return [];
  const rows = await ex.query<{ id: string }>(`SELECT id FROM orgs WHERE name ILIKE $1 ORDER BY name LIMIT ${NAMED_ORGS}`, [likePattern(q)]);
  return rows.map((r) => r.id);
}

const FROM = `FROM audit_log a LEFT JOIN api_keys k ON k.id = a.target LEFT JOIN orgs o ON o.id = COALESCE(k.org_id, a.target)`;

type Row = AuditRow & { org_id: string | null; org_name: string | null };

export async function searchAudit(ex: SqlExecutor, s: AuditSearch, limit: number): Promise<FoundAuditEntry[]> {
  const { sql, params } = whereOf(s, await namedOrgs(ex, s.q));
  const rows = await ex.query<Row>(
    `SELECT a.seq, a.ts, a.actor, a.action, a.target, a.data, a.prev_hash, a.hash, o.id AS org_id, o.name AS org_name ${FROM} ${sql}
     ORDER BY a.seq DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    params,
  );
  return rows.map((r) => ({
    ...fromRow(r),
    ...(r.org_id && r.org_name ? { targetOrg: { id: r.org_id, name: r.org_name } } : {}),
  }));
}

/** How many entries match in all (the page says "41–60 of 213"). */
export async function countAudit(ex: SqlExecutor, s: AuditSearch): Promise<number> {
  const { beforeSeq: _b, ...rest } = s;
  const { sql, params } = whereOf(rest, await namedOrgs(ex, s.q));
  const rows = await ex.query<{ n: unknown }>(`SELECT count(*) AS n ${FROM} ${sql}`, params);
  return toNum(rows[0]?.n ?? 0);
}

/** The actions recorded, with how often (the console's action picker). */
export async function auditActions(ex: SqlExecutor): Promise<{ action: string; count: number }[]> {
  const rows = await ex.query<{ action: string; n: unknown }>('SELECT action, count(*) AS n FROM audit_log GROUP BY action ORDER BY action');
  return rows.map((r) => ({ action: r.action, count: toNum(r.n) }));
}
