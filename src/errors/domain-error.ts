// Errors of the domain layers (store, enforcement, config, policy files, replay). Each carries a code from
// DOMAIN_ERRORS; the layer that faces a caller maps the code to a catalog code (the admin API:
// src/admin/domain-error-codes.ts) or prints the message (the CLI). Nothing decides by message text.

export const DOMAIN_ERRORS = {
  not_found: 'The named object (org, key, grant, affiliation, admin token, case) does not exist.',
  conflict: 'The change conflicts with existing state: a duplicate name, an ownership cycle, a guarded change without force, a plan made against another version.',
  stale_version: 'The object changed since it was read (optimistic concurrency); read it again and retry.',
  invalid_input: 'The input breaks a rule the request schema cannot express (e.g. a suspension without an end).',
  invalid_transition: 'The case is in a state that does not allow this decision.',
  note_required: 'The decision needs a note and none was given.',
  idempotency_collision: 'Another request claimed the same idempotency key first.',
  store_unavailable: 'The store did not answer or refused the connection.',
  store_integrity: 'The embedded store in the data directory is damaged, incomplete or belongs to another store.',
  data_dir_locked: 'Another live process holds the data directory.',
  invalid_config: 'The configuration (file or environment) is invalid.',
  invalid_policy_file: 'The policy file is invalid; the issues name file, line and path.',
  invalid_trace: 'A trace line is malformed and strict replay refuses to skip it.',
} as const;

export type DomainErrorCode = keyof typeof DOMAIN_ERRORS;

/** A typed error from a domain layer; callers branch on `code` (or the subclass), never on the message. */
export class DomainError extends Error {
  readonly code: DomainErrorCode;

  constructor(code: DomainErrorCode, message: string, opts: { cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DomainError';
    this.code = code;
  }
}

export function isDomainError(e: unknown): e is DomainError {
  return e instanceof DomainError;
}
