// Applies pending migrations in one transaction. On PostgreSQL a transaction-scoped advisory lock makes
// concurrent starts of several processes safe: the second waits, then finds nothing left to apply.
import { MIGRATIONS } from './migrations/index.js';
import type { Migration } from '../sql/migration.js';
import type { SqlDriver } from '../sql/sql-driver.js';

/** Arbitrary constant shared by every Moat process ("moat" in ASCII). */
const MIGRATION_LOCK_KEY = 0x6d6f6174;

export interface MigrationResult {
  applied: number[];
  current: number;
}

export async function runMigrations(driver: SqlDriver, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const ids = migrations.map((m) => m.id);
  if (ids.some((id, i) => i > 0 && id <= (ids[i - 1] as number))) throw new Error('migrations must have strictly increasing ids');
  return driver.transaction(async (tx) => {
    if (driver.kind === 'postgres') await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.exec(
      'CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const done = new Set((await tx.query<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => Number(r.id)));
    const applied: number[] = [];
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await tx.exec(m.sql);
      await tx.query('INSERT INTO schema_migrations (id, name) VALUES ($1, $2)', [m.id, m.name]);
      applied.push(m.id);
    }
    return { applied, current: Math.max(0, ...done, ...applied) };
  });
}
