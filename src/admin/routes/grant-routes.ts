import { z } from 'zod';
import { createGrant, deleteGrant, listGrants } from '../../store/grants-repo.js';
import { getOrg } from '../../store/orgs-repo.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { CreateGrantBody, GrantRef, GrantSchema, ListKeysQuery, OrgRef } from '../admin-schemas.js';

export const grantRoutes: AdminRoute[] = [
  adminRoute({
    method: 'POST', url: '/orgs/:org/grants', role: 'admin', summary: 'Give an organization a purpose-scoped grant.', params: OrgRef, body: CreateGrantBody, status: 201, response: GrantSchema, idempotent: true,
    handler: async ({ deps, params, body, meta, commit }) => commit(await createGrant(deps.driver, meta, { org: params.org, ...body })),
  }),
  adminRoute({
    method: 'GET', url: '/grants', role: 'viewer', summary: 'List grants, optionally of one org.', query: ListKeysQuery, response: z.object({ grants: z.array(GrantSchema) }),
    handler: async ({ deps, query }) => {
      const orgId = query.org ? (await getOrg(deps.driver, query.org)).id : undefined;
      return { grants: await listGrants(deps.driver, orgId) };
    },
  }),
  adminRoute({
    method: 'GET', url: '/orgs/:org/grants', role: 'viewer', summary: "List an organization's grants.", params: OrgRef, response: ADMIN_RESPONSES['GET /orgs/:org/grants'],
    handler: async ({ deps, params }) => ({ grants: await listGrants(deps.driver, (await getOrg(deps.driver, params.org)).id) }),
  }),
  adminRoute({
    method: 'DELETE', url: '/grants/:grant', role: 'admin', summary: 'Delete a grant.', params: GrantRef, response: z.object({ id: z.string() }),
    handler: async ({ deps, params, identity, commit }) => commit(await deleteGrant(deps.driver, { actor: identity.name }, params.grant)),
  }),
];
