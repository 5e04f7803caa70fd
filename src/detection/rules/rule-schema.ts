// Zod mirror of rules/schema.json (the published JSON Schema, for editors and other tools). A test checks that
// both declare the same fields and enumerations, so they cannot silently drift.
import { z } from 'zod';

export const LABELS = ['benchmarking', 'distillation', 'safety_probing', 'scope_violation'] as const;
export type ActivityLabel = (typeof LABELS)[number];

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { feature: string; op: '>=' | '>' | '<=' | '<' | '==' | '!='; value: number | boolean | string };

const featureName = z.string().regex(/^[a-z_]+(\.[A-Za-z0-9_]+)+$/);

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({
      feature: featureName,
      op: z.enum(['>=', '>', '<=', '<', '==', '!=']),
      value: z.union([z.number(), z.boolean(), z.string()]),
    }),
  ]),
);

const fixture = z.strictObject({ trace: z.string(), org: z.string().optional() });

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/),
  status: z.enum(['experimental', 'stable']),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  label: z.enum(LABELS),
  description: z.string().min(1),
  confidence: z.number().gt(0).max(1),
  scope: z.enum(['org', 'cluster']),
  when: conditionSchema,
  evidence: z.array(z.string().regex(/^(samples|benchmarks|categories|links|[a-z_]+(\.[A-Za-z0-9_]+)+)$/)),
  fixtures: z.strictObject({ positive: z.array(fixture).min(1), negative: z.array(fixture).min(1) }),
});

export type RuleSpec = z.infer<typeof ruleSchema>;

/** Cross-account linkage settings (rules/linkage/linkage.yaml): thresholds as data, like the rules. */
export const linkageSchema = z.strictObject({
  kind: z.literal('linkage'),
  description: z.string(),
  /** Link kinds two orgs must share (distinct kinds) before they join one cluster. */
  min_shared_kinds: z.number().int().min(1),
  kinds: z.array(z.enum(['ip24', 'user_agent', 'system_prompt', 'template'])).min(1),
  /** A link value used by more orgs than this is infrastructure everyone shares (a cloud NAT, a popular SDK) and is ignored. */
  max_orgs_per_value: z.number().int().min(2),
  /** User agents that never link (regular expressions): stock SDKs. */
  ignore_user_agents: z.array(z.string()),
  /** A template links orgs only after each used it this many times. */
  min_template_uses: z.number().int().min(1),
  max_values_per_org: z.number().int().min(1),
});

export type LinkageSpec = z.infer<typeof linkageSchema>;
