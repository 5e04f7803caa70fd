import { ERROR_CATALOG, type ErrorCode } from './catalog.js';

/** A typed error with a stable code from the catalog; everything a caller sees is one of these. */
export class MoatError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** The clause of the terms of service that this denial enforces, when it is a policy denial. */
  readonly clause?: string;
  /** Offending request field, in OpenAI's `param` sense. */
  readonly param?: string;
  /** Extra response headers (e.g. retry-after, rate-limit headers). */
  readonly headers?: Record<string, string>;
  /** The limit that refused (`<subject>:<metric>`), for traces and logs; never sent to callers. */
  readonly limit?: string;
  readonly retryable: boolean;

  constructor(
    code: ErrorCode,
    message?: string,
    opts: { clause?: string; param?: string; headers?: Record<string, string>; limit?: string; retryable?: boolean; cause?: unknown } = {},
  ) {
    const s = ERROR_CATALOG[code];
    super(message ?? s.meaning, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MoatError';
    this.code = code;
    this.status = s.status;
    this.retryable = opts.retryable ?? s.retryable;
    if (opts.clause !== undefined) this.clause = opts.clause;
    if (opts.param !== undefined) this.param = opts.param;
    if (opts.headers !== undefined) this.headers = opts.headers;
    if (opts.limit !== undefined) this.limit = opts.limit;
  }
}

export function isMoatError(e: unknown): e is MoatError {
  return e instanceof MoatError;
}
