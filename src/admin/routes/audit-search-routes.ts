// Audit search for the console and for export:
//   GET /admin/audit/search          newest first, partial match (org names too), actions, actor, time range,
//                                    paged with before_seq; the total number of matches and the next page's cursor
//   GET /admin/audit/search/export   every match as CSV or JSONL (streamed, paged through the store)
//   GET /admin/audit/actions         the actions recorded, with counts (the action picker)
import { Readable } from 'node:stream';
import { z } from 'zod';
import { auditActions, countAudit, searchAudit, type AuditSearch, type FoundAuditEntry } from '../../audit/audit-search.js';
import { MoatError } from '../../errors/moat-error.js';
import type { SqlExecutor } from '../../sql/sql-driver.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';

const datetime = () => z.iso.datetime({ offset: true });

const SearchFilters = {
  q: z.string().min(1).max(200).optional().describe('Partial, case-insensitive match on actor, action, target, details or the name of the org concerned.'),
  action: z.string().min(1).max(2000).optional().describe('Comma-separated actions (exact), e.g. org.status,key.disable.'),
  actor: z.string().min(1).max(200).optional().describe('Partial match on the actor.'),
  target: z.string().min(1).max(200).optional().describe('Exact target id.'),
  org: z.string().min(1).max(200).optional().describe('Entries about this org (id): the org, its keys, and entries whose details name it.'),
  from: datetime().optional().describe('Inclusive start.'),
  to: datetime().optional().describe('Exclusive end.'),
};

const SearchQuery = z
  .object({
    ...SearchFilters,
    before_seq: z.coerce.number().int().min(1).optional().describe('Only entries older than this (the next page).'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();

const ExportQuery = z.object({ ...SearchFilters, format: z.enum(['csv', 'jsonl']).default('jsonl') }).strict();

function filters(q: z.infer<typeof ExportQuery> | z.infer<typeof SearchQuery>): AuditSearch {
  if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) throw new MoatError('invalid_request', '`from` must be before `to`.');
  return { q: q.q, actions: q.action?.split(',').map((a) => a.trim()).filter(Boolean), actor: q.actor, target: q.target, org: q.org, from: q.from, to: q.to };
}

const EXPORT_PAGE = 1000;

async function* allMatches(ex: SqlExecutor, s: AuditSearch): AsyncGenerator<FoundAuditEntry> {
  let beforeSeq: number | undefined;
  for (;;) {
    const page = await searchAudit(ex, { ...s, beforeSeq }, EXPORT_PAGE);
    yield* page;
    if (page.length < EXPORT_PAGE) return;
    beforeSeq = page[page.length - 1]!.seq;
  }
}

const CSV_COLUMNS = ['seq', 'ts', 'actor', 'action', 'target', 'target_org', 'details'];
/** RFC 4180 quoting; a leading =, +, - or @ is prefixed with ' so a spreadsheet does not run it as a formula. */
const csvCell = (v: string) => {
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
const csvLine = (e: FoundAuditEntry) =>
  [String(e.seq), e.ts, e.actor, e.action, e.target, e.targetOrg?.name ?? '', JSON.stringify(e.data)].map(csvCell).join(',') + '\r\n';

export const auditSearchRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/audit/search', role: 'viewer',
    summary: 'Search the audit log newest first: partial match (org names too), actions, actor, time range; paged with before_seq.',
    query: SearchQuery,
    response: ADMIN_RESPONSES['GET /audit/search'],
    handler: async ({ deps, query }) => {
      const s = filters(query);
      const [entries, total] = await Promise.all([searchAudit(deps.driver, { ...s, beforeSeq: query.before_seq }, query.limit + 1), countAudit(deps.driver, s)]);
      const more = entries.length > query.limit;
      const page = entries.slice(0, query.limit);
      return { entries: page, total, ...(more ? { nextBeforeSeq: page[page.length - 1]!.seq } : {}) };
    },
  }),
  adminRoute({
    method: 'GET', url: '/audit/search/export', role: 'viewer', summary: 'Every audit entry matching the search filters, newest first, as CSV or JSONL.',
    query: ExportQuery, produces: 'text/csv',
    handler: async ({ deps, query, reply }) => {
      const s = filters(query);
      const csv = query.format === 'csv';
      reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
      reply.header('content-disposition', `attachment; filename="moat-audit.${csv ? 'csv' : 'jsonl'}"`);
      return Readable.from(
        (async function* () {
          if (csv) yield CSV_COLUMNS.join(',') + '\r\n';
          for await (const e of allMatches(deps.driver, s)) yield csv ? csvLine(e) : JSON.stringify(e) + '\n';
        })(),
      );
    },
  }),
  adminRoute({
    method: 'GET', url: '/audit/actions', role: 'viewer', summary: 'The actions recorded in the audit log, with how many entries each has.',
    response: ADMIN_RESPONSES['GET /audit/actions'],
    handler: async ({ deps }) => ({ actions: await auditActions(deps.driver) }),
  }),
];
