// Remembers the stored-form hash (sha256) of recently presented, well-formed API keys, so a busy key is not
// re-checksummed and re-hashed on every request (~2% of the hot path's CPU). Only the secret → hash step is
// cached: whether the key exists, is enabled and unexpired is still read from the policy snapshot on every
// request, so disabling a key takes effect at once. Bounded: past `capacity` the oldest entry is evicted (a
// flood of made-up keys with valid checksums only costs those keys a re-hash).
import { checkApiKey, hashSecret, type KeyCheck } from '../keys/api-key-format.js';

export type KeyHashResult = { ok: true; hash: string } | { ok: false; reason: Extract<KeyCheck, { ok: false }>['reason'] };

export class KeyHashCache {
  private readonly hashes = new Map<string, string>();

  constructor(readonly capacity = 10_000) {
    if (!(capacity >= 1)) throw new Error('KeyHashCache capacity must be at least 1');
  }

  get size(): number {
    return this.hashes.size;
  }

  /** The key's hash, or why its form is wrong (format, checksum); malformed keys are never cached. */
  hashOf(secret: string): KeyHashResult {
    const cached = this.hashes.get(secret);
    if (cached !== undefined) return { ok: true, hash: cached };
    const check = checkApiKey(secret);
    if (!check.ok) return { ok: false, reason: check.reason };
    const hash = hashSecret(secret);
    if (this.hashes.size >= this.capacity) this.hashes.delete(this.hashes.keys().next().value as string);
    this.hashes.set(secret, hash);
    return { ok: true, hash };
  }
}
