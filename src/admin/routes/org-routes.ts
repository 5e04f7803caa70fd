import { z } from 'zod';
import { listAffiliations } from '../../store/affiliations-repo.js';
import { createOrg, getOrg, listOrgs, setOrgStatus, updateOrg } from '../../store/orgs-repo.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { CreateOrgBody, OrgRef, OrgSchema, SetOrgStatusBody, UpdateOrgBody } from '../admin-schemas.js';
import { checkWebhookUrl } from '../webhook-urls.js';
import { orgView } from '../org-view.js';

const SetOrgStatusWithAffiliatesBody = SetOrgStatusBody.extend({
  includeAffiliates: z
    .boolean()
    .optional()
    .describe('Also give every directly affiliated org (either side of an affiliation) the same status, reason, clause and case; one audit entry each.'),
});

export const orgRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/orgs', role: 'viewer', summary: 'List organizations.', response: ADMIN_RESPONSES['GET /orgs'],
    handler: async ({ deps, identity }) => {
      const now = deps.now?.() ?? Date.now();
      return { orgs: (await listOrgs(deps.driver)).map((o) => orgView(o, identity.role, now)) };
    },
  }),
  adminRoute({
    method: 'POST', url: '/orgs', role: 'admin', summary: 'Create an organization.', body: CreateOrgBody, status: 201, response: OrgSchema, idempotent: true,
    handler: async ({ deps, body, meta, commit }) => {
      checkWebhookUrl(deps, body.contactWebhook, 'contactWebhook');
      return commit(await createOrg(deps.driver, meta, body));
    },
  }),
  adminRoute({
    method: 'GET', url: '/orgs/:org', role: 'viewer', summary: 'Get one organization by id or name.', params: OrgRef, response: ADMIN_RESPONSES['GET /orgs/:org'],
    handler: async ({ deps, params, identity }) => orgView(await getOrg(deps.driver, params.org), identity.role, deps.now?.() ?? Date.now()),
  }),
  adminRoute({
    method: 'PATCH', url: '/orgs/:org', role: 'admin', summary: 'Update name, tier, attributes, labels or contact webhook.', params: OrgRef, body: UpdateOrgBody, response: OrgSchema,
    handler: async ({ deps, params, body, identity, commit }) => {
      checkWebhookUrl(deps, body.contactWebhook, 'contactWebhook');
      return commit(await updateOrg(deps.driver, { actor: identity.name }, params.org, body));
    },
  }),
  adminRoute({
    method: 'POST', url: '/orgs/:org/status', role: 'admin',
    summary: 'Set access status (active, restricted, suspended until, revoked) with reason, clause and case; optionally for its direct affiliates too.',
    params: OrgRef, body: SetOrgStatusWithAffiliatesBody, response: ADMIN_RESPONSES['POST /orgs/:org/status'],
    handler: async ({ deps, params, body, identity, commit }) => {
      const { includeAffiliates, ...status } = body;
      const meta = { actor: identity.name };
      const org = await commit(await setOrgStatus(deps.driver, meta, params.org, status));
      if (!includeAffiliates) return org;
      const ids = new Set<string>();
      for (const a of await listAffiliations(deps.driver, org.id)) ids.add(a.orgId === org.id ? a.affiliateId : a.orgId);
      ids.delete(org.id);
      // One change (and audit entry) per affiliate, each effective here before the reply.
      const affiliates = [];
      for (const id of [...ids].sort()) affiliates.push(await commit(await setOrgStatus(deps.driver, meta, id, status)));
      return { ...org, affiliates };
    },
  }),
];
