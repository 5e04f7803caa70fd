// Stored answers of create calls, by Idempotency-Key. The answer is sealed by the caller (the admin API
// encrypts it with a key derived from the Idempotency-Key itself), so the store never holds a usable secret.
import { toNum } from '../sql/row-values.js';
import type { SqlExecutor } from '../sql/sql-driver.js';
import { isUniqueViolation } from './sql-errors.js';
import { DomainError } from '../errors/domain-error.js';

/** The key was used by a concurrent call that committed first; its answer can now be read and replayed. */
export class IdempotencyCollision extends DomainError {
  constructor() {
    super('idempotency_collision', 'Idempotency-Key used by a concurrent call');
    this.name = 'IdempotencyCollision';
  }
}

/** How long a stored answer can be replayed. */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export interface IdempotencyRecord {
  requestHash: string;
  status: number;
  /** Sealed answer body. */
  response: string;
}

/** What a mutation stores with its result, in its own transaction. */
export interface IdempotencyClaim {
  keyHash: string;
  requestHash: string;
  status: number;
  seal(result: unknown): string;
}

export async function findIdempotent(ex: SqlExecutor, keyHash: string, now: Date): Promise<IdempotencyRecord | undefined> {
  const row = (
    await ex.query<{ request_hash: string; status: unknown; response: string }>(
      'SELECT request_hash, status, response FROM idempotency_keys WHERE key_hash = $1 AND created_at > $2',
      [keyHash, new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString()],
    )
  )[0];
  return row ? { requestHash: row.request_hash, status: toNum(row.status), response: row.response } : undefined;
}

/** Inside the mutation's transaction: a second use of the key violates the primary key and rolls it back. */
export async function storeIdempotent(ex: SqlExecutor, claim: IdempotencyClaim, result: unknown, now: Date): Promise<void> {
  // Expired answers (this key's included) make room; a live one is never deleted here, so a concurrent first use
  // of the same key still collides on the primary key.
  await ex.query('DELETE FROM idempotency_keys WHERE created_at <= $1', [new Date(now.getTime() - IDEMPOTENCY_TTL_MS).toISOString()]);
  try {
    await ex.query('INSERT INTO idempotency_keys (key_hash, request_hash, status, response, created_at) VALUES ($1, $2, $3, $4, $5)', [
      claim.keyHash,
      claim.requestHash,
      claim.status,
      claim.seal(result),
      now.toISOString(),
    ]);
  } catch (e) {
    throw isUniqueViolation(e) ? new IdempotencyCollision() : e;
  }
}
