// Scale-out store: PostgreSQL through a pg Pool. `schema` pins search_path on every pooled connection
// (used by tests to give each run its own schema, and by deployments that share a database).
import pg from 'pg';
import type { SqlDriver, SqlTransaction } from './sql-driver.js';

export interface PostgresDriverOptions {
  url: string;
  schema?: string;
  /** Pool size. */
  max?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(opts: PostgresDriverOptions) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`invalid schema name "${opts.schema}"`);
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.max ?? 10,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const tx: SqlTransaction = {
        query: async <R>(sql: string, params?: unknown[]) => (await client.query(sql, params)).rows as R[],
        exec: async (sql: string) => {
          await client.query(sql);
        },
      };
      const result = await fn(tx);
      await client.query('COMMIT');
      return result;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
