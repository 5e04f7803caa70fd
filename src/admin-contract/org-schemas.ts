// Response shapes of the admin API for orgs, keys (and their rotation), grants, affiliations and admin tokens.
// The admin routes answer with them (and the OpenAPI document shows them); the console validates what it reads
// against them.
import { z } from 'zod';

export const OrgStatusSchema = z.enum(['active', 'restricted', 'suspended', 'revoked']);
export const RelationSchema = z.enum(['parent', 'subsidiary', 'acquirer', 'acquired', 'reseller', 'partner', 'affiliate']);
export const RoleSchema = z.enum(['viewer', 'analyst', 'admin']);

const attrValue = z.union([z.string(), z.number(), z.boolean()]);

export const StatusChangeSchema = z.object({
  reason: z.string(),
  clause: z.string().optional(),
  caseId: z.string().optional(),
  actor: z.string(),
  at: z.string(),
});

export const OrgSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: OrgStatusSchema,
  suspendedUntil: z.string().optional(),
  statusChange: StatusChangeSchema.optional(),
  attributes: z.record(z.string(), attrValue),
  labels: z.array(z.string()),
  tier: z.string(),
  contactWebhook: z.string().optional(),
  throttle: z
    .object({ factor: z.number(), until: z.string() })
    .optional()
    .describe('A throttle in force (set by enforcement, kept in the `moat.throttle.*` attributes): every limit multiplied by `factor` until `until`.'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const KeySchema = z.object({
  id: z.string(),
  orgId: z.string(),
  name: z.string(),
  prefix: z.string().describe('Visible part of the key; the hash is never returned.'),
  status: z.enum(['active', 'disabled']),
  statusChange: StatusChangeSchema.optional(),
  expiresAt: z.string().optional(),
  previous: z
    .object({ prefix: z.string(), validUntil: z.string() })
    .optional()
    .describe('After a rotation: the replaced secret, still accepted until validUntil.'),
  rotatedAt: z.string().optional().describe('When the key was last rotated.'),
  lastUsedAt: z.string().optional().describe('Minute of the last request with this key (recorded with the usage flush).'),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const CreatedKeySchema = z.object({ key: KeySchema, secret: z.string().describe('The API key. Shown only in this response.') });

export const RotatedKeySchema = CreatedKeySchema.extend({
  previousValidUntil: z.string().optional().describe('Until when the replaced secret is accepted; absent when grace was "0".'),
});

export const KeyActivitySchema = z.object({
  keyId: z.string(),
  lastUsedAt: z.string().describe('Minute of the last request (any outcome).'),
  requests24h: z.number(),
  requestsLast5m: z.number(),
});

export const GrantSchema = z.object({
  id: z.string(),
  orgId: z.string(),
  purpose: z.string(),
  models: z.array(z.string()),
  expiresAt: z.string().optional(),
  limits: z.record(z.string(), z.number()).optional(),
  createdAt: z.string(),
});

export const AffiliationSchema = z.object({ orgId: z.string(), affiliateId: z.string(), relation: RelationSchema });

export const AdminTokenSchema = z.object({ id: z.string(), name: z.string(), role: RoleSchema, createdAt: z.string() });
export const CreatedTokenSchema = z.object({ token: AdminTokenSchema, secret: z.string().describe('The admin token. Shown only in this response.') });

export const WhoAmISchema = z.object({ name: z.string(), role: RoleSchema });
export const ErrorSchema = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
/** A deletion's answer: the id of what is gone. */
export const DeletedSchema = z.object({ id: z.string() });
