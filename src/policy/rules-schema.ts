// Zod schemas of the policy rules sections. The same shapes are used in policy files and over the admin API,
// so a rules document read from YAML and one read back from the store compare equal.
import { z } from 'zod';
import type { FeatureDenial, FeatureMatcher, PolicyRules, PropagationRule, SubjectSelector } from './policy-rules.js';
import { PURPOSE_NAME } from './purpose-header.js';

export const RELATIONS = ['parent', 'subsidiary', 'acquirer', 'acquired', 'reseller', 'partner', 'affiliate'] as const;
export const ORG_STATUSES = ['active', 'restricted', 'suspended', 'revoked'] as const;

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/, 'must be 1-128 letters, digits, "_", ".", ":" or "-"');
const globs = z.array(z.string().min(1)).min(1);
export const attributeValueSchema = z.union([z.string(), z.number(), z.boolean()]);
export const attributesSchema = z.record(z.string(), attributeValueSchema);

const validRegex = z.string().refine(
  (s) => {
    try {
      new RegExp(s, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

export const featureMatcherSchema: z.ZodType<FeatureMatcher> = z
  .strictObject({
    models: globs.optional(),
    endpoints: globs.optional(),
    toolNames: globs.optional(),
    toolTypes: globs.optional(),
    paramsPresent: z.array(z.string().min(1)).min(1).optional(),
    paramsEqual: attributesSchema.optional(),
    userAgent: validRegex.optional(),
    anthropicBeta: globs.optional(),
  })
  .refine((m) => Object.values(m).some((v) => v !== undefined), { message: 'a matcher needs at least one condition' });

export const featureSchema = z.strictObject({
  description: z.string().optional(),
  match: z.array(featureMatcherSchema).min(1),
});

export const subjectSchema: z.ZodType<SubjectSelector> = z
  .strictObject({
    org: z.string().min(1).optional(),
    affiliatesOf: z.string().min(1).optional(),
    relations: z.array(z.enum(RELATIONS)).min(1).optional(),
    tier: z.string().min(1).optional(),
    attributes: attributesSchema.optional(),
  })
  .superRefine((s, ctx) => {
    const set = (['org', 'affiliatesOf', 'tier', 'attributes'] as const).filter((k) => s[k] !== undefined);
    if (set.length !== 1) ctx.addIssue({ code: 'custom', message: 'set exactly one of org, affiliatesOf, tier, attributes' });
    if (s.relations && s.affiliatesOf === undefined) ctx.addIssue({ code: 'custom', path: ['relations'], message: 'relations only applies with affiliatesOf' });
  })
  .transform((s) => s as SubjectSelector);

export const denialSchema: z.ZodType<FeatureDenial> = z.strictObject({
  feature: z.string().min(1),
  subject: subjectSchema,
  clause: z.string().min(1),
  exceptPurposes: z.array(z.string().min(1)).optional(),
});

export const propagationSchema: z.ZodType<PropagationRule> = z.strictObject({
  statuses: z.array(z.enum(['restricted', 'suspended', 'revoked'])).min(1),
  relations: z.array(z.enum(RELATIONS)).min(1),
  effect: z.enum(['restrict', 'deny']),
  sourceAttributes: attributesSchema.optional(),
  clause: z.string().min(1).optional(),
});

/** Everything in PolicyRules but the version, which the store assigns. */
export type RulesBody = Omit<PolicyRules, 'version'>;

export function rulesBodySchema(opts: { playbooks?: z.ZodType; limits?: z.ZodType } = {}) {
  return z.strictObject({
    clauses: z.record(name, z.strictObject({ text: z.string().min(1), url: z.string().url().optional() })).optional(),
    purposes: z.record(z.string().regex(PURPOSE_NAME, 'purpose names are lowercase letters, digits and "_"'), z.strictObject({ description: z.string().min(1) })).optional(),
    tiers: z.record(name, z.strictObject({ description: z.string().optional(), limits: z.record(z.string(), z.unknown()).optional() })).optional(),
    features: z.record(name, featureSchema).optional(),
    denials: z.array(denialSchema).optional(),
    propagation: z.array(propagationSchema).optional(),
    playbooks: (opts.playbooks ?? z.unknown()).optional(),
    limits: (opts.limits ?? z.unknown()).optional(),
  });
}
