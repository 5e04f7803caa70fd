// When each key of an org was last used and how much it carried recently, from the usage aggregates (minute
// precision): the keys table's "last used" column and a key action's impact preview.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toIso, toNum } from '../sql/row-values.js';

export interface KeyActivity {
  keyId: string;
  /** Start of the last minute with any request (any outcome). */
  lastUsedAt: string;
  /** Requests since `since` (any outcome). */
  requests: number;
  /** Requests since `recentSince` (any outcome). */
  recentRequests: number;
}

export async function keyActivity(ex: SqlExecutor, orgId: string, since: string, recentSince: string): Promise<KeyActivity[]> {
  const rows = await ex.query<{ key_id: string; last: unknown; requests: unknown; recent: unknown }>(
    `SELECT key_id, max(minute) AS last,
            sum(CASE WHEN minute >= $2 THEN requests ELSE 0 END) AS requests,
            sum(CASE WHEN minute >= $3 THEN requests ELSE 0 END) AS recent
     FROM usage_minute WHERE org_id = $1 GROUP BY key_id ORDER BY key_id`,
    [orgId, since, recentSince],
  );
  return rows.map((r) => ({ keyId: r.key_id, lastUsedAt: toIso(r.last), requests: toNum(r.requests), recentRequests: toNum(r.recent) }));
}
