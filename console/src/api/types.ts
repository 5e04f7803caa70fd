// Response shapes of the admin HTTP API the console reads: the server's own zod schemas (src/admin-contract/),
// inferred. client.ts validates every answer against the same schemas, so these types hold at run time too.
import type { z } from 'zod';
import type { AdminResponse } from '../../../src/admin-contract/admin-responses.js';
import type { AuditEntrySchema, AuditVerifySchema, FoundAuditEntrySchema } from '../../../src/admin-contract/audit-schemas.js';
import type { ActionTakenSchema, ActionTypeSchema, CaseDetailSchema, CaseStatusSchema, CaseSummarySchema, ProposedActionSchema, SampleRequestSchema, SeveritySchema } from '../../../src/admin-contract/case-schemas.js';
import type { AffiliationSchema, GrantSchema, KeyActivitySchema, KeySchema, OrgSchema, OrgStatusSchema, RoleSchema, StatusChangeSchema, WhoAmISchema } from '../../../src/admin-contract/org-schemas.js';
import type { LimitDescriptionSchema, OrgLimitsSchema, PolicyViewSchema } from '../../../src/admin-contract/policy-schemas.js';
import type { RequestLogEntrySchema } from '../../../src/admin-contract/request-log-schemas.js';
import type { UsageRowSchema } from '../../../src/admin-contract/usage-schemas.js';

export type { AdminResponse };
export type AdminRole = z.infer<typeof RoleSchema>;
export type OrgStatus = z.infer<typeof OrgStatusSchema>;
export type Whoami = z.infer<typeof WhoAmISchema>;
export type StatusChange = z.infer<typeof StatusChangeSchema>;
export type Org = z.infer<typeof OrgSchema>;
export type ApiKeyView = z.infer<typeof KeySchema>;
export type KeyActivity = z.infer<typeof KeyActivitySchema>;
export type Grant = z.infer<typeof GrantSchema>;
export type Affiliation = z.infer<typeof AffiliationSchema>;
export type LimitRow = z.infer<typeof LimitDescriptionSchema>;
export type Limits = z.infer<typeof OrgLimitsSchema>;
export type UsageRow = z.infer<typeof UsageRowSchema>;
export type Severity = z.infer<typeof SeveritySchema>;
export type CaseStatus = z.infer<typeof CaseStatusSchema>;
export type ActionType = z.infer<typeof ActionTypeSchema>;
export type ProposedAction = z.infer<typeof ProposedActionSchema>;
export type ActionTaken = z.infer<typeof ActionTakenSchema>;
export type CaseSummary = z.infer<typeof CaseSummarySchema>;
export type CaseDetail = z.infer<typeof CaseDetailSchema>;
export type SampleRequest = z.infer<typeof SampleRequestSchema>;
export type PolicyView = z.infer<typeof PolicyViewSchema>;
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export type FoundAuditEntry = z.infer<typeof FoundAuditEntrySchema>;
export type AuditVerify = z.infer<typeof AuditVerifySchema>;
export type RequestLogEntry = z.infer<typeof RequestLogEntrySchema>;

/** What a status action would change (computed by the console from several answers; see impact.ts). */
export interface Impact {
  orgs: { id: string; name: string; status: OrgStatus; newStatus: OrgStatus; requestsPerMinute: number; keys: { id: string; name: string; prefix: string; requestsPerMinute: number }[] }[];
  totalRequestsPerMinute: number;
}
