// Applies the states a change carries (orgs after the change, keys' access) to a snapshot without the store,
// so a revocation, suspension or disabled key heard on the bus holds even where the store cannot be read.
// The result keeps the base's version: it is an overlay until a load from the store catches up.
import type { ApiKeyRecord } from '../model/api-key.js';
import type { Change } from '../changes/change-bus.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';

export const carriesState = (c: Change): boolean => Boolean(c.orgs?.length || c.keys?.length);

export function applyCarriedState(base: PolicySnapshot, change: Change): PolicySnapshot {
  if (!carriesState(change)) return base;
  let orgs = base.orgs;
  if (change.orgs?.length) {
    const next = new Map(base.orgs);
    for (const o of change.orgs) next.set(o.id, o);
    orgs = next;
  }
  let keyByHash = base.keyByHash;
  if (change.keys?.length) {
    const byId = new Map(change.keys.map((k) => [k.id, k]));
    const next = new Map<string, ApiKeyRecord>();
    for (const [hash, rec] of base.keyByHash) {
      const k = byId.get(rec.id);
      if (!k) next.set(hash, rec);
      else if (k.status !== 'deleted') {
        const { expiresAt: _old, ...rest } = rec;
        next.set(hash, { ...rest, status: k.status, ...(k.expiresAt ? { expiresAt: k.expiresAt } : {}) });
      }
    }
    // A key this view never had cannot be added: the change does not carry its hash.
    keyByHash = next;
  }
  return Object.freeze({ ...base, orgs, keyByHash });
}
