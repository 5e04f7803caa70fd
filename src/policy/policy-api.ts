// Request and response shapes of the admin API's policy-as-code endpoints, shared by the server (admin
// module mounts them) and `moat policy diff|apply`.
//   GET  /admin/policy/state  -> PolicyStateResponse            (role: viewer or above)
//   POST /admin/policy/apply  <- PolicyApplyRequest -> PolicyApplyResponse   (role: admin)
// Apply runs all steps in one transaction, re-checks the guards against the store's current state (409
// admin_conflict when refused without force, or when expectedVersion is stale) and audits each step.
import { z } from 'zod';
import type { PlanStep } from './plan-policy.js';
import { adminStateSchema, affiliationSchema, grantStateSchema, keyStateSchema, orgStateSchema, policyStateSchema } from './policy-state.js';
import { rulesBodySchema } from './rules-schema.js';

export const POLICY_STATE_PATH = '/admin/policy/state';
export const POLICY_APPLY_PATH = '/admin/policy/apply';

export const PolicyStateResponseSchema = z.object({
  /** The store's change version the state was read at; send it back as expectedVersion. */
  version: z.number().int().nonnegative(),
  state: policyStateSchema,
});
export type PolicyStateResponse = z.infer<typeof PolicyStateResponseSchema>;

const action = z.enum(['create', 'update', 'delete']);
const step = <K extends string, T extends z.ZodType>(kind: K, obj: T) =>
  z.strictObject({ kind: z.literal(kind), action, id: z.string().min(1), before: obj.optional(), after: obj.optional(), fields: z.array(z.string()).optional() });

export const PlanStepSchema: z.ZodType<PlanStep> = z.discriminatedUnion('kind', [
  step('rules', rulesBodySchema()),
  step('org', orgStateSchema),
  step('affiliation', affiliationSchema),
  step('grant', grantStateSchema),
  step('key', keyStateSchema),
  step('admin', adminStateSchema),
]);

export const PolicyApplyRequestSchema = z.object({
  steps: z.array(PlanStepSchema),
  force: z.boolean().default(false),
  /** When set, the server refuses (409) if the store changed since this version was read. */
  expectedVersion: z.number().int().nonnegative().optional(),
});
export type PolicyApplyRequest = z.input<typeof PolicyApplyRequestSchema>;

export const PolicyApplyResponseSchema = z.object({
  /** Store version after the apply. */
  version: z.number().int().nonnegative(),
  applied: z.number().int().nonnegative(),
  /** Secrets of keys and admin tokens created by this apply, shown once and never stored in plain text. */
  secrets: z.array(z.object({ kind: z.enum(['key', 'admin']), id: z.string(), secret: z.string() })),
});
export type PolicyApplyResponse = z.infer<typeof PolicyApplyResponseSchema>;
