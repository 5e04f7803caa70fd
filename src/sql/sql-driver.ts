// The one SQL seam: every store backend (embedded PGlite, PostgreSQL) implements this interface, and all
// repositories are plain functions over it, so the same schema, queries and contract tests serve both.

export interface SqlExecutor {
  /** Runs one parameterised statement ($1, $2, ...) and returns its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
}

/** An executor bound to one open transaction; can also run multi-statement scripts (migrations). */
export interface SqlTransaction extends SqlExecutor {
  exec(sql: string): Promise<void>;
}

export interface SqlDriver extends SqlExecutor {
  readonly kind: 'pglite' | 'postgres';
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs fn in one transaction; rolls back if it throws. */
  transaction<T>(fn: (tx: SqlTransaction) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
