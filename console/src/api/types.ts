// Response shapes of the admin HTTP API the console reads. They mirror src/model/*.ts for the objects that
// exist, src/enforcement/case-model.ts for cases, and src/admin/routes/*.ts for policy, audit and usage.

export type AdminRole = 'viewer' | 'analyst' | 'admin';
export type OrgStatus = 'active' | 'restricted' | 'suspended' | 'revoked';

export interface Whoami {
  name: string;
  role: AdminRole;
}

export interface StatusChange {
  reason: string;
  clause?: string;
  caseId?: string;
  actor: string;
  at: string;
}

export interface Org {
  id: string;
  name: string;
  status: OrgStatus;
  suspendedUntil?: string;
  statusChange?: StatusChange;
  attributes: Record<string, string | number | boolean>;
  labels: string[];
  tier: string;
  createdAt: string;
  updatedAt: string;
}

export interface ApiKeyView {
  id: string;
  orgId: string;
  name: string;
  prefix: string;
  status: 'active' | 'disabled';
  expiresAt?: string;
  createdAt: string;
}

export interface Grant {
  id: string;
  orgId: string;
  purpose: string;
  models: string[];
  expiresAt?: string;
  limits?: Record<string, number>;
}

export interface Affiliation {
  orgId: string;
  affiliateId: string;
  relation: string;
}

/** One limit as GET /admin/orgs/:org/limits describes it (src/admin/routes/limits-routes.ts). */
export interface LimitRow {
  metric: string;
  subject: 'key' | 'org' | 'grant' | 'feature' | 'model';
  subject_id: string;
  window?: { name: string; mode: 'sliding' | 'anchored'; duration_seconds: number };
  limit: number;
  throttled_from?: number;
  used: number | null;
  remaining: number | null;
  resets_at: string | null;
  source: string;
}

export interface Limits {
  object: 'moat.org_limits';
  org_id: string;
  org_name: string;
  tier: string;
  throttle: { factor: number } | null;
  usage_available: boolean;
  keys: { key_id: string; key_name: string; limits: LimitRow[] }[];
}

/** A row of GET /admin/usage; which of orgId/keyId/model/bucket are set depends on group_by. */
export interface UsageRow {
  orgId?: string;
  keyId?: string;
  model?: string;
  bucket?: string;
  requests: number;
  inputTokens: number;
  outputTokens: number;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';
/** appealed: the customer contested an action taken; an admin upholds it (approve) or lifts it (reinstate). */
export type CaseStatus = 'open' | 'actioned' | 'dismissed' | 'reinstated' | 'appealed';
export type ActionType = 'none' | 'notify' | 'throttle' | 'restrict' | 'suspend' | 'revoke';

/** Mirrors src/enforcement/case-model.ts (GET /admin/cases, /admin/cases/:id). */
export interface ProposedAction {
  action: ActionType;
  clause: string;
  requiresApproval: boolean;
  orgIds: string[];
  ruleId?: string;
  durationMs?: number;
  throttleFactor?: number;
  keepsGrants?: string[];
  notifyCustomer: boolean;
}

export interface ActionTaken {
  at: string;
  action: ActionType | 'lift';
  orgIds: string[];
  by: string;
  clause?: string;
  until?: string;
}

export interface CaseSummary {
  id: string;
  kind: 'org' | 'cluster';
  title: string;
  orgIds: string[];
  severity: Severity;
  status: CaseStatus;
  labels: string[];
  confidence: number;
  /** Clause id of the policy's `clauses:` (text from GET /admin/clauses). */
  clause: string;
  proposedAction?: ProposedAction;
  actionsTaken: ActionTaken[];
  detections: number;
  openedAt: string;
  updatedAt: string;
}

export interface CaseDetail extends CaseSummary {
  timeline: { at: string; kind: string; actor: string; text: string }[];
  notes: { at: string; actor: string; text: string }[];
  evidence: {
    /** Redacted by the server; key/model/endpoint empty for prompt samples kept by the detector itself. */
    sampleRequests: { at: string; orgId: string; keyPrefix: string; model: string; endpoint: string; excerpt: string }[];
    /** Public benchmarks whose items matched the org's prompts, with the number of matching prompts. */
    matchedBenchmarks: { benchmark: string; matches: number }[];
    features: { name: string; value: number; threshold: number; comparison: string; exceeded: boolean; rule?: string }[];
    /** Why each linked account is in the cluster: the link that brought it, with its evidence. */
    linkedAccounts: { orgId: string; name: string; reason: string; linkedTo?: string; strength?: number }[];
    /** The scores the firing rules read, with what each signal contributed (logit units). */
    scores?: { name: string; value: number; rule: string; contributions: { feature: string; value: number | null; contribution: number }[] }[];
  };
}

export interface PolicyView {
  version: number;
  document: string;
  playbooks: { name: string; rules: { id: string; when: string; action: string; mode: 'automatic' | 'approval'; clause: string; enabled: boolean }[] }[];
  rules: { id: string; description: string; status: 'experimental' | 'stable'; label: string; severity: string }[];
}

export interface AuditEntry {
  seq: number;
  ts: string;
  actor: string;
  action: string;
  target: string;
  data: Record<string, unknown>;
  prevHash: string;
  hash: string;
}

export interface AuditVerify {
  ok: boolean;
  count: number;
  lastSeq?: number;
  seq?: number;
  problem?: 'edited' | 'deleted' | 'reordered' | 'truncated';
  message?: string;
}

export interface Impact {
  orgs: { id: string; name: string; status: OrgStatus; newStatus: OrgStatus; requestsPerMinute: number; keys: { id: string; name: string; prefix: string; requestsPerMinute: number }[] }[];
  totalRequestsPerMinute: number;
}
