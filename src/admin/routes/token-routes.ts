import { z } from 'zod';
import { createAdminToken, deleteAdminToken, listAdminTokens, tokenListing } from '../../store/admin-tokens-repo.js';
import { ADMIN_RESPONSES } from '../../admin-contract/admin-responses.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { AdminTokenSchema, CreatedTokenSchema, CreateTokenBody, DeleteTokenQuery, TokenRef } from '../admin-schemas.js';

export const tokenRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: '/whoami', role: 'viewer', summary: 'The name and role of the calling admin token.', response: ADMIN_RESPONSES['GET /whoami'],
    handler: async ({ identity }) => identity,
  }),
  adminRoute({
    method: 'GET', url: '/tokens', role: 'admin', summary: 'List admin tokens (never their hashes).', response: z.object({ tokens: z.array(AdminTokenSchema) }),
    handler: async ({ deps }) => ({ tokens: (await listAdminTokens(deps.driver)).map(tokenListing) }),
  }),
  adminRoute({
    method: 'POST', url: '/tokens', role: 'admin', summary: 'Create an admin token with a role; the secret is in this response only.', body: CreateTokenBody, status: 201, response: CreatedTokenSchema, idempotent: true,
    handler: async ({ deps, body, meta, commit }) => commit(await createAdminToken(deps.driver, meta, body)),
  }),
  adminRoute({
    method: 'DELETE', url: '/tokens/:token', role: 'admin', summary: 'Delete an admin token (the last admin token only with force=true).', params: TokenRef, query: DeleteTokenQuery,
    response: z.object({ id: z.string() }),
    handler: async ({ deps, params, query, identity, commit }) => commit(await deleteAdminToken(deps.driver, { actor: identity.name }, params.token, { force: query.force === 'true' })),
  }),
];
