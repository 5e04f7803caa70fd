// Where the admin API turns a domain error into a catalog code: the store and enforcement speak of "not
// found" or "conflict"; only this layer knows that means 404 `admin_not_found` or 409 `admin_conflict`.
import type { ErrorCode } from '../errors/catalog.js';
import type { DomainError, DomainErrorCode } from '../errors/domain-error.js';
import { MoatError } from '../errors/moat-error.js';

/** How long a client should wait before retrying when the store did not answer. */
export const STORE_RETRY_AFTER_S = '2';

export const ADMIN_CODE_OF_DOMAIN: Record<DomainErrorCode, ErrorCode> = {
  not_found: 'admin_not_found',
  conflict: 'admin_conflict',
  stale_version: 'admin_conflict',
  invalid_input: 'invalid_request',
  invalid_transition: 'admin_conflict',
  note_required: 'invalid_request',
  idempotency_collision: 'idempotency_conflict',
  store_unavailable: 'store_unavailable',
  store_integrity: 'internal_error',
  data_dir_locked: 'internal_error',
  invalid_config: 'internal_error',
  invalid_policy_file: 'invalid_request',
  invalid_trace: 'invalid_request',
};

export function adminErrorOf(e: DomainError): MoatError {
  const code = ADMIN_CODE_OF_DOMAIN[e.code];
  if (e.code === 'stale_version') return new MoatError(code, `${e.message}; retry`, { cause: e });
  if (e.code === 'store_unavailable')
    return new MoatError(code, `The store did not answer (${e.message}); retry after ${STORE_RETRY_AFTER_S} s.`, { headers: { 'retry-after': STORE_RETRY_AFTER_S }, cause: e });
  return new MoatError(code, e.message, { cause: e });
}
