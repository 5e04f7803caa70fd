// Webhook signatures: HMAC-SHA256 over `<unix seconds>.<raw body>`, sent as `moat-signature: t=<unix>,v1=<hex>`.
// Binding the timestamp into the MAC and refusing old timestamps makes a captured notice useless for replay.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'moat-signature';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signatureHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export function signWebhook(secret: string, body: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signatureHex(secret, t, body)}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: 'missing' | 'malformed' | 'expired' | 'future' | 'mismatch' };

/**
 * For receivers: checks `moat-signature` against the raw body (the exact bytes received, before JSON parsing).
 * Rejects timestamps older than `toleranceSeconds` (default 5 minutes) or that far in the future.
 */
export function verifyWebhookSignature(opts: { secret: string; body: string | Buffer; header: string | undefined; nowMs?: number; toleranceSeconds?: number }): VerifyResult {
  if (!opts.header) return { ok: false, reason: 'missing' };
  let t: number | undefined;
  const sigs: string[] = [];
  for (const part of opts.header.split(',')) {
    const [k, v] = part.trim().split('=', 2);
    if (k === 't' && v && /^\d{1,12}$/.test(v)) t = Number(v);
    else if (k === 'v1' && v && /^[0-9a-f]{64}$/.test(v)) sigs.push(v);
  }
  if (t === undefined || sigs.length === 0) return { ok: false, reason: 'malformed' };
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const tol = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (now - t > tol) return { ok: false, reason: 'expired' };
  if (t - now > tol) return { ok: false, reason: 'future' };
  const body = typeof opts.body === 'string' ? opts.body : opts.body.toString('utf8');
  const want = Buffer.from(signatureHex(opts.secret, t, body), 'hex');
  // Several v1 values let a sender roll its secret without breaking receivers.
  const match = sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), want));
  return match ? { ok: true, timestamp: t } : { ok: false, reason: 'mismatch' };
}

/** Each customer gets its own signing secret, derived from the provider's, so one customer cannot forge another's notices. */
export function customerWebhookSecret(providerSecret: string, orgId: string): string {
  return createHmac('sha256', providerSecret).update(`customer-webhook:${orgId}`).digest('hex');
}
