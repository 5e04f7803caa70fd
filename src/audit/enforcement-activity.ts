// Enforcement actions counted by kind from the audit log: what the enforcement executor did (restrict, suspend,
// revoke, throttle, lift, notify), status changes an admin made by hand, and key disables, enables and deletes.
// A status change made by the executor is audited twice (org.status with its case, and enforcement.<action>);
// only the second is counted, so nothing is counted twice.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toIso, toNum } from '../sql/row-values.js';

export interface ActivityQuery {
  /** Inclusive ISO start. */
  from?: string | undefined;
  /** Exclusive ISO end. */
  to?: string | undefined;
  bucket?: 'hour' | 'day' | undefined;
}

export interface ActivityCount {
  /** restrict | suspend | revoke | throttle | lift | notify | reinstate | key.disable | key.enable | key.delete */
  kind: string;
  /** How many of them were taken by hand (not by the enforcement executor). */
  manual: number;
  count: number;
  bucket?: string;
}

const BY_HAND: Record<string, string> = { restricted: 'restrict', suspended: 'suspend', revoked: 'revoke', active: 'reinstate' };

export async function countEnforcementActivity(ex: SqlExecutor, q: ActivityQuery): Promise<ActivityCount[]> {
  const where = [
    `((action LIKE 'enforcement.%' AND action NOT LIKE '%.failed') OR (action = 'org.status' AND data->>'caseId' IS NULL) OR action IN ('key.disable', 'key.enable', 'key.delete'))`,
  ];
  const params: unknown[] = [];
  if (q.from) where.push(`ts >= $${params.push(q.from)}`);
  if (q.to) where.push(`ts < $${params.push(q.to)}`);
  const bucket = q.bucket ? `date_trunc('${q.bucket}', ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'` : undefined;
  const rows = await ex.query<{ action: string; to_status: string | null; bucket?: unknown; n: unknown }>(
    `SELECT action, data->>'to' AS to_status, ${bucket ? `${bucket} AS bucket, ` : ''}count(*) AS n
     FROM audit_log WHERE ${where.join(' AND ')}
     GROUP BY action, data->>'to'${bucket ? `, ${bucket}` : ''}`,
    params,
  );
  const merged = new Map<string, ActivityCount>();
  for (const r of rows) {
    const manual = r.action === 'org.status' || r.action.startsWith('key.');
    const kind = r.action.startsWith('enforcement.') ? r.action.slice('enforcement.'.length) : r.action === 'org.status' ? (BY_HAND[r.to_status ?? ''] ?? `status.${r.to_status}`) : r.action;
    const b = r.bucket === undefined ? undefined : toIso(r.bucket);
    const k = `${kind}\u0000${b ?? ''}`;
    const cur = merged.get(k) ?? { kind, manual: 0, count: 0, ...(b ? { bucket: b } : {}) };
    cur.count += toNum(r.n);
    if (manual) cur.manual += toNum(r.n);
    merged.set(k, cur);
  }
  return [...merged.values()].sort((a, b) => (a.bucket ?? '').localeCompare(b.bucket ?? '') || b.count - a.count || a.kind.localeCompare(b.kind));
}
