// The `playbooks:` section of a policy file: ordered rules mapping (activity label x org attributes x
// affiliations x grants x confidence x cluster) to an enforcement action. Passed to parsePolicyFile as its
// `playbooks` schema, so mistakes are reported with file, line and path like the rest of the policy.
import { z } from 'zod';
import { durationSchema } from '../policy/duration.js';
import { attributesSchema, RELATIONS } from '../policy/rules-schema.js';
import { LABELS } from '../model/activity.js';

export const ACTION_TYPES = ['none', 'notify', 'throttle', 'restrict', 'suspend', 'revoke'] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

/** Severity order of actions: a later detection may only raise a case's proposal, never lower it. */
export const ACTION_RANK: Record<ActionType, number> = { none: 0, notify: 1, throttle: 2, restrict: 3, suspend: 4, revoke: 5 };

const ruleId = z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'must be 1-64 lowercase letters, digits, "_", "." or "-"');

export const playbookMatchSchema = z.strictObject({
  /** Any of these activity labels (an activity must also meet min_confidence). */
  labels: z.array(z.enum(LABELS)).min(1),
  /** Every listed org attribute must equal the given value (e.g. competitor: true). */
  attributes: attributesSchema.optional(),
  /** The org has at least one affiliate with one of these relations (and, if given, these attributes). */
  affiliated: z.strictObject({ relations: z.array(z.enum(RELATIONS)).min(1), attributes: attributesSchema.optional() }).optional(),
  /** Purposes of grants the org holds (has) or does not hold (lacks). */
  grants: z.strictObject({ has: z.array(z.string().min(1)).min(1).optional(), lacks: z.array(z.string().min(1)).min(1).optional() }).optional(),
  min_confidence: z.number().min(0).max(1).default(0),
  /** true: only orgs in a cluster of two or more linked accounts; false: only orgs in none. */
  cluster: z.boolean().optional(),
});

export const playbookRuleSchema = z
  .strictObject({
    id: ruleId,
    description: z.string().optional(),
    when: playbookMatchSchema,
    action: z.enum(ACTION_TYPES),
    /** throttle: how long the tighter limits hold; suspend: until now + duration. */
    duration: durationSchema.optional(),
    /** throttle: multiply every limit by this factor (0.1 = a tenth of the normal rate). */
    throttle_factor: z.number().gt(0).lt(1).optional(),
    approval: z.enum(['required', 'automatic']).default('required'),
    /** Clause id from `clauses:` (or free text) that the action enforces; named in denials and notices. */
    clause: z.string().min(1),
    /** org: act on the detected org; cluster: act on every member of its cluster, one case for the cluster. */
    scope: z.enum(['org', 'cluster']).default('org'),
    /** Send the customer notice to the org's contact webhook (when it has one) once the action is taken. */
    notify_customer: z.boolean().default(true),
    /** Record a purpose-scope restriction on the case: requests outside the grant's purpose are refused. */
    restrict_purpose_scope: z.boolean().default(false),
  })
  .superRefine((r, ctx) => {
    if ((r.action === 'throttle' || r.action === 'suspend') && r.duration === undefined)
      ctx.addIssue({ code: 'custom', path: ['duration'], message: `action ${r.action} needs a duration (e.g. "24h", "30d")` });
    if (r.duration !== undefined && r.action !== 'throttle' && r.action !== 'suspend')
      ctx.addIssue({ code: 'custom', path: ['duration'], message: 'duration only applies to throttle and suspend' });
    if (r.throttle_factor !== undefined && r.action !== 'throttle')
      ctx.addIssue({ code: 'custom', path: ['throttle_factor'], message: 'throttle_factor only applies to throttle' });
    if (r.scope === 'cluster' && r.when.cluster !== true)
      ctx.addIssue({ code: 'custom', path: ['scope'], message: 'scope cluster needs when.cluster: true' });
  });

export const playbooksSchema = z
  .strictObject({
    /** The one switch: true makes every rule automatic (no admin approval). */
    auto_enforce: z.boolean().default(false),
    rules: z.array(playbookRuleSchema),
  })
  .superRefine((p, ctx) => {
    const seen = new Set<string>();
    p.rules.forEach((r, i) => {
      if (seen.has(r.id)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'id'], message: `duplicate rule id "${r.id}"` });
      seen.add(r.id);
    });
  });

export type PlaybookRule = z.output<typeof playbookRuleSchema>;
export type Playbooks = z.output<typeof playbooksSchema>;
export type PlaybooksInput = z.input<typeof playbooksSchema>;
