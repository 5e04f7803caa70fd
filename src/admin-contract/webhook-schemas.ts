// Response shapes of the admin API for webhook operations: the webhooks with their delivery counts, the
// delivery log, and the signing secrets receivers verify with (Standard Webhooks `whsec_<base64>`).
import { z } from 'zod';

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'delivered', 'dead'] as const;

export const WebhookDeliverySchema = z.object({
  id: z.string().describe('The delivery id, sent as `webhook-id` (the same on every attempt).'),
  target: z.string().describe('`ops` or `customer:<orgId>`.'),
  url: z.string(),
  event: z.string(),
  caseId: z.string().optional(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: z.string(),
  lastError: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string().describe('When the last attempt (or redelivery) changed it.'),
});
export const WebhookDeliveryWithBodySchema = WebhookDeliverySchema.extend({ body: z.string().describe('The exact bytes sent and signed.') });

export const WebhookSchema = z.object({
  target: z.string(),
  orgId: z.string().optional(),
  url: z.string().optional().describe('Where it is sent now (below admin, scheme and host only).'),
  counts: z.object({ pending: z.number().int(), delivered: z.number().int(), dead: z.number().int() }),
});

export const WebhookSecretSchema = z.object({ secret: z.string().describe('Standard Webhooks secret (`whsec_<base64 key>`).') });
export const CustomerWebhookSecretSchema = WebhookSecretSchema.extend({
  generation: z.number().int().describe('How many times this secret was rolled.'),
  previous: z
    .object({ secret: z.string(), validUntil: z.string() })
    .optional()
    .describe('The secret before the last roll: deliveries carry a signature with it too until validUntil.'),
});
