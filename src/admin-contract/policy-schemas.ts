// Response shapes of the admin API for the policy as the console shows it, clauses, effective limits and the
// detection glossary.
import { z } from 'zod';

const PlaybookRuleView = z.object({
  id: z.string(),
  when: z.string().describe('The rule\'s conditions as JSON.'),
  action: z.string(),
  mode: z.enum(['automatic', 'approval']),
  clause: z.string(),
  enabled: z.boolean(),
});

export const PolicyViewSchema = z.object({
  version: z.number().int().nonnegative().describe('Store change version the document was read at.'),
  document: z.string().describe('The whole policy as a policy YAML file (no secrets).'),
  playbooks: z.array(z.object({ name: z.string(), rules: z.array(PlaybookRuleView) })),
  rules: z
    .array(z.object({ id: z.string(), description: z.string(), status: z.enum(['experimental', 'stable']), label: z.string(), severity: z.string() }))
    .describe('Detection rules shipped in rules/ (one YAML file each), with their status.'),
});

export const ClausesSchema = z.object({ clauses: z.record(z.string(), z.string()) });

export const LimitDescriptionSchema = z.object({
  metric: z.string(),
  subject: z.enum(['key', 'org', 'grant', 'feature', 'model']),
  subject_id: z.string(),
  window: z.object({ name: z.string(), mode: z.enum(['sliding', 'anchored']), duration_seconds: z.number() }).optional(),
  limit: z.number(),
  throttled_from: z.number().optional().describe('The configured value a throttle lowered `limit` from.'),
  used: z.number().nullable().describe('Null when usage is unavailable (the admin API has no access to the limiter).'),
  remaining: z.number().nullable(),
  resets_at: z.string().nullable(),
  source: z.string(),
});

export const OrgLimitsSchema = z.object({
  object: z.literal('moat.org_limits'),
  org_id: z.string(),
  org_name: z.string(),
  tier: z.string(),
  throttle: z.object({ factor: z.number() }).nullable().describe('Active throttle (enforcement or `limits.throttles`), if any.'),
  usage_available: z.boolean(),
  keys: z.array(z.object({ key_id: z.string(), key_name: z.string(), limits: z.array(LimitDescriptionSchema) })),
});

export const GlossarySchema = z.object({
  features: z.array(z.object({ name: z.string(), meaning: z.string(), known: z.boolean().describe('Whether rules can read this name.') })),
});
