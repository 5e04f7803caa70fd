// Admin API: the secrets receivers verify webhooks with, in the Standard Webhooks form (`whsec_<base64>`) that
// the existing libraries take. Admins read the operations secret and any org's; a customer reads or rolls its
// own with one of its API keys (the provider's secret is never reachable that way).
//   GET  /admin/webhooks/secret                    admin     the operations webhook's secret
//   GET  /admin/orgs/:org/webhook-secret           admin     the org's contact-webhook secret(s)
//   POST /admin/orgs/:org/webhook-secret/roll      admin     roll it (the old one keeps signing for `grace`)
//   GET  /admin/self/webhook-secret                API key   the caller's org's secret(s)
//   POST /admin/self/webhook-secret/roll           API key   roll it
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { adminRoute, type AdminDeps, type AdminRoute } from '../admin-route.js';
import { OrgRef } from '../admin-schemas.js';
import { CustomerWebhookSecretSchema as CustomerSecretSchema, WebhookSecretSchema as SecretSchema } from '../../admin-contract/webhook-schemas.js';
import { getOrg } from '../../store/orgs-repo.js';
import { findKeyByHash } from '../../store/keys-repo.js';
import { checkApiKey, hashSecret } from '../../keys/api-key-format.js';
import { MoatError } from '../../errors/moat-error.js';
import { parseDuration } from '../../policy/duration.js';
import { standardSecret } from '../../enforcement/webhook-signature.js';
import { customerTarget, MAX_SECRET_GRACE_MS, readSecretRoll, rollCustomerSecret, signingSecrets } from '../../enforcement/webhook-secrets.js';

const RollBody = z
  .object({
    grace: z
      .string()
      .refine((g) => g === '0' || (parseDuration(g) ?? Infinity) <= MAX_SECRET_GRACE_MS, { message: 'grace is a duration up to 7d, like "24h", or "0" to stop the old secret now' })
      .optional()
      .describe('How long the old secret keeps signing next to the new one (default "24h", at most 7 days; "0": stops now).'),
  })
  .strict();

async function customerSecret(deps: AdminDeps, providerSecret: string, orgId: string) {
  const now = deps.now?.() ?? Date.now();
  const roll = await readSecretRoll(deps.driver, customerTarget(orgId));
  const [secret, previous] = signingSecrets(providerSecret, customerTarget(orgId), roll, now);
  return { secret: secret as string, generation: roll.generation, ...(previous && roll.previousUntil ? { previous: { secret: previous, validUntil: roll.previousUntil } } : {}) };
}

async function roll(deps: AdminDeps, providerSecret: string, actor: string, orgId: string, grace: string | undefined) {
  const g = grace ?? '24h';
  await rollCustomerSecret(deps.driver, actor, orgId, g === '0' ? 0 : (parseDuration(g) as number), new Date(deps.now?.() ?? Date.now()));
  return customerSecret(deps, providerSecret, orgId);
}

/** The org of the API key presented (Bearer or x-api-key), as the gateway would accept it now; else 401. */
async function callerOrg(deps: AdminDeps, headers: IncomingHttpHeaders): Promise<{ orgId: string; keyId: string }> {
  const x = headers['x-api-key'];
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
  const secret = typeof x === 'string' && x !== '' ? x.trim() : bearer;
  if (!secret) throw new MoatError('missing_api_key');
  const check = checkApiKey(secret);
  if (!check.ok) throw new MoatError('malformed_api_key');
  const hash = hashSecret(secret);
  const key = await findKeyByHash(deps.driver, hash);
  const now = deps.now?.() ?? Date.now();
  if (!key) throw new MoatError('invalid_api_key');
  if (key.status !== 'active') throw new MoatError('key_disabled');
  const expired = (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= now) || (key.hash !== hash && !(key.previous && Date.parse(key.previous.validUntil) > now));
  if (expired) throw new MoatError('key_expired');
  return { orgId: key.orgId, keyId: key.id };
}

export function webhookSecretRoutes(providerSecret: string): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET', url: '/webhooks/secret', role: 'admin', summary: "The operations webhook's signing secret, as Standard Webhooks libraries take it.", response: SecretSchema,
      handler: async () => ({ secret: standardSecret(providerSecret) }),
    }),
    adminRoute({
      method: 'GET', url: '/orgs/:org/webhook-secret', role: 'admin', summary: "The org's contact-webhook signing secret (derived per org and roll), to hand to that customer; during a roll's grace also the previous one.",
      params: OrgRef, response: CustomerSecretSchema,
      handler: async ({ deps, params }) => customerSecret(deps, providerSecret, (await getOrg(deps.driver, params.org)).id),
    }),
    adminRoute({
      method: 'POST', url: '/orgs/:org/webhook-secret/roll', role: 'admin', summary: "Roll the org's contact-webhook secret: deliveries are signed with both secrets until the grace ends (default 24h). Audited as webhook.secret.roll.",
      params: OrgRef, body: RollBody.optional(), response: CustomerSecretSchema,
      handler: async ({ deps, params, body, identity }) => roll(deps, providerSecret, identity.name, (await getOrg(deps.driver, params.org)).id, body?.grace),
    }),
    adminRoute({
      method: 'GET', url: '/self/webhook-secret', role: 'public', summary: "For customers, with one of their API keys (Bearer or x-api-key): their org's contact-webhook signing secret(s).",
      response: CustomerSecretSchema,
      handler: async ({ deps, reply }) => customerSecret(deps, providerSecret, (await callerOrg(deps, reply.request.headers)).orgId),
    }),
    adminRoute({
      method: 'POST', url: '/self/webhook-secret/roll', role: 'public', summary: "For customers, with one of their API keys: roll their org's contact-webhook secret (both sign until the grace ends). Audited with the key as actor.",
      body: RollBody.optional(), response: CustomerSecretSchema,
      handler: async ({ deps, body, reply }) => {
        const caller = await callerOrg(deps, reply.request.headers);
        return roll(deps, providerSecret, `api-key:${caller.keyId}`, caller.orgId, body?.grace);
      },
    }),
  ];
}
