// Small read-only endpoints the console needs and the general API does not give cheaply:
//   GET /admin/clauses        viewer  clause id -> text, so a case or status change shows the clause's words
//   GET /admin/audit/recent   viewer  newest first, paged with before_seq, bounded by from, filtered like /audit
// (GET /admin/audit stays oldest first for export-style paging with after_seq.)
import { z } from 'zod';
import { listAudit } from '../../audit/audit-log.js';
import { loadPolicyState } from '../../store/load-policy-state.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';

const RecentAuditQuery = z
  .object({
    before_seq: z.coerce.number().int().min(1).optional().describe('Only entries with a lower seq (the next page).'),
    from: z.iso.datetime({ offset: true }).optional().describe('Only entries at or after this time.'),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    action: z.string().min(1).optional(),
    target: z.string().min(1).optional(),
    actor: z.string().min(1).optional(),
  })
  .strict();


export const consoleRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/clauses', role: 'viewer', summary: "The policy's clauses: id -> text (for the console).",
    response: ADMIN_RESPONSES['GET /clauses'],
    handler: async ({ deps }) => {
      const { state } = await loadPolicyState(deps.driver);
      const defs = (state.rules as { clauses?: Record<string, { text?: unknown }> }).clauses ?? {};
      return { clauses: Object.fromEntries(Object.entries(defs).map(([id, c]) => [id, typeof c?.text === 'string' ? c.text : id])) };
    },
  }),
  adminRoute({
    method: 'GET', url: '/audit/recent', role: 'viewer', summary: 'Audit entries newest first, paged with before_seq, bounded by from, filtered by action, target or actor.',
    query: RecentAuditQuery, response: ADMIN_RESPONSES['GET /audit/recent'],
    handler: async ({ deps, query }) => {
      const entries = await listAudit(deps.driver, {
        order: 'newest',
        limit: query.limit,
        ...(query.before_seq !== undefined ? { beforeSeq: query.before_seq } : {}),
        ...(query.from !== undefined ? { from: query.from } : {}),
        ...(query.action !== undefined ? { action: query.action } : {}),
        ...(query.target !== undefined ? { target: query.target } : {}),
        ...(query.actor !== undefined ? { actor: query.actor } : {}),
      });
      return { entries };
    },
  }),
];
