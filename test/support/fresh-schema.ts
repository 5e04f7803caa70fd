// A fresh PostgreSQL schema per test run, so suites sharing one database never see each other's tables.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Creates schema `<prefix>_<random>`; `url` pins it on every connection (search_path), `drop` removes it. */
export async function freshSchema(base: string, prefix = 'moat_test'): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `${prefix}_${randomBytes(5).toString('hex')}`;
  const run = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await run(`CREATE SCHEMA ${schema}`);
  const u = new URL(base);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return { url: u.toString(), drop: () => run(`DROP SCHEMA IF EXISTS ${schema} CASCADE`) };
}
