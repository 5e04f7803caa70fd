// Authentication from the in-memory policy view only. The key's form and checksum are checked before any
// lookup, so typos and random strings never reach the key map.
import type { IncomingHttpHeaders } from 'node:http';
import { checkApiKey, hashSecret } from '../keys/api-key-format.js';
import type { KeyHashCache } from './key-hash-cache.js';
import { MoatError } from '../errors/moat-error.js';
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Org } from '../model/org.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';

export type PresentedKey = { via: 'bearer' | 'x-api-key'; secret: string } | { via: 'none' } | { via: 'malformed-header' };

/** Reads the key from `x-api-key` (Anthropic) or `Authorization: Bearer` (OpenAI). */
export function presentedKey(headers: IncomingHttpHeaders): PresentedKey {
  const x = headers['x-api-key'];
  if (typeof x === 'string' && x !== '') return { via: 'x-api-key', secret: x.trim() };
  const auth = headers.authorization;
  if (auth === undefined || auth === '') return { via: 'none' };
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  return m ? { via: 'bearer', secret: m[1] as string } : { via: 'malformed-header' };
}

/** `owner` is set when the key is known but may not be used (disabled, expired), so the refusal can be metered. */
export type AuthResult = { ok: true; key: ApiKeyRecord; org: Org } | { ok: false; error: MoatError; owner?: { orgId: string; keyId: string } };

/** `hashes` (optional) caches the checksum check and sha256 of recently seen secrets; see KeyHashCache. */
export function authenticate(presented: PresentedKey, snapshot: PolicySnapshot, nowMs: number, hashes?: KeyHashCache): AuthResult {
  if (presented.via === 'none') return { ok: false, error: new MoatError('missing_api_key') };
  if (presented.via === 'malformed-header')
    return { ok: false, error: new MoatError('malformed_api_key', 'The Authorization header must be `Bearer <key>`.') };
  const check = hashes ? hashes.hashOf(presented.secret) : checkApiKey(presented.secret);
  if (!check.ok)
    return {
      ok: false,
      error: new MoatError(
        'malformed_api_key',
        check.reason === 'checksum'
          ? 'The API key fails its checksum (probably a typo); copy it again exactly.'
          : 'The API key is not of the form moat_<env>_<random>.',
      ),
    };
  const key = snapshot.keyByHash.get('hash' in check ? check.hash : hashSecret(presented.secret));
  const org = key && snapshot.orgs.get(key.orgId);
  if (!key || !org) return { ok: false, error: new MoatError('invalid_api_key') };
  const owner = { orgId: org.id, keyId: key.id };
  if (key.status === 'disabled') return { ok: false, error: new MoatError('key_disabled'), owner };
  if (key.rotatedUntil !== undefined && Date.parse(key.rotatedUntil) <= nowMs)
    return { ok: false, error: new MoatError('key_expired', `This API key was rotated; its previous secret stopped working at ${key.rotatedUntil}. Use the new secret.`), owner };
  if (key.expiresAt !== undefined && Date.parse(key.expiresAt) <= nowMs)
    return { ok: false, error: new MoatError('key_expired', `The API key expired at ${key.expiresAt}.`), owner };
  return { ok: true, key, org };
}
