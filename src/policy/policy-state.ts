// PolicyState: the whole policy as plain data, as the store holds it and as a policy file declares it.
// Secrets never appear: keys and admin tokens are declared by name, and the store generates their secrets.
import { z } from 'zod';
import type { AdminRole } from '../model/admin.js';
import type { KeyStatus } from '../model/api-key.js';
import type { Affiliation, Grant, OrgStatus } from '../model/org.js';
import type { AttributeValue } from './policy-rules.js';
import { attributesSchema, ORG_STATUSES, RELATIONS, rulesBodySchema, type RulesBody } from './rules-schema.js';

/**
 * Org attributes Moat sets itself (enforcement throttles): never compared by plans, refused in policy files,
 * and kept through an apply that updates the org.
 */
export const MOAT_MANAGED_ATTRIBUTE_PREFIX = 'moat.throttle.';

export interface OrgState {
  id: string;
  name: string;
  tier: string;
  attributes: Record<string, AttributeValue>;
  labels: string[];
  status: OrgStatus;
  /** ISO time; only with status `suspended` (absent: until reinstated). */
  suspendedUntil?: string;
  statusReason?: string;
  /** Clause id (or text) of the status change. */
  statusClause?: string;
  statusCaseId?: string;
  contactWebhook?: string;
}

/** A grant as policy files and the store's state describe it: the model's Grant without its timestamp. */
export type GrantState = Omit<Grant, 'createdAt'>;

export interface KeyState {
  orgId: string;
  name: string;
  status: KeyStatus;
  expiresAt?: string;
  /** Read-only, filled by the store (never compared, never in files). */
  prefix?: string;
}

export interface AdminState {
  name: string;
  role: AdminRole;
}

export interface PolicyState {
  rules: RulesBody;
  orgs: OrgState[];
  affiliations: Affiliation[];
  grants: GrantState[];
  keys: KeyState[];
  admins: AdminState[];
}

export function emptyPolicyState(): PolicyState {
  return { rules: {}, orgs: [], affiliations: [], grants: [], keys: [], admins: [] };
}

/** Identity of each object kind in plans: objects with the same identity are updated, not recreated. */
export const keyIdentity = (k: { orgId: string; name: string }): string => `${k.orgId}/${k.name}`;
export const affiliationIdentity = (a: Affiliation): string => `${a.orgId}->${a.affiliateId}:${a.relation}`;

const iso = z.iso.datetime({ offset: true });

/** Where webhooks may be sent: http or https only (the address itself is checked at delivery). */
export const webhookUrlSchema = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), { message: 'a webhook URL must be http or https' });

export const orgStateSchema: z.ZodType<OrgState> = z.strictObject({
  id: z.string().min(1),
  name: z.string().min(1),
  tier: z.string().min(1),
  attributes: attributesSchema,
  labels: z.array(z.string()),
  status: z.enum(ORG_STATUSES),
  suspendedUntil: iso.optional(),
  statusReason: z.string().optional(),
  statusClause: z.string().optional(),
  statusCaseId: z.string().optional(),
  contactWebhook: webhookUrlSchema.optional(),
});

export const affiliationSchema: z.ZodType<Affiliation> = z.strictObject({
  orgId: z.string().min(1),
  affiliateId: z.string().min(1),
  relation: z.enum(RELATIONS),
});

export const grantStateSchema: z.ZodType<GrantState> = z.strictObject({
  id: z.string().min(1),
  orgId: z.string().min(1),
  purpose: z.string().min(1),
  models: z.array(z.string().min(1)).min(1),
  expiresAt: iso.optional(),
  limits: z.record(z.string(), z.number()).optional(),
});

export const keyStateSchema: z.ZodType<KeyState> = z.strictObject({
  orgId: z.string().min(1),
  name: z.string().min(1),
  status: z.enum(['active', 'disabled']),
  expiresAt: iso.optional(),
  prefix: z.string().optional(),
});

export const adminStateSchema: z.ZodType<AdminState> = z.strictObject({
  name: z.string().min(1),
  role: z.enum(['viewer', 'analyst', 'admin']),
});

export const policyStateSchema: z.ZodType<PolicyState> = z.strictObject({
  rules: rulesBodySchema(),
  orgs: z.array(orgStateSchema),
  affiliations: z.array(affiliationSchema),
  grants: z.array(grantStateSchema),
  keys: z.array(keyStateSchema),
  admins: z.array(adminStateSchema),
});
