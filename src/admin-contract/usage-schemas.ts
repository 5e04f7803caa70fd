// Response shapes of the admin API for usage (per outcome) and enforcement activity.
import { z } from 'zod';

export const OUTCOMES = ['admitted', 'refused', 'rate_limited', 'upstream_error', 'error'] as const;
export const OutcomeSchema = z.enum(OUTCOMES);

export const UsageRowSchema = z.object({
  orgId: z.string().optional(),
  keyId: z.string().optional(),
  model: z.string().optional(),
  outcome: OutcomeSchema.optional(),
  reason: z.string().optional().describe("The error code behind a refusal ('' when admitted)."),
  bucket: z.string().optional(),
  requests: z.number().describe('Requests of every outcome unless filtered by `outcome`.'),
  inputTokens: z.number(),
  outputTokens: z.number(),
});

export const EnforcementActivityRowSchema = z.object({
  kind: z.string().describe('restrict, suspend, revoke, throttle, lift, notify, reinstate, key.disable, key.enable or key.delete.'),
  manual: z.number().describe('How many were taken by hand rather than by the enforcement executor.'),
  count: z.number(),
  bucket: z.string().optional(),
});
