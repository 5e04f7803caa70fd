// The store's global change version: one counter bumped by every control-plane change. Views compare it with
// their snapshot's version to detect changes they missed.
import type { SqlExecutor } from '../sql/sql-driver.js';
import { toNum } from '../sql/row-values.js';

export async function readChangeVersion(ex: SqlExecutor): Promise<number> {
  const row = (await ex.query<{ version: unknown }>('SELECT version FROM change_version WHERE id = 1'))[0];
  return row ? toNum(row.version) : 0;
}

/** Must run inside a transaction; the row lock it takes serialises all control-plane writes. */
export async function bumpChangeVersion(tx: SqlExecutor): Promise<number> {
  const row = (await tx.query<{ version: unknown }>('UPDATE change_version SET version = version + 1 WHERE id = 1 RETURNING version'))[0];
  if (!row) throw new Error('change_version row missing; run migrations');
  return toNum(row.version);
}
