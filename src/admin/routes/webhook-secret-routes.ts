// Admin API: the secrets receivers verify webhooks with, in the Standard Webhooks form (`whsec_<base64>`) that
// the existing libraries take. Admin only; hand a customer its own secret, never the provider's.
//   GET /admin/webhooks/secret                 admin   the operations webhook's secret
//   GET /admin/orgs/:org/webhook-secret        admin   the org's contact-webhook secret
import { z } from 'zod';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { OrgRef } from '../admin-schemas.js';
import { getOrg } from '../../store/orgs-repo.js';
import { customerWebhookSecret, standardSecret } from '../../enforcement/webhook-signature.js';

const SecretSchema = z.object({ secret: z.string().describe('Standard Webhooks secret (`whsec_<base64 key>`).') });

export function webhookSecretRoutes(providerSecret: string): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET', url: '/webhooks/secret', role: 'admin', summary: "The operations webhook's signing secret, as Standard Webhooks libraries take it.", response: SecretSchema,
      handler: async () => ({ secret: standardSecret(providerSecret) }),
    }),
    adminRoute({
      method: 'GET', url: '/orgs/:org/webhook-secret', role: 'admin', summary: "The org's contact-webhook signing secret (derived per org), to hand to that customer.", params: OrgRef, response: SecretSchema,
      handler: async ({ deps, params }) => ({ secret: customerWebhookSecret(providerSecret, (await getOrg(deps.driver, params.org)).id) }),
    }),
  ];
}
