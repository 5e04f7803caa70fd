// Zod schemas of the admin API's requests: the same objects validate requests and generate /admin/openapi.json.
// Response shapes live in src/admin-contract/, shared with the console.
import { z } from 'zod';
import { parseDuration } from '../policy/duration.js';
import { webhookUrlSchema } from '../policy/policy-state.js';
import { OrgStatusSchema, RelationSchema, RoleSchema } from '../admin-contract/org-schemas.js';

export { AuditEntrySchema, AuditVerifySchema } from '../admin-contract/audit-schemas.js';
export {
  AdminTokenSchema, AffiliationSchema, CreatedKeySchema, CreatedTokenSchema, ErrorSchema, GrantSchema, KeySchema, OrgSchema, OrgStatusSchema, RelationSchema, RoleSchema,
  RotatedKeySchema, StatusChangeSchema, WhoAmISchema,
} from '../admin-contract/org-schemas.js';
export { UsageRowSchema } from '../admin-contract/usage-schemas.js';

const datetime = () => z.iso.datetime({ offset: true });
const attrValue = z.union([z.string(), z.number(), z.boolean()]);

export const OrgRef = z.object({ org: z.string().min(1).describe('Org id (`org_...`) or org name.') });
export const KeyRef = z.object({ key: z.string().min(1).describe('Key id (`key_...`).') });
export const GrantRef = z.object({ grant: z.string().min(1).describe('Grant id (`grt_...`).') });
export const TokenRef = z.object({ token: z.string().min(1).describe('Admin token id (`tok_...`) or name.') });

export const CreateOrgBody = z
  .object({
    name: z.string().min(1).max(200).regex(/^[^\s]+$/, 'no whitespace').describe('Unique org name.'),
    tier: z.string().min(1).optional().describe('Tier name (limits come from the policy).'),
    attributes: z.record(z.string(), attrValue).optional().describe('Free attributes, e.g. {"competitor": true}.'),
    labels: z.array(z.string()).optional(),
    contactWebhook: webhookUrlSchema.optional().describe('Where customer notices are sent (http or https; private and loopback addresses are refused unless `enforcement.webhookAllowNetworks` allows them).'),
  })
  .strict();

export const UpdateOrgBody = z
  .object({
    name: z.string().min(1).max(200).regex(/^[^\s]+$/, 'no whitespace').optional(),
    tier: z.string().min(1).optional(),
    attributes: z.record(z.string(), attrValue).optional().describe('Replaces all attributes.'),
    labels: z.array(z.string()).optional().describe('Replaces all labels.'),
    contactWebhook: webhookUrlSchema.nullable().optional().describe('null clears it.'),
  })
  .strict();

export const SetOrgStatusBody = z
  .object({
    status: OrgStatusSchema,
    reason: z.string().min(1).describe('Why; shown to the org in denials.'),
    clause: z.string().min(1).optional().describe('Clause of the terms enforced, e.g. "ToS §2.3".'),
    caseId: z.string().min(1).optional(),
    until: datetime().optional().describe('Required for `suspended`.'),
  })
  .strict();

export const CreateKeyBody = z
  .object({
    name: z.string().min(1).max(200),
    env: z.string().regex(/^[a-z]{2,8}$/).optional().describe('Env segment of `moat_<env>_...` (default "live").'),
    expiresAt: datetime().optional(),
  })
  .strict();

export const RotateKeyBody = z
  .object({
    grace: z
      .string()
      .refine((g) => g === '0' || parseDuration(g) !== undefined, { message: 'grace is a duration like "24h" or "30m", or "0" to stop the old secret now' })
      .optional()
      .describe('How long the replaced secret keeps working (default "24h", at most 30 days; "0": stops now).'),
    reason: z.string().min(1).max(2000).optional().describe('Why, for the audit entry.'),
  })
  .strict();

export const DisableKeyBody = z
  .object({ reason: z.string().min(1).optional(), clause: z.string().min(1).optional(), caseId: z.string().min(1).optional() })
  .strict();

export const KeyExpiryBody = z.object({ expiresAt: datetime().nullable().describe('null clears the expiry.') }).strict();

export const ListKeysQuery = z.object({ org: z.string().optional().describe('Only keys of this org (id or name).') }).strict();

export const CreateGrantBody = z
  .object({
    purpose: z.string().regex(/^[a-z][a-z0-9_]{0,63}$/).describe('e.g. "safety_evaluation"; requests declare it with `moat-purpose`.'),
    models: z.array(z.string().min(1)).min(1).describe('Model globs this grant admits.'),
    expiresAt: datetime().optional(),
    limits: z.record(z.string(), z.number()).optional(),
  })
  .strict();

export const AffiliationBody = z
  .object({
    org: z.string().min(1).describe('Org id or name.'),
    affiliate: z.string().min(1).describe('Affiliated org id or name.'),
    relation: RelationSchema.describe('What the affiliate is to the org, e.g. `parent` = the affiliate owns the org.'),
  })
  .strict();

export const ListAffiliationsQuery = z.object({ org: z.string().optional().describe('Only affiliations touching this org (id or name).') }).strict();

export const CreateTokenBody = z.object({ name: z.string().min(1).max(100).regex(/^[^\s:]+$/, 'no whitespace or colon'), role: RoleSchema }).strict();
export const DeleteTokenQuery = z.object({ force: z.enum(['true', 'false']).optional().describe('Allow deleting the last admin token.') }).strict();

export const UsageQuerySchema = z
  .object({
    org: z.string().optional().describe('Org id or name.'),
    key: z.string().optional().describe('Key id.'),
    model: z.string().optional(),
    outcome: z
      .string()
      .regex(/^(admitted|refused|rate_limited|upstream_error|error)(,(admitted|refused|rate_limited|upstream_error|error))*$/, 'comma-separated outcomes: admitted, refused, rate_limited, upstream_error, error')
      .optional()
      .describe('Only these outcomes (comma-separated): admitted, refused, rate_limited, upstream_error, error. Default: all.'),
    reason: z.string().min(1).max(100).optional().describe('Only this reason (the error code, e.g. org_restricted).'),
    from: datetime().optional().describe('Inclusive start.'),
    to: datetime().optional().describe('Exclusive end.'),
    group_by: z
      .string()
      .regex(/^(org|key|model|outcome|reason|minute|hour|day)(,(org|key|model|outcome|reason|minute|hour|day))*$/, 'comma-separated: org, key, model, outcome, reason and one of minute, hour, day')
      .optional()
      .describe('Comma-separated: org, key, model, outcome, reason and one of minute, hour, day.'),
  })
  .strict();

export const AuditQuerySchema = z
  .object({
    after_seq: z.coerce.number().int().min(0).optional(),
    limit: z.coerce.number().int().min(1).max(5000).optional(),
    action: z.string().optional(),
    target: z.string().optional(),
    actor: z.string().optional(),
  })
  .strict();

export const AuditVerifyQuerySchema = z
  .object({ expect_head: z.string().optional().describe('`SEQ:HASH` the log must contain (a head recorded elsewhere); checked besides the latest checkpoint.') })
  .strict();

