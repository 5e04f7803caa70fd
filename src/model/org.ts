// Plain data types of the control plane's objects, shared by the store, the in-memory view and the hot path.

export type OrgStatus = 'active' | 'restricted' | 'suspended' | 'revoked';

/** Why an org or key is in its current status: every status change carries reason, clause and optional case. */
export interface StatusChange {
  reason: string;
  /** Clause of the terms of service enforced, e.g. "ToS §2.3 (competing models)". */
  clause?: string;
  caseId?: string;
  /** Who changed it: admin token name, or `automation:<playbook rule>`. */
  actor: string;
  at: string;
}

export interface Org {
  id: string;
  name: string;
  status: OrgStatus;
  /** For `suspended`: ISO time when access returns. */
  suspendedUntil?: string;
  statusChange?: StatusChange;
  /** Free attributes, e.g. { competitor: true, country: "US" }. */
  attributes: Record<string, string | number | boolean>;
  labels: string[];
  tier: string;
  /** Contact for customer notices (enforcement). */
  contactWebhook?: string;
  createdAt: string;
  updatedAt: string;
}

export type AffiliationRelation = 'parent' | 'subsidiary' | 'acquirer' | 'acquired' | 'reseller' | 'partner' | 'affiliate';

export interface Affiliation {
  orgId: string;
  affiliateId: string;
  relation: AffiliationRelation;
}

export interface Grant {
  id: string;
  orgId: string;
  /** e.g. "safety_evaluation". Requests use it by sending `moat-purpose: <purpose>`. */
  purpose: string;
  /** Model globs this grant admits. */
  models: string[];
  expiresAt?: string;
  /** Optional limit overrides for traffic under this grant (rate-limit issue). */
  limits?: Record<string, number>;
  createdAt: string;
}
