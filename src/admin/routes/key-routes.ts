import { z } from 'zod';
import { createKey, deleteKey, endKeyRotation, getKey, listKeys, rotateKey, setKeyExpiry, setKeyStatus, withoutHash } from '../../store/keys-repo.js';
import { parseDuration } from '../../policy/duration.js';
import { getOrg } from '../../store/orgs-repo.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { CreatedKeySchema, CreateKeyBody, DisableKeyBody, KeyExpiryBody, KeyRef, KeySchema, ListKeysQuery, OrgRef, RotatedKeySchema, RotateKeyBody } from '../admin-schemas.js';

const DEFAULT_GRACE = '24h';

export const keyRoutes: AdminRoute[] = [
  adminRoute({
    method: 'POST', url: '/orgs/:org/keys', role: 'admin', summary: 'Create an API key; the secret is in this response only.',
    params: OrgRef, body: CreateKeyBody, status: 201, response: CreatedKeySchema, idempotent: true,
    handler: async ({ deps, params, body, meta, commit }) => commit(await createKey(deps.driver, meta, { org: params.org, ...body })),
  }),
  adminRoute({
    method: 'GET', url: '/orgs/:org/keys', role: 'viewer', summary: "List an organization's keys (prefix only).", params: OrgRef, response: z.object({ keys: z.array(KeySchema) }),
    handler: async ({ deps, params }) => {
      const org = await getOrg(deps.driver, params.org);
      return { keys: (await listKeys(deps.driver, org.id)).map(withoutHash) };
    },
  }),
  adminRoute({
    method: 'GET', url: '/keys', role: 'viewer', summary: 'List keys (prefix only), optionally of one org.', query: ListKeysQuery, response: z.object({ keys: z.array(KeySchema) }),
    handler: async ({ deps, query }) => {
      const orgId = query.org ? (await getOrg(deps.driver, query.org)).id : undefined;
      return { keys: (await listKeys(deps.driver, orgId)).map(withoutHash) };
    },
  }),
  adminRoute({
    method: 'GET', url: '/keys/:key', role: 'viewer', summary: 'Get one key (prefix only).', params: KeyRef, response: KeySchema,
    handler: async ({ deps, params }) => withoutHash(await getKey(deps.driver, params.key)),
  }),
  adminRoute({
    method: 'POST', url: '/keys/:key/disable', role: 'admin', summary: 'Disable a key (with optional reason, clause, case).', params: KeyRef, body: DisableKeyBody.optional(), response: KeySchema,
    handler: async ({ deps, params, body, identity, commit }) => commit(await setKeyStatus(deps.driver, { actor: identity.name }, params.key, { status: 'disabled', ...(body ?? {}) })),
  }),
  adminRoute({
    method: 'POST', url: '/keys/:key/enable', role: 'admin', summary: 'Re-enable a disabled key.', params: KeyRef, body: DisableKeyBody.optional(), response: KeySchema,
    handler: async ({ deps, params, body, identity, commit }) => commit(await setKeyStatus(deps.driver, { actor: identity.name }, params.key, { status: 'active', ...(body ?? {}) })),
  }),
  adminRoute({
    method: 'PUT', url: '/keys/:key/expiry', role: 'admin', summary: 'Set (or with null clear) the expiry of a key.', params: KeyRef, body: KeyExpiryBody, response: KeySchema,
    handler: async ({ deps, params, body, identity, commit }) => commit(await setKeyExpiry(deps.driver, { actor: identity.name }, params.key, body.expiresAt)),
  }),
  adminRoute({
    method: 'POST', url: '/keys/:key/rotate', role: 'admin',
    summary: 'Issue a new secret for a key (same id, org and name); the new secret is in this response only. The replaced secret keeps working for `grace` (default 24h).',
    params: KeyRef, body: RotateKeyBody.optional(), response: RotatedKeySchema,
    handler: async ({ deps, params, body, meta, commit }) => {
      const grace = body?.grace ?? DEFAULT_GRACE;
      return commit(await rotateKey(deps.driver, meta, params.key, { graceMs: grace === '0' ? 0 : (parseDuration(grace) as number), reason: body?.reason }));
    },
  }),
  adminRoute({
    method: 'POST', url: '/keys/:key/rotation/end', role: 'admin', summary: "Stop a rotated key's previous secret now instead of at the end of its grace period.",
    params: KeyRef, response: KeySchema,
    handler: async ({ deps, params, identity, commit }) => commit(await endKeyRotation(deps.driver, { actor: identity.name }, params.key)),
  }),
  adminRoute({
    method: 'DELETE', url: '/keys/:key', role: 'admin', summary: 'Delete a key.', params: KeyRef, response: z.object({ id: z.string() }),
    handler: async ({ deps, params, identity, commit }) => commit(await deleteKey(deps.driver, { actor: identity.name }, params.key)),
  }),
];
