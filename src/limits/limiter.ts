// The limiter seam between the hot path and the rate-limit backends (memory, Redis).
import type { MoatError } from '../errors/moat-error.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { CounterCheck } from './counter-check.js';
import type { ResolvedLimit } from './limit-spec.js';

/** One limit's counter after a check, as backends report it. */
export interface LimitStatus extends CounterCheck {
  limit: ResolvedLimit;
  cost: number;
  /** Bucket index (sliding) or session anchor (anchored) the reservation went into; 0 for concurrency. */
  ref: number;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  /**
   * Requests that ran, when fewer than were admitted: request counters are reconciled to it (a batch whose later
   * part was refused returns its earlier part's requests). Unset: request counts stay as admitted.
   */
  requests?: number;
}

export interface AdmitInput {
  facts: RequestFacts;
  /** Tier of the org (from the policy view). */
  tier: string;
  grantId?: string;
  features: string[];
  /**
   * The org's attributes (from the policy view). An active throttle there (`moat.throttle.factor` and
   * `moat.throttle.until`, set by enforcement) multiplies every limit of the org; see throttle.ts.
   */
  orgAttributes?: Readonly<Record<string, string | number | boolean>>;
  /**
   * Set when one admission stands for a batch's items: request limits are charged `requests`, `facts` carry the
   * items' summed input estimate and `max_tokens`, and the default output reservation is added once per item
   * that sets no `max_tokens` (`withoutMaxTokens`). Concurrency limits see one request.
   */
  batch?: BatchCharge;
}

export interface BatchCharge {
  requests: number;
  withoutMaxTokens: number;
}

/** A held admission: concurrency slot and token reservation, to be settled exactly once. */
export interface LimitTicket {
  /** Rate-limit headers for the response (both ecosystems' conventions plus Moat's own). */
  headers: Record<string, string>;
  /** Adds the same headers to a response's header object, without building an object of their own (optional). */
  writeHeaders?(into: Record<string, string>): void;
  /**
   * Reconcile the reservation with real usage and release the concurrency slot. Idempotent.
   * For a stream cut short, pass the usage counted so far; call with no usage when it is unknown, which
   * keeps the whole reservation (input estimate + max_tokens) charged: conservative, never leaks.
   */
  settle(usage?: Usage): Promise<void>;
}

export type AdmitResult = { ok: true; ticket: LimitTicket } | { ok: false; error: MoatError };

export interface Limiter {
  admit(input: AdmitInput): Promise<AdmitResult>;
  close(): Promise<void>;
}

/** Who a limits listing is for (`GET /v1/moat/limits`, admin API, CLI). */
export interface LimitSubject {
  orgId: string;
  keyId: string;
  tier: string;
  /** Grants of the org whose limits to include. */
  grantIds?: string[];
  /** The org's attributes, so a listing shows throttled limits (as AdmitInput.orgAttributes). */
  orgAttributes?: Readonly<Record<string, string | number | boolean>>;
  /** Time of the listing on the caller's clock (default: the limiter's clock). */
  now?: number;
}

/** Read-only view of limits and current usage; both backends implement it next to Limiter. */
export interface LimitInspector {
  /** Every limit that can apply to the key, with current usage; consumes nothing. */
  peek(subject: LimitSubject): Promise<LimitStatus[]>;
}
