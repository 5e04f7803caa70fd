import { createAffiliation, deleteAffiliation, listAffiliations } from '../../store/affiliations-repo.js';
import { getOrg } from '../../store/orgs-repo.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { AffiliationBody, AffiliationSchema, ListAffiliationsQuery } from '../admin-schemas.js';

export const affiliationRoutes: AdminRoute[] = [
  adminRoute({
    method: 'POST', url: '/affiliations', role: 'admin', summary: 'Record an affiliation; ownership cycles (parent/subsidiary, acquirer/acquired) are refused with 409.',
    body: AffiliationBody, status: 201, response: AffiliationSchema, idempotent: true,
    handler: async ({ deps, body, meta, commit }) => commit(await createAffiliation(deps.driver, meta, body)),
  }),
  adminRoute({
    method: 'GET', url: '/affiliations', role: 'viewer', summary: 'List affiliations, optionally those touching one org.', query: ListAffiliationsQuery,
    response: ADMIN_RESPONSES['GET /affiliations'],
    handler: async ({ deps, query }) => {
      const orgId = query.org ? (await getOrg(deps.driver, query.org)).id : undefined;
      return { affiliations: await listAffiliations(deps.driver, orgId) };
    },
  }),
  adminRoute({
    method: 'DELETE', url: '/affiliations', role: 'admin', summary: 'Remove an affiliation (identified by org, affiliate and relation in the query).',
    query: AffiliationBody, response: AffiliationSchema,
    handler: async ({ deps, query, identity, commit }) => commit(await deleteAffiliation(deps.driver, { actor: identity.name }, query)),
  }),
];
