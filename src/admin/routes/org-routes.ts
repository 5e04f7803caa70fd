import { z } from 'zod';
import { createOrg, getOrg, listOrgs, setOrgStatus, updateOrg } from '../../store/orgs-repo.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { CreateOrgBody, OrgRef, OrgSchema, SetOrgStatusBody, UpdateOrgBody } from '../admin-schemas.js';

export const orgRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/orgs', role: 'viewer', summary: 'List organizations.', response: z.object({ orgs: z.array(OrgSchema) }),
    handler: async ({ deps }) => ({ orgs: await listOrgs(deps.driver) }),
  }),
  adminRoute({
    method: 'POST', url: '/orgs', role: 'admin', summary: 'Create an organization.', body: CreateOrgBody, status: 201, response: OrgSchema,
    handler: async ({ deps, body, identity, commit }) => commit(await createOrg(deps.driver, { actor: identity.name }, body)),
  }),
  adminRoute({
    method: 'GET', url: '/orgs/:org', role: 'viewer', summary: 'Get one organization by id or name.', params: OrgRef, response: OrgSchema,
    handler: async ({ deps, params }) => getOrg(deps.driver, params.org),
  }),
  adminRoute({
    method: 'PATCH', url: '/orgs/:org', role: 'admin', summary: 'Update name, tier, attributes, labels or contact webhook.', params: OrgRef, body: UpdateOrgBody, response: OrgSchema,
    handler: async ({ deps, params, body, identity, commit }) => commit(await updateOrg(deps.driver, { actor: identity.name }, params.org, body)),
  }),
  adminRoute({
    method: 'POST', url: '/orgs/:org/status', role: 'admin', summary: 'Set access status (active, restricted, suspended until, revoked) with reason, clause and case.',
    params: OrgRef, body: SetOrgStatusBody, response: OrgSchema,
    handler: async ({ deps, params, body, identity, commit }) => commit(await setOrgStatus(deps.driver, { actor: identity.name }, params.org, body)),
  }),
];
