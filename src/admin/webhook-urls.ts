// Contact webhook URLs in the admin API: refused when webhooks may not go there (scheme, a private or loopback
// address written in the URL; the resolved address is checked again at delivery), and shown in full to admins
// only: viewers and analysts see scheme and host, since the rest of a webhook URL is commonly a credential.
import { MoatError } from '../errors/moat-error.js';
import { redactUrl } from '../audit/redact-url.js';
import type { AdminRole } from '../model/admin.js';
import type { AdminDeps } from './admin-route.js';

export function checkWebhookUrl(deps: AdminDeps, url: string | null | undefined, field: string): void {
  if (!url) return;
  const problem = deps.webhookAddresses?.urlProblem(url);
  if (problem) throw new MoatError('invalid_request', `${field}: webhooks may not be sent there: ${problem}.`);
}

/** The org (or org state) as the role may see it. */
export function orgForRole<T extends { contactWebhook?: string | undefined }>(org: T, role: AdminRole): T {
  if (role === 'admin' || org.contactWebhook === undefined) return org;
  return { ...org, contactWebhook: redactUrl(org.contactWebhook) };
}
