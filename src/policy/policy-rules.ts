// Policy rules beyond per-org state: feature definitions, feature denials, tiers, clauses, purposes,
// propagation of restrictions to affiliates, and playbooks. Stored as one versioned JSON document and
// carried in the PolicySnapshot. Plain data only; `compilePolicy` turns it into fast matchers.
import type { AffiliationRelation, OrgStatus } from '../model/org.js';

export type AttributeValue = string | number | boolean;

/**
 * One way a request can use a feature. Every condition given must hold (AND); a list condition holds when
 * any of its entries matches (OR). Globs support `*` and `?`.
 */
export interface FeatureMatcher {
  /** Model-name globs, e.g. ["claude-*"]. */
  models?: string[];
  /** Endpoint globs, e.g. ["/v1/messages/batches*"]. */
  endpoints?: string[];
  /** Globs over offered tool names, e.g. ["*bash*", "str_replace*"]. */
  toolNames?: string[];
  /** Globs over tool types, e.g. ["bash_*", "computer_*"]. */
  toolTypes?: string[];
  /** Body parameters that must be present (not null/false), e.g. ["thinking"]. */
  paramsPresent?: string[];
  /** Body parameters that must equal these values exactly, e.g. { logprobs: true }. */
  paramsEqual?: Record<string, AttributeValue>;
  /** Regular expression (JavaScript syntax, case-insensitive) over the client's user agent. */
  userAgent?: string;
  /** Globs over `anthropic-beta` values, e.g. ["computer-use-*"]. */
  anthropicBeta?: string[];
}

export interface FeatureDefinition {
  description?: string;
  /** The request uses the feature when any matcher matches. */
  match: FeatureMatcher[];
}

/** Who a denial (or propagation source filter) applies to. Exactly one field is set. */
export type SubjectSelector =
  | { org: string }
  /** The org itself and every org directly affiliated with it (optionally only through these relations). */
  | { affiliatesOf: string; relations?: AffiliationRelation[] }
  | { tier: string }
  /** Orgs whose attributes include all of these values, e.g. { competitor: true }. */
  | { attributes: Record<string, AttributeValue> };

export interface FeatureDenial {
  feature: string;
  subject: SubjectSelector;
  /** Clause id from `clauses` (or free text); shown to the caller. */
  clause: string;
  /** Purposes whose grants still admit the feature, e.g. ["safety_evaluation"]. */
  exceptPurposes?: string[];
}

/**
 * A restriction on one org that reaches its affiliates. It applies to org T when T has an affiliate S whose
 * effective status is in `statuses`, and S is T's `<relation>` for one of `relations` (e.g. `acquirer`: the
 * startup is cut off when its acquirer is restricted).
 */
export interface PropagationRule {
  statuses: Array<Exclude<OrgStatus, 'active'>>;
  relations: AffiliationRelation[];
  /** `restrict`: the affiliate keeps only what its own grants allow. `deny`: every request is refused. */
  effect: 'restrict' | 'deny';
  /** Only sources matching these attributes propagate (e.g. { competitor: true }). */
  sourceAttributes?: Record<string, AttributeValue>;
  /** Clause shown to the affiliate's callers; defaults to the source's own status clause. */
  clause?: string;
}

export interface TierDefinition {
  description?: string;
  /** Defined by the rate-limit module; opaque here (a mapping in policy files). */
  limits?: unknown;
}

export interface ClauseDefinition {
  /** What the caller sees, e.g. "ToS §2.3(a): no building competing models". */
  text: string;
  url?: string;
}

export interface PurposeDefinition {
  description: string;
}

export interface PolicyRules {
  /** Document version (increments on each apply). */
  version: number;
  features?: Record<string, FeatureDefinition>;
  denials?: FeatureDenial[];
  tiers?: Record<string, TierDefinition>;
  clauses?: Record<string, ClauseDefinition>;
  purposes?: Record<string, PurposeDefinition>;
  propagation?: PropagationRule[];
  /** Enforcement playbooks; opaque to the policy module. */
  playbooks?: unknown;
  /** Rate limits and quotas (LimitsConfig of src/limits); opaque to the policy module. */
  limits?: unknown;
}

export function emptyPolicyRules(): PolicyRules {
  return { version: 0 };
}

/** The caller-facing text of a clause: the catalog text when `ref` is a clause id, else `ref` itself. */
export function clauseText(rules: PolicyRules, ref: string | undefined): string | undefined {
  if (ref === undefined) return undefined;
  return rules.clauses?.[ref]?.text ?? ref;
}
