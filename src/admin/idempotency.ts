// Idempotency keys on create calls (`Idempotency-Key` header): the first call's answer commits with its
// change; a retry with the same key and the same request gets that answer again (status, body, and so the
// same secret) instead of creating a second object. The stored answer is encrypted with a key derived from
// the Idempotency-Key itself, which the store never sees: the store alone cannot reveal a secret.
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { MoatError } from '../errors/moat-error.js';
import { canonicalJson } from '../json/canonical-json.js';
import { findIdempotent, type IdempotencyClaim } from '../store/idempotency-repo.js';
import type { SqlExecutor } from '../sql/sql-driver.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

/** Long enough to be unguessable (it is also the encryption key of the stored answer); a UUID fits. */
const KEY_FORM = /^[\x21-\x7e]{16,255}$/;

export interface IdempotentCall {
  /** What the mutation stores, sealed, with its result. */
  claim(status: number): IdempotencyClaim;
  /** The earlier answer to this key, if any; idempotency_conflict if the key was used for another request. */
  replay(ex: SqlExecutor, now: Date): Promise<{ status: number; body: unknown } | undefined>;
}

function sealWith(key: Buffer, text: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([c.update(text, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64');
}

function openWith(key: Buffer, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64');
  const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  d.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
}

/** Undefined without the header; invalid_request for a malformed one. Scoped to the caller (admin token name). */
export function idempotentCall(header: string | string[] | undefined, actor: string, request: { method: string; url: string; params: unknown; body: unknown }): IdempotentCall | undefined {
  if (header === undefined) return undefined;
  const key = Array.isArray(header) ? header[0] : header;
  if (typeof key !== 'string' || !KEY_FORM.test(key))
    throw new MoatError('invalid_request', 'Idempotency-Key must be 16-255 printable characters (e.g. a random UUID).');
  const keyHash = createHash('sha256').update(`moat-idempotency\0${actor}\0${key}`).digest('hex');
  const requestHash = createHash('sha256').update(canonicalJson({ method: request.method, url: request.url, params: request.params ?? null, body: request.body ?? null })).digest('hex');
  const secret = Buffer.from(hkdfSync('sha256', key, 'moat-idempotency-answer', actor, 32));
  return {
    claim: (status) => ({ keyHash, requestHash, status, seal: (result) => sealWith(secret, JSON.stringify(result)) }),
    async replay(ex, now) {
      const rec = await findIdempotent(ex, keyHash, now);
      if (!rec) return undefined;
      if (rec.requestHash !== requestHash) throw new MoatError('idempotency_conflict', 'This Idempotency-Key was already used for a different request.');
      return { status: rec.status, body: JSON.parse(openWith(secret, rec.response)) as unknown };
    },
  };
}
