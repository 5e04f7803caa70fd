// Which admin route answers with which shape: `METHOD /path` (as the admin route table writes it, under
// /admin) → the zod schema of its success body. The admin routes answer with these schemas (a test checks
// each route's response schema against this table), and the console looks up every answer it reads here and
// validates it before a view sees it.
import { z } from 'zod';
import { AuditEntrySchema, AuditSearchResultSchema, AuditVerifySchema } from './audit-schemas.js';
import { CaseListSchema, CaseResultSchema } from './case-schemas.js';
import { AffiliationSchema, DeletedSchema, GrantSchema, KeyActivitySchema, KeySchema, OrgSchema, RotatedKeySchema, WhoAmISchema } from './org-schemas.js';
import { ClausesSchema, GlossarySchema, OrgLimitsSchema, PolicyViewSchema } from './policy-schemas.js';
import { RequestLogPageSchema } from './request-log-schemas.js';
import { EnforcementActivityRowSchema, UsageRowSchema } from './usage-schemas.js';

export const OrgStatusResultSchema = OrgSchema.extend({ affiliates: z.array(OrgSchema).optional().describe('With includeAffiliates: the affiliates changed.') });

const caseDecisions = Object.fromEntries(
  (['approve', 'dismiss', 'reinstate', 'appeal', 'note', 'notes'] as const).map((d) => [`POST /cases/:id/${d}`, CaseResultSchema]),
) as Record<`POST /cases/:id/${'approve' | 'dismiss' | 'reinstate' | 'appeal' | 'note' | 'notes'}`, typeof CaseResultSchema>;

export const ADMIN_RESPONSES = {
  'GET /whoami': WhoAmISchema,
  'GET /orgs': z.object({ orgs: z.array(OrgSchema) }),
  'GET /orgs/:org': OrgSchema,
  'POST /orgs/:org/status': OrgStatusResultSchema,
  'GET /orgs/:org/keys': z.object({ keys: z.array(KeySchema) }),
  'GET /orgs/:org/keys/activity': z.object({ keys: z.array(KeyActivitySchema) }),
  'GET /orgs/:org/grants': z.object({ grants: z.array(GrantSchema) }),
  'GET /orgs/:org/limits': OrgLimitsSchema,
  'GET /keys': z.object({ keys: z.array(KeySchema) }),
  'POST /keys/:key/disable': KeySchema,
  'POST /keys/:key/enable': KeySchema,
  'POST /keys/:key/rotate': RotatedKeySchema,
  'POST /keys/:key/rotation/end': KeySchema,
  'DELETE /keys/:key': DeletedSchema,
  'GET /affiliations': z.object({ affiliations: z.array(AffiliationSchema) }),
  'GET /usage': z.object({ usage: z.array(UsageRowSchema) }),
  'GET /requests': RequestLogPageSchema,
  'GET /enforcement/activity': z.object({ activity: z.array(EnforcementActivityRowSchema) }),
  'GET /cases': CaseListSchema,
  'GET /cases/:id': CaseResultSchema,
  ...caseDecisions,
  'GET /clauses': ClausesSchema,
  'GET /policy': PolicyViewSchema,
  'GET /detection/glossary': GlossarySchema,
  'GET /audit/search': AuditSearchResultSchema,
  'GET /audit/actions': z.object({ actions: z.array(z.object({ action: z.string(), count: z.number() })) }),
  'GET /audit/verify': AuditVerifySchema,
  'GET /audit/recent': z.object({ entries: z.array(AuditEntrySchema) }),
} as const satisfies Record<string, z.ZodType>;

export type AdminRouteKey = keyof typeof ADMIN_RESPONSES;
/** The body a route answers with, as the console sees it after validation. */
export type AdminResponse<K extends AdminRouteKey> = z.infer<(typeof ADMIN_RESPONSES)[K]>;

const matchers = Object.entries(ADMIN_RESPONSES).map(([key, schema]) => {
  const [method, url] = key.split(' ') as [string, string];
  const pattern = new RegExp(`^/admin${url.replace(/:[A-Za-z_]+/g, '[^/]+')}$`);
  return { method, pattern, schema: schema as z.ZodType, key };
});

/** The schema of the answer to `method` on a path under /admin (query string ignored), if the table has it. */
export function responseSchemaFor(method: string, path: string): { key: string; schema: z.ZodType } | undefined {
  const bare = path.split('?')[0]!;
  const m = matchers.find((x) => x.method === method && x.pattern.test(bare));
  return m && { key: m.key, schema: m.schema };
}
