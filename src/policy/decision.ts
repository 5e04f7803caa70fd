// The result of the policy decision function: a pure function of (RequestFacts, PolicySnapshot).
import type { ErrorCode } from '../errors/catalog.js';

export type Decision =
  | {
      allow: true;
      /** Tags recorded on the request event, e.g. "grant:safety_evaluation", "feature:coding_tools". */
      tags: string[];
      /** The purpose grant this request is admitted under, if any (its limits apply). */
      grantId?: string;
      /** Named features the request uses (limits can be set per feature). */
      features: string[];
    }
  | {
      allow: false;
      code: ErrorCode;
      message: string;
      /** Clause of the terms enforced; shown to the caller. */
      clause?: string;
      retryable: boolean;
    };
