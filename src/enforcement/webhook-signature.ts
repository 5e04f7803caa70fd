// Webhook signatures in the Standard Webhooks scheme (standardwebhooks.com), so receivers can verify with the
// existing libraries: `webhook-id` (the delivery id, the same on every retry: receivers deduplicate on it),
// `webhook-timestamp` (unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
// The id is inside the MAC, so a captured notice replayed under a new id no longer verifies; the timestamp is too,
// and receivers refuse old ones. Secrets are `whsec_<base64 key>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const DEFAULT_TOLERANCE_SECONDS = 300;
const PREFIX = 'whsec_';

/** The key bytes of a secret: the base64 after `whsec_`, or (a configured secret in another form) its UTF-8 bytes. */
export function signingKey(secret: string): Buffer {
  return secret.startsWith(PREFIX) ? Buffer.from(secret.slice(PREFIX.length), 'base64') : Buffer.from(secret, 'utf8');
}

/** The same secret as receivers' libraries take it: `whsec_` + standard base64 of the key. */
export function standardSecret(secret: string): string {
  return PREFIX + signingKey(secret).toString('base64');
}

export function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/**
 * The three headers of one delivery attempt. With several secrets (a rolled secret in its grace period) the
 * signature header carries one signature per secret, space-separated, so receivers on either secret verify.
 */
export function webhookHeaders(secret: string | readonly string[], id: string, body: string, nowMs: number): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const t = Math.floor(nowMs / 1000);
  const secrets = typeof secret === 'string' ? [secret] : secret;
  return { 'webhook-id': id, 'webhook-timestamp': String(t), 'webhook-signature': secrets.map((s) => `v1,${signatureOf(s, id, t, body)}`).join(' ') };
}

export type VerifyResult = { ok: true; id: string; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'future' | 'mismatch' };

/**
 * For receivers: checks the Standard Webhooks headers against the raw body (the exact bytes received, before
 * JSON parsing). Rejects timestamps more than `toleranceSeconds` (default 5 minutes) old or ahead.
 */
export function verifyWebhook(opts: { secret: string; body: string | Buffer; headers: Record<string, string | string[] | undefined>; nowMs?: number; toleranceSeconds?: number }): VerifyResult {
  const one = (name: string) => {
    const v = opts.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = one('webhook-id');
  const ts = one('webhook-timestamp');
  const sig = one('webhook-signature');
  if (!id || !ts || !sig) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(ts)) return { ok: false, reason: 'malformed' };
  const t = Number(ts);
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const tol = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (now - t > tol) return { ok: false, reason: 'expired' };
  if (t - now > tol) return { ok: false, reason: 'future' };
  const body = typeof opts.body === 'string' ? opts.body : opts.body.toString('utf8');
  const want = Buffer.from(signatureOf(opts.secret, id, t, body), 'base64');
  // Several space-separated signatures let a sender roll its secret without breaking receivers.
  const given = sig.split(' ').flatMap((s) => (s.startsWith('v1,') ? [Buffer.from(s.slice(3), 'base64')] : []));
  if (given.length === 0) return { ok: false, reason: 'malformed' };
  return given.some((g) => g.length === want.length && timingSafeEqual(g, want)) ? { ok: true, id, timestamp: t } : { ok: false, reason: 'mismatch' };
}

/**
 * Each customer gets its own secret, derived from the provider's, so one customer cannot forge another's notices.
 * `generation` counts rolls of that customer's secret (0: never rolled).
 */
export function customerWebhookSecret(providerSecret: string, orgId: string, generation = 0): string {
  const label = generation === 0 ? `customer-webhook:${orgId}` : `customer-webhook:${orgId}:${generation}`;
  return PREFIX + createHmac('sha256', signingKey(providerSecret)).update(label).digest('base64');
}
