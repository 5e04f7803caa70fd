// Response shapes of the admin HTTP API the console reads. They mirror src/model/*.ts for the objects that
// exist, and the contract in docs/console.md for endpoints still being built (cases, overview, impact).

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

export interface Limits {
  tier: string;
  limits: Record<string, number>;
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
export type CaseStatus = 'open' | 'actioned' | 'dismissed' | 'reinstated';

export interface ProposedAction {
  action: 'none' | 'notify' | 'throttle' | 'restrict' | 'suspend' | 'revoke';
  clause: string;
  requiresApproval: boolean;
  orgIds: string[];
}

export interface CaseSummary {
  id: string;
  title: string;
  orgIds: string[];
  severity: Severity;
  status: CaseStatus;
  labels: string[];
  confidence: number;
  proposedAction?: ProposedAction;
  openedAt: string;
  updatedAt: string;
}

export interface CaseDetail extends CaseSummary {
  clause: string;
  timeline: { at: string; kind: string; actor: string; text: string }[];
  notes: { at: string; actor: string; text: string }[];
  evidence: {
    sampleRequests: { at: string; orgId: string; keyPrefix: string; model: string; endpoint: string; excerpt: string }[];
    matchedBenchmarks: { benchmark: string; itemId: string; similarity: number }[];
    features: { name: string; value: number; threshold: number; comparison: '>=' | '<='; exceeded: boolean }[];
    linkedAccounts: { orgId: string; name: string; reason: string }[];
  };
}

export interface PolicyView {
  version: number;
  document: string;
  playbooks: { name: string; rules: { id: string; when: string; action: string; mode: 'automatic' | 'approval'; clause: string; enabled: boolean }[] }[];
  rules: { id: string; description: string; status: 'active' | 'shadow' | 'disabled' }[];
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
  problem?: 'edited' | 'deleted' | 'reordered';
  message?: string;
}

export interface Impact {
  orgs: { id: string; name: string; status: OrgStatus; newStatus: OrgStatus; requestsPerMinute: number; keys: { id: string; name: string; prefix: string; requestsPerMinute: number }[] }[];
  totalRequestsPerMinute: number;
}
