// Admin API for cases, in the admin module's route-table style (role per route, zod schemas, OpenAPI):
//   GET  /admin/cases?status=&severity=&org=    viewer   (summaries; status=all for every status)
//   GET  /admin/cases/:id                       viewer
//   POST /admin/cases/:id/note (alias /notes)   analyst  { note }
//   POST /admin/cases/:id/appeal                analyst  { note }  (records the customer's appeal)
//   POST /admin/cases/:id/approve|dismiss|reinstate  admin  { note }
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { adminRoute, type AdminDeps, type AdminRoute } from '../admin-route.js';
import { ADMIN_ROUTES, registerAdminRoutes } from '../register-admin-routes.js';
import { MoatError } from '../../errors/moat-error.js';
import { summarize, type Case, type CaseSummary } from '../../enforcement/case-model.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { CaseStatusSchema, type CaseDetailSchema, type CaseSummarySchema } from '../../admin-contract/case-schemas.js';
import type { EnforcementService } from '../../enforcement/enforcement-service.js';

const IdParams = z.object({ id: z.string().min(1) });
const NoteBody = z.object({ note: z.string().trim().min(1, 'note is required') });
const ListQuery = z.object({
  status: z.enum([...CaseStatusSchema.options, 'all']).default('all'),
  severity: z.enum(['critical', 'high', 'medium', 'low']).optional(),
  org: z.string().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});

// What enforcement builds must fit what the console reads: these fail to compile when the two drift apart.
type Fits<T extends U, U> = T;
export type CaseFitsContract = Fits<Case, z.input<typeof CaseDetailSchema>>;
export type SummaryFitsContract = Fits<CaseSummary, z.input<typeof CaseSummarySchema>>;

export function caseRoutes(svc: EnforcementService): AdminRoute[] {
  const decision = (name: 'approve' | 'dismiss' | 'reinstate' | 'appeal' | 'note' | 'notes', role: 'analyst' | 'admin', summary: string) =>
    adminRoute({
      method: 'POST', url: `/cases/:id/${name}`, role, summary, params: IdParams, body: NoteBody, response: ADMIN_RESPONSES[`POST /cases/:id/${name}`],
      // Domain errors (no such case, a decision the state does not allow, a lost race) map to admin codes
      // in the admin error handler.
      handler: async ({ params, body, identity }) => {
        const who = identity.name;
        const c =
          name === 'approve' ? await svc.approve(params.id, who, body.note)
          : name === 'dismiss' ? await svc.dismiss(params.id, who, body.note)
          : name === 'reinstate' ? await svc.reinstate(params.id, who, body.note)
          : name === 'appeal' ? await svc.appeal(params.id, who, body.note)
          : await svc.addNote(params.id, who, body.note);
        return { case: c };
      },
    });
  return [
    adminRoute({
      method: 'GET', url: '/cases', role: 'viewer', summary: 'List enforcement cases (summaries), newest first.', query: ListQuery, response: ADMIN_RESPONSES['GET /cases'],
      handler: async ({ query }) => {
        const cases = await svc.list({ ...(query.status !== 'all' ? { status: query.status } : {}), ...(query.severity ? { severity: query.severity } : {}), ...(query.org ? { orgId: query.org } : {}), limit: query.limit });
        return { cases: cases.map(summarize) };
      },
    }),
    adminRoute({
      method: 'GET', url: '/cases/:id', role: 'viewer', summary: 'One case with timeline, notes and evidence.', params: IdParams, response: ADMIN_RESPONSES['GET /cases/:id'],
      handler: async ({ params }) => {
        const c = await svc.get(params.id);
        if (!c) throw new MoatError('admin_not_found', `no case ${params.id}`);
        return { case: c };
      },
    }),
    decision('note', 'analyst', 'Add a note to a case.'),
    decision('notes', 'analyst', 'Add a note to a case (alias used by the console).'),
    decision('appeal', 'analyst', "Record the customer's appeal of the action taken."),
    decision('approve', 'admin', 'Approve the proposed action (executes it), uphold it against an appeal, or, on an actioned case, carry it out on the accounts it does not hold yet.'),
    decision('dismiss', 'admin', 'Dismiss an open case; nothing is executed.'),
    decision('reinstate', 'admin', 'Lift the action taken: orgs back to active, throttles end.'),
  ];
}

/** Registers the whole admin API with the case routes added (use instead of registerAdminRoutes). */
export async function registerCaseRoutes(app: FastifyInstance, deps: AdminDeps & { enforcement: EnforcementService }): Promise<void> {
  await registerAdminRoutes(app, deps, [...ADMIN_ROUTES, ...caseRoutes(deps.enforcement)]);
}
