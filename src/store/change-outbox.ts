// The change outbox: a change's broadcast is owed from the moment it commits. The writing process publishes
// at once and deletes the row; a row still here after its grace time (the publish failed, or the process died
// first) is claimed by whichever gateway drains next, with backoff, until it is published or out of attempts.
import type { Change } from '../changes/change-bus.js';
import { toNum } from '../sql/row-values.js';
import type { SqlExecutor } from '../sql/sql-driver.js';

/** How long the writer has to publish its own change before the other gateways' drains may claim it. */
export const OUTBOX_GRACE_MS = 5_000;

export interface OwedChange {
  change: Change;
  /** Claims so far (including this one). */
  attempts: number;
}

/** Inside the change's transaction. */
export async function enqueueChange(tx: SqlExecutor, change: Change, now: Date): Promise<void> {
  await tx.query('INSERT INTO change_outbox (version, change, next_attempt_at, created_at) VALUES ($1, $2::jsonb, $3, $4)', [
    change.version,
    JSON.stringify(change),
    new Date(now.getTime() + OUTBOX_GRACE_MS).toISOString(),
    now.toISOString(),
  ]);
}

/**
 * Claims up to `limit` due rows, oldest first, and pushes each one's next attempt into the future (0.5 s,
 * 1 s, 2 s, ... capped at 30 s), so concurrent drains (other gateways) skip them meanwhile.
 */
export async function claimOwedChanges(ex: SqlExecutor, now: Date, limit: number): Promise<OwedChange[]> {
  const rows = await ex.query<{ change: Change | string; attempts: unknown }>(
    `UPDATE change_outbox SET attempts = attempts + 1,
       next_attempt_at = $1::timestamptz + make_interval(secs => LEAST(0.5 * power(2, attempts), 30))
     WHERE version IN (SELECT version FROM change_outbox WHERE next_attempt_at <= $1 ORDER BY version LIMIT $2 FOR UPDATE SKIP LOCKED)
     RETURNING change, attempts`,
    [now.toISOString(), limit],
  );
  return rows
    .map((r) => ({ change: typeof r.change === 'string' ? (JSON.parse(r.change) as Change) : r.change, attempts: toNum(r.attempts) }))
    .sort((a, b) => a.change.version - b.change.version);
}

/** The writer's own publish failed: due again after the first backoff step, for any gateway's drain. */
export async function retryOwedChangeSoon(ex: SqlExecutor, version: number, now: Date): Promise<void> {
  await ex.query('UPDATE change_outbox SET attempts = GREATEST(attempts, 1), next_attempt_at = $2 WHERE version = $1', [version, new Date(now.getTime() + 500).toISOString()]);
}

export async function settleOwedChange(ex: SqlExecutor, version: number): Promise<void> {
  await ex.query('DELETE FROM change_outbox WHERE version = $1', [version]);
}

export async function owedChangeCount(ex: SqlExecutor): Promise<number> {
  const row = (await ex.query<{ n: unknown }>('SELECT count(*) AS n FROM change_outbox'))[0];
  return row ? toNum(row.n) : 0;
}
