// Scale-out store: PostgreSQL through a pg Pool. `schema` pins search_path on every pooled connection
// (used by tests to give each run its own schema, and by deployments that share a database).
// Every wait on the server is bounded (connect, statement, client-side read, idle in transaction), and
// failures of the connection rather than the statement surface as StoreUnavailableError, so a PostgreSQL
// outage gives callers a clear, retryable error instead of a hang or a generic one.
import pg from 'pg';
import type { SqlDriver, SqlTransaction } from '../sql/sql-driver.js';
import { asStoreError, isStoreUnavailable } from './store-unavailable.js';

export interface PostgresDriverOptions {
  url: string;
  schema?: string;
  /** Pool size. */
  max?: number;
  /** Longest wait for a connection (TCP connect and authentication, or a free pooled client). Default 5 s. */
  connectTimeoutMs?: number;
  /** Longest statement; also bounds the client's wait for an answer (a blackholed server). Default 10 s. */
  statementTimeoutMs?: number;
  /** Idle pooled connections are closed after this. Default 30 s. */
  idleTimeoutMs?: number;
}

export const STORE_TIMEOUT_DEFAULTS = { connectTimeoutMs: 5_000, statementTimeoutMs: 10_000, idleTimeoutMs: 30_000 } as const;

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** The client gives the server this long beyond its own statement timeout before it gives up on the socket. */
const CLIENT_READ_SLACK_MS = 1_000;

export class PostgresDriver implements SqlDriver {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  constructor(opts: PostgresDriverOptions) {
    if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`invalid schema name "${opts.schema}"`);
    const statementTimeoutMs = opts.statementTimeoutMs ?? STORE_TIMEOUT_DEFAULTS.statementTimeoutMs;
    this.pool = new pg.Pool({
      connectionString: opts.url,
      max: opts.max ?? 10,
      connectionTimeoutMillis: opts.connectTimeoutMs ?? STORE_TIMEOUT_DEFAULTS.connectTimeoutMs,
      idleTimeoutMillis: opts.idleTimeoutMs ?? STORE_TIMEOUT_DEFAULTS.idleTimeoutMs,
      statement_timeout: statementTimeoutMs,
      idle_in_transaction_session_timeout: statementTimeoutMs * 2,
      query_timeout: statementTimeoutMs + CLIENT_READ_SLACK_MS,
      keepAlive: true,
      ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
    });
    // An idle client losing its connection must not crash the process; the pool replaces it.
    this.pool.on('error', () => {});
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]> {
    try {
      return (await this.pool.query(sql, params)).rows as T[];
    } catch (e) {
      throw asStoreError(e);
    }
  }

  async exec(sql: string): Promise<void> {
    await this.query(sql);
  }

  async transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw asStoreError(e);
    }
    // A client whose connection failed is destroyed on release, not handed to the next caller.
    let broken: Error | undefined;
    // The pool listens for errors only on idle clients: a checked-out client whose connection drops between two
    // statements (a reset, a terminated backend, a failover) emits 'error' with no listener, which ends the
    // process. Heard here, it marks the client broken; the transaction's next statement fails as unavailable.
    const onError = (e: unknown) => {
      broken ??= e instanceof Error ? e : new Error(String(e));
    };
    client.on('error', onError);
    const run = async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
      try {
        return (await client.query(sql, params)).rows as R[];
      } catch (e) {
        const err = asStoreError(e);
        if (isStoreUnavailable(err)) broken = err;
        throw err;
      }
    };
    try {
      await run('BEGIN');
      const tx: SqlTransaction = {
        query: run,
        exec: async (sql: string) => {
          await run(sql);
        },
      };
      const result = await fn(tx);
      await run('COMMIT');
      return result;
    } catch (e) {
      if (!broken) await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      // A broken client is destroyed and may still report its closing: it keeps the listener.
      if (!broken) client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
