// "The store cannot be reached right now" as one error type, whichever driver saw it: connection refused,
// reset or timed out, a statement or idle timeout, the server shutting down or out of connections. Callers
// turn it into a retryable answer (503 `store_unavailable`) instead of a generic internal error.
import { DomainError } from '../errors/domain-error.js';

export class StoreUnavailableError extends DomainError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super('store_unavailable', message, opts);
    this.name = 'StoreUnavailableError';
  }
}

export function isStoreUnavailable(e: unknown): e is StoreUnavailableError {
  return e instanceof StoreUnavailableError;
}

/** SQLSTATEs the server sends when it, not the statement, is the problem. */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53300|57014|25P03)$/;
/** Socket-level failures (Node error codes). */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
/** node-postgres reports its own timeouts and lost connections as plain Errors with these messages. */
const CLIENT_MESSAGES = /timeout|connection terminated|terminated unexpectedly|not queryable|connection (?:error|closed)|Connection refused/i;

function codeOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

/** Whether a PostgreSQL client error means "unreachable or timed out" rather than "this statement is wrong". */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = codeOf(e);
  if (code && /^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE.test(code);
  if (code && NETWORK_CODES.has(code)) return true;
  if (e instanceof AggregateError) return e.errors.some(isConnectionFailure);
  return CLIENT_MESSAGES.test(e.message);
}

/** Rethrows connection failures as StoreUnavailableError (keeping the cause); anything else unchanged. */
export function asStoreError(e: unknown): unknown {
  if (isStoreUnavailable(e) || !isConnectionFailure(e)) return e;
  return new StoreUnavailableError(`store unavailable: ${(e as Error).message || codeOf(e) || 'connection failed'}`, { cause: e });
}
