// Response shape of the request log (GET /admin/requests): recent request events as sampled and kept by the
// gateway, with what the log keeps so a reader knows what is missing from it.
import { z } from 'zod';
import { OutcomeSchema } from './usage-schemas.js';

export const RequestLogEntrySchema = z.object({
  id: z.string().describe('The request id (also in the caller\'s error body and the trace).'),
  ts: z.string().describe('When the request arrived.'),
  orgId: z.string(),
  keyId: z.string(),
  model: z.string(),
  api: z.enum(['openai', 'anthropic']),
  endpoint: z.string(),
  stream: z.boolean(),
  status: z.number().describe('HTTP status answered.'),
  outcome: OutcomeSchema,
  reason: z.string().describe("The error code behind a non-admitted outcome ('' when admitted)."),
  latencyMs: z.number(),
  inputTokens: z.number(),
  outputTokens: z.number(),
  purpose: z.string().optional(),
  prompt: z.string().optional().describe('Prompt excerpt, secrets redacted; only when `requestLog.prompts` is `excerpt`.'),
});

export const RequestLogPageSchema = z.object({
  entries: z.array(RequestLogEntrySchema),
  nextBefore: z.string().optional().describe('Pass as `before` for the next (older) page.'),
  recording: z
    .object({
      enabled: z.boolean(),
      admittedSampleRate: z.number().describe('Share of admitted requests kept (0–1).'),
      otherSampleRate: z.number().describe('Share of refused, rate-limited and failed requests kept (0–1).'),
      retentionHours: z.number(),
      maxRows: z.number(),
      prompts: z.enum(['none', 'excerpt']),
    })
    .describe('What this gateway records, so the reader knows what the log leaves out.'),
});
