// Admin API: webhook operations. The webhooks (the operations URL and each org's contact webhook) with their
// delivery counts, each one's delivery log, one delivery in full (the exact body that was signed), and
// redelivery of dead letters (one, some, or all of a webhook's), each redelivery audited.
//   GET  /admin/webhooks                             viewer   webhooks with delivery counts by status
//   GET  /admin/webhooks/deliveries?target=&status=  viewer   the delivery log, newest first
//   GET  /admin/webhooks/deliveries/:id              viewer   one delivery with its body
//   POST /admin/webhooks/deliveries/:id/redeliver    admin    redeliver one dead letter
//   POST /admin/webhooks/redeliver {target?, ids?}   admin    redeliver dead letters
import { z } from 'zod';
import { appendAudit } from '../../audit/audit-log.js';
import { redactUrl } from '../../audit/redact-url.js';
import { MoatError } from '../../errors/moat-error.js';
import { SqlWebhookQueue, type WebhookDelivery } from '../../enforcement/webhook-queue.js';
import { CUSTOMER_TARGET_PREFIX, customerTarget } from '../../enforcement/webhook-secrets.js';
import { listOrgs } from '../../store/orgs-repo.js';
import { adminRoute, type AdminDeps, type AdminRoute } from '../admin-route.js';
import { orgForRole } from '../webhook-urls.js';
import { WEBHOOK_DELIVERY_STATUSES, WebhookDeliverySchema as DeliverySchema, WebhookDeliveryWithBodySchema as DeliveryWithBody, WebhookSchema } from '../../admin-contract/webhook-schemas.js';

const STATUSES = WEBHOOK_DELIVERY_STATUSES;
const TargetSchema = z.string().regex(/^(ops|customer:.+)$/, 'a webhook target is "ops" or "customer:<orgId>"');

/** URLs in deliveries are shown as the org's contact webhook is: scheme and host only below admin. */
function forRole(d: WebhookDelivery, role: string): Omit<WebhookDelivery, 'body'> {
  const { body: _b, ...rest } = d;
  return role === 'admin' ? rest : { ...rest, url: redactUrl(d.url) };
}

async function audited(deps: AdminDeps, actor: string, ids: readonly string[], filter: Record<string, unknown>): Promise<void> {
  if (!ids.length) return;
  await deps.driver.transaction((tx) => appendAudit(tx, { actor, action: 'webhook.redeliver', target: ids.length === 1 ? (ids[0] as string) : 'webhooks', data: { ids: [...ids], ...filter } }, new Date(deps.now?.() ?? Date.now())));
}

export function webhookDeliveryRoutes(opts: { opsWebhookUrl?: string | undefined }): AdminRoute[] {
  return [
    adminRoute({
      method: 'GET', url: '/webhooks', role: 'viewer', summary: 'The webhooks (operations URL, each org contact webhook, and any target with deliveries) with delivery counts by status.',
      response: z.object({ webhooks: z.array(WebhookSchema) }),
      handler: async ({ deps, identity }) => {
        const counts = await new SqlWebhookQueue(deps.driver).countsByTarget();
        const hooks = new Map<string, z.infer<typeof WebhookSchema>>();
        const hook = (target: string) => {
          let h = hooks.get(target);
          if (!h) {
            h = { target, ...(target.startsWith(CUSTOMER_TARGET_PREFIX) ? { orgId: target.slice(CUSTOMER_TARGET_PREFIX.length) } : {}), counts: { pending: 0, delivered: 0, dead: 0 } };
            hooks.set(target, h);
          }
          return h;
        };
        if (opts.opsWebhookUrl) hook('ops').url = identity.role === 'admin' ? opts.opsWebhookUrl : redactUrl(opts.opsWebhookUrl);
        for (const o of await listOrgs(deps.driver)) {
          const shown = orgForRole(o, identity.role).contactWebhook;
          if (shown) hook(customerTarget(o.id)).url = shown;
        }
        for (const c of counts) hook(c.target).counts[c.status] = c.count;
        return { webhooks: [...hooks.values()].sort((a, b) => a.target.localeCompare(b.target)) };
      },
    }),
    adminRoute({
      method: 'GET', url: '/webhooks/deliveries', role: 'viewer', summary: "The delivery log, newest first: one webhook's (`target`), one status, or all.",
      query: z.object({ target: TargetSchema.optional(), status: z.enum(STATUSES).optional(), limit: z.coerce.number().int().min(1).max(1000).optional() }).strict(),
      response: z.object({ deliveries: z.array(DeliverySchema) }),
      handler: async ({ deps, query, identity }) => ({
        deliveries: (await new SqlWebhookQueue(deps.driver).deliveries({ target: query.target, status: query.status, limit: query.limit ?? 100 })).map((d) => forRole(d, identity.role)),
      }),
    }),
    adminRoute({
      method: 'GET', url: '/webhooks/deliveries/:id', role: 'viewer', summary: 'One delivery with the exact body that was signed.',
      params: z.object({ id: z.string() }), response: DeliveryWithBody,
      handler: async ({ deps, params, identity }) => {
        const d = await new SqlWebhookQueue(deps.driver).get(params.id);
        if (!d) throw new MoatError('not_found', `no webhook delivery "${params.id}"`);
        return { ...forRole(d, identity.role), body: d.body };
      },
    }),
    adminRoute({
      method: 'POST', url: '/webhooks/deliveries/:id/redeliver', role: 'admin', summary: 'Redeliver one dead letter: back to pending, due now, attempts reset (same id, so receivers still deduplicate). 409 unless it is dead.',
      params: z.object({ id: z.string() }), response: DeliverySchema,
      handler: async ({ deps, params, identity }) => {
        const queue = new SqlWebhookQueue(deps.driver);
        const d = await queue.get(params.id);
        if (!d) throw new MoatError('not_found', `no webhook delivery "${params.id}"`);
        if (d.status !== 'dead') throw new MoatError('admin_conflict', `delivery ${d.id} is ${d.status}; only dead letters are redelivered`);
        const ids = await queue.redriveIds(new Date(deps.now?.() ?? Date.now()), { ids: [d.id] });
        await audited(deps, identity.name, ids, { target: d.target });
        return forRole((await queue.get(d.id)) as WebhookDelivery, identity.role);
      },
    }),
    adminRoute({
      method: 'POST', url: '/webhooks/redeliver', role: 'admin', summary: "Redeliver dead letters: the given ids, one webhook's (`target`), or all. Returns the ids moved back to pending.",
      body: z.object({ target: TargetSchema.optional(), ids: z.array(z.string()).min(1).max(1000).optional() }).strict().optional(),
      response: z.object({ redelivered: z.array(z.string()) }),
      handler: async ({ deps, body, identity }) => {
        const ids = await new SqlWebhookQueue(deps.driver).redriveIds(new Date(deps.now?.() ?? Date.now()), { ...(body?.ids ? { ids: body.ids } : {}), ...(body?.target ? { target: body.target } : {}) });
        await audited(deps, identity.name, ids, { ...(body?.target ? { target: body.target } : {}) });
        return { redelivered: ids };
      },
    }),
  ];
}
