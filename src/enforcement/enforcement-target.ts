// What the executor changes, behind interfaces so enforcement stays free of the store's and view's details.
// The server wires EnforcementTarget to the store repositories + view propagation (so an automatic action
// reaches every gateway exactly like an admin change) and AuditAppender to the audit log.
import type { OrgStatus } from '../model/org.js';

export interface OrgStatusChange {
  status: OrgStatus;
  reason: string;
  clause?: string;
  caseId: string;
  /** suspended: when access returns (ISO). */
  until?: string;
}

/** A temporary tightening of an org's limits: every limit multiplied by `factor` until `until`. */
export interface ThrottleOverride {
  factor: number;
  until: string;
  clause: string;
  caseId: string;
}

export interface EnforcementTarget {
  setOrgStatus(orgId: string, change: OrgStatusChange, actor: string): Promise<void>;
  /** null ends any throttle. */
  setThrottle(orgId: string, throttle: ThrottleOverride | null, actor: string): Promise<void>;
}

export interface AuditRecord {
  actor: string;
  action: string;
  target: string;
  data?: Record<string, unknown>;
}

export interface AuditAppender {
  append(entry: AuditRecord): Promise<void>;
}
