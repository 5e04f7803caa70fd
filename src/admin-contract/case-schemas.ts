// Response shapes of the admin API for enforcement cases. src/enforcement/case-model.ts builds cases; the case
// routes check at compile time that what it builds fits these schemas.
import { z } from 'zod';

export const SeveritySchema = z.enum(['critical', 'high', 'medium', 'low']);
export const CaseStatusSchema = z.enum(['open', 'actioned', 'dismissed', 'reinstated', 'appealed', 'merged']);
export const ActionTypeSchema = z.enum(['none', 'notify', 'throttle', 'restrict', 'suspend', 'revoke']);

export const ProposedActionSchema = z.object({
  action: ActionTypeSchema,
  clause: z.string(),
  requiresApproval: z.boolean(),
  orgIds: z.array(z.string()),
  ruleId: z.string().optional(),
  durationMs: z.number().optional(),
  throttleFactor: z.number().optional(),
  keepsGrants: z.array(z.string()).optional(),
  purposeScopeRestriction: z.array(z.string()).optional(),
  notifyCustomer: z.boolean(),
});

export const ActionTakenSchema = z.object({
  at: z.string(),
  action: z.union([ActionTypeSchema, z.literal('lift')]),
  orgIds: z.array(z.string()),
  by: z.string(),
  clause: z.string().optional(),
  until: z.string().optional(),
});

export const CaseSummarySchema = z.object({
  id: z.string(),
  key: z.string().describe('`org:<id>` or `cluster:<id>`: the one case per org or cluster.'),
  kind: z.enum(['org', 'cluster']),
  title: z.string(),
  orgIds: z.array(z.string()),
  severity: SeveritySchema,
  status: CaseStatusSchema,
  labels: z.array(z.string()),
  confidence: z.number(),
  clause: z.string().describe('Clause id of the policy (text from GET /admin/clauses).'),
  proposedAction: ProposedActionSchema.optional(),
  actionsTaken: z.array(ActionTakenSchema),
  claims: z
    .array(z.object({ id: z.string(), at: z.string(), action: ActionTypeSchema, orgIds: z.array(z.string()) }))
    .optional()
    .describe('Actions a gateway or worker is carrying out right now (saved with the decision, gone once recorded in actionsTaken): their accounts count as under the action.'),
  detections: z.number(),
  requestsAtDetection: z.number().optional(),
  mergedInto: z.string().optional().describe('Status merged: the id of the case that now holds this one (its cluster was linked into that one).'),
  openedAt: z.string(),
  updatedAt: z.string(),
  version: z.number(),
});

export const SampleRequestSchema = z.object({
  at: z.string(),
  orgId: z.string(),
  keyPrefix: z.string().describe('Empty for prompts kept by the detector itself.'),
  model: z.string(),
  endpoint: z.string(),
  excerpt: z.string().describe('Prompt excerpt with anything that looks like a credential redacted.'),
  rule: z.string().optional().describe('The rule whose evidence kept this sample.'),
  matched: z.array(z.string()).optional().describe('What the request showed that the rule reads (`w.<feature>` names), the benchmark it matched (`benchmark:<source>`) and its harm category (`harm:<category>`).'),
});

export const FeatureEvidenceSchema = z.object({
  name: z.string(),
  value: z.number(),
  threshold: z.number(),
  comparison: z.string(),
  exceeded: z.boolean(),
  rule: z.string().optional(),
});

export const ScoreEvidenceSchema = z.object({
  name: z.string(),
  value: z.number(),
  rule: z.string(),
  contributions: z.array(z.object({ feature: z.string(), value: z.number().nullable(), contribution: z.number() })),
});

export const CaseEvidenceSchema = z.object({
  sampleRequests: z.array(SampleRequestSchema),
  matchedBenchmarks: z.array(z.object({ benchmark: z.string(), matches: z.number() })).describe("Public benchmarks whose items matched the org's prompts."),
  features: z.array(FeatureEvidenceSchema),
  linkedAccounts: z.array(z.object({ orgId: z.string(), name: z.string(), reason: z.string(), linkedTo: z.string().optional(), strength: z.number().optional() })),
  scores: z.array(ScoreEvidenceSchema).optional().describe('The scores the firing rules read, with what each signal contributed (logit units).'),
});

export const CaseDetailSchema = CaseSummarySchema.extend({
  timeline: z.array(z.object({ at: z.string(), kind: z.string(), actor: z.string(), text: z.string(), data: z.record(z.string(), z.unknown()).optional() })),
  notes: z.array(z.object({ at: z.string(), actor: z.string(), text: z.string() })),
  evidence: CaseEvidenceSchema,
});

export const CaseListSchema = z.object({ cases: z.array(CaseSummarySchema) });
export const CaseResultSchema = z.object({ case: CaseDetailSchema });
