// The YAML policy file: the rules sections plus orgs, affiliations, grants, keys (by name) and admins
// (by name and role). Field names read naturally in YAML (`org`, `expires`); `policyFileToState` maps them
// onto PolicyState.
import { z } from 'zod';
import { attributesSchema, ORG_STATUSES, RELATIONS, rulesBodySchema } from './rules-schema.js';
import { MOAT_MANAGED_ATTRIBUTE_PREFIX, webhookUrlSchema } from './policy-state.js';

const iso = z.iso.datetime({ offset: true, error: 'invalid timestamp: use ISO 8601 with a time zone, e.g. "2026-09-01T00:00:00Z"' });
const id = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be 1-128 letters, digits, "_", ".", ":" or "-"');

const statusSchema = z.preprocess(
  (v) => (typeof v === 'string' ? { value: v } : v),
  z
    .strictObject({
      value: z.enum(ORG_STATUSES),
      reason: z.string().min(1).optional(),
      clause: z.string().min(1).optional(),
      caseId: z.string().min(1).optional(),
      until: iso.optional(),
    })
    .superRefine((s, ctx) => {
      if (s.value !== 'active') {
        if (!s.reason) ctx.addIssue({ code: 'custom', path: ['reason'], message: `status ${s.value} needs a reason` });
        if (!s.clause) ctx.addIssue({ code: 'custom', path: ['clause'], message: `status ${s.value} needs the clause it enforces` });
      }
      if (s.until !== undefined && s.value !== 'suspended') ctx.addIssue({ code: 'custom', path: ['until'], message: 'until only applies to status suspended' });
    }),
);

/** Globs of what the file owns: objects matching them that the file does not list are deleted by apply. */
const manageSchema = z.strictObject({
  orgs: z.array(z.string().min(1)).optional().describe('Org id globs: the org and its affiliations, grants and keys.'),
  admins: z.array(z.string().min(1)).optional().describe('Admin token name globs.'),
});

export function policyFileSchema(opts: { playbooks?: z.ZodType; limits?: z.ZodType } = {}) {
  return rulesBodySchema(opts).extend({
    manage: manageSchema.optional(),
    orgs: z
      .array(
        z.strictObject({
          id,
          name: z.string().min(1),
          tier: z.string().min(1),
          attributes: attributesSchema
            .refine((a) => !Object.keys(a).some((k) => k.startsWith(MOAT_MANAGED_ATTRIBUTE_PREFIX)), {
              message: `attributes starting with "${MOAT_MANAGED_ATTRIBUTE_PREFIX}" are set by enforcement, not by policy files`,
            })
            .optional(),
          labels: z.array(z.string().min(1)).optional(),
          contactWebhook: webhookUrlSchema.optional(),
          status: statusSchema.optional(),
        }),
      )
      .optional(),
    affiliations: z.array(z.strictObject({ org: z.string().min(1), affiliate: z.string().min(1), relation: z.enum(RELATIONS) })).optional(),
    grants: z
      .array(
        z.strictObject({
          id: id.optional(),
          org: z.string().min(1),
          purpose: z.string().min(1),
          models: z.array(z.string().min(1)).min(1),
          expires: iso.optional(),
          limits: z.record(z.string(), z.number().nonnegative()).optional(),
        }),
      )
      .optional(),
    keys: z
      .array(z.strictObject({ name: id, org: z.string().min(1), status: z.enum(['active', 'disabled']).optional(), expires: iso.optional() }))
      .optional(),
    admins: z.array(z.strictObject({ name: id, role: z.enum(['viewer', 'analyst', 'admin']) })).optional(),
  });
}

export type PolicyFile = z.output<ReturnType<typeof policyFileSchema>>;
