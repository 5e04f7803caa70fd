// TEST FIXTURE, not product code: the cases endpoints of the contract in docs/console.md, held in memory,
// so the console's case pages can be driven in a browser before the enforcement work ships its case store.
// Approving a case changes the org's status through the real store (setOrgStatus), so the org page and the
// audit trail the console shows afterwards come from the real admin API.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticateAdmin, requireRole } from '../../src/admin/admin-auth.js';
import type { AdminDeps } from '../../src/admin/admin-route.js';
import { isMoatError, MoatError } from '../../src/errors/moat-error.js';
import type { AdminRole } from '../../src/model/admin.js';
import { setOrgStatus } from '../../src/store/orgs-repo.js';
import { propagateChange } from '../../src/view/propagate-change.js';
import type { CaseDetail } from '../../console/src/api/types.js';

export interface CasesFixture {
  cases: Map<string, CaseDetail>;
  add(c: CaseDetail): void;
}

const STATUS_FOR: Record<string, 'restricted' | 'suspended' | 'revoked' | undefined> = { restrict: 'restricted', suspend: 'suspended', revoke: 'revoked' };

export function registerCasesFixture(app: FastifyInstance, deps: AdminDeps): CasesFixture {
  const cases = new Map<string, CaseDetail>();
  const who = async (req: FastifyRequest, role: AdminRole) => {
    const id = await authenticateAdmin(deps.driver, req.headers.authorization, deps.bootstrapToken);
    requireRole(id, role);
    return id;
  };
  const get = (id: string) => {
    const c = cases.get(id);
    if (!c) throw new MoatError('admin_not_found', `no case ${id}`);
    return c;
  };
  app.register(
    async (scope) => {
      scope.setErrorHandler((err, _req, reply) => {
        const me = isMoatError(err) ? err : new MoatError('internal_error');
        return reply.code(me.status).send({ error: { code: me.code, message: me.message } });
      });
      scope.get('/cases', async (req) => {
        await who(req, 'viewer');
        const status = (req.query as { status?: string }).status ?? 'open';
        // Summaries: the list carries no timeline, notes or evidence.
        return { cases: [...cases.values()].filter((c) => status === 'all' || c.status === status).map(({ timeline: _t, notes: _n, evidence: _e, ...s }) => s) };
      });
      scope.get('/cases/:id', async (req) => {
        await who(req, 'viewer');
        return { case: get((req.params as { id: string }).id) };
      });
      scope.post('/cases/:id/notes', async (req) => {
        const id = await who(req, 'analyst');
        const c = get((req.params as { id: string }).id);
        const note = String((req.body as { note?: string } | undefined)?.note ?? '').trim();
        if (!note) throw new MoatError('invalid_request', 'note is required');
        c.notes.push({ at: new Date().toISOString(), actor: id.name, text: note });
        return { case: c };
      });
      for (const decision of ['approve', 'dismiss', 'reinstate'] as const) {
        scope.post(`/cases/:id/${decision}`, async (req) => {
          const id = await who(req, 'admin');
          const c = get((req.params as { id: string }).id);
          const note = String((req.body as { note?: string } | undefined)?.note ?? '').trim();
          if (!note) throw new MoatError('invalid_request', 'note is required');
          const now = new Date().toISOString();
          const action = c.proposedAction;
          if (decision === 'approve') {
            const status = action ? STATUS_FOR[action.action] : undefined;
            if (status && action) {
              for (const orgId of action.orgIds) {
                const out = await setOrgStatus(deps.driver, { actor: id.name }, orgId, { status, reason: note, clause: action.clause, caseId: c.id });
                await propagateChange(deps, out.change);
              }
            }
            c.status = 'actioned';
          } else if (decision === 'dismiss') c.status = 'dismissed';
          else {
            for (const orgId of c.orgIds) {
              const out = await setOrgStatus(deps.driver, { actor: id.name }, orgId, { status: 'active', reason: note, caseId: c.id });
              await propagateChange(deps, out.change);
            }
            c.status = 'reinstated';
          }
          c.timeline.push({ at: now, kind: decision, actor: id.name, text: note });
          c.updatedAt = now;
          return { case: c };
        });
      }
    },
    { prefix: '/admin' },
  );
  return { cases, add: (c) => void cases.set(c.id, c) };
}
