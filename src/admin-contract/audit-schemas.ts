// Response shapes of the admin API for the audit log: entries, search results, verification.
import { z } from 'zod';

export const AuditEntrySchema = z.object({
  seq: z.number(),
  ts: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
  mac: z.string().optional().describe('HMAC of the entry with the audit key kept outside the database.'),
});

export const FoundAuditEntrySchema = AuditEntrySchema.extend({
  targetOrg: z.object({ id: z.string(), name: z.string() }).optional().describe('The org the target is, or whose key it is.'),
});

export const AuditSearchResultSchema = z.object({
  entries: z.array(FoundAuditEntrySchema),
  total: z.number().describe('Matches in all pages.'),
  nextBeforeSeq: z.number().optional().describe('Pass as before_seq for the next (older) page.'),
});

export const AuditVerifySchema = z.object({
  ok: z.boolean(),
  count: z.number(),
  headHash: z.string().optional(),
  lastSeq: z.number().optional(),
  seq: z.number().optional(),
  problem: z.enum(['edited', 'deleted', 'reordered', 'truncated']).optional().describe('`edited`: content, link or MAC does not hold, or history differs from a checkpoint; `truncated`: entries cut off the end.'),
  message: z.string().optional(),
  macsChecked: z.boolean().describe('Whether every entry\'s MAC was checked with the audit key.'),
  checkpoint: z.object({ seq: z.number(), hash: z.string(), ts: z.string() }).nullable().describe('The latest signed checkpoint the log was checked against.'),
});
