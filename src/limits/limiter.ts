// The limiter seam between the hot path and the rate-limit backends (memory, Redis).
import type { MoatError } from '../errors/moat-error.js';
import type { RequestFacts } from '../policy/request-facts.js';

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface AdmitInput {
  facts: RequestFacts;
  /** Tier of the org (from the policy view). */
  tier: string;
  grantId?: string;
  features: string[];
}

/** A held admission: concurrency slot and token reservation, to be settled exactly once. */
export interface LimitTicket {
  /** Rate-limit headers for the response (both ecosystems' conventions plus Moat's own). */
  headers: Record<string, string>;
  /** Reconcile the reservation with real usage and release the concurrency slot. Idempotent. */
  settle(usage: Usage): Promise<void>;
}

export type AdmitResult = { ok: true; ticket: LimitTicket } | { ok: false; error: MoatError };

export interface Limiter {
  admit(input: AdmitInput): Promise<AdmitResult>;
  close(): Promise<void>;
}
