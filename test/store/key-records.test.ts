// A rotated key in the hot-path view: two records (current secret, previous secret with its grace end), and a
// key change heard on the bus (disable, expiry) applies to both without dropping the grace end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { authenticate } from '../../src/gateway/authenticate.js';
import { generateApiKey } from '../../src/keys/api-key-format.js';
import { emptySnapshot } from '../../src/policy/policy-snapshot.js';
import { keyRecords, type StoredApiKey } from '../../src/store/keys-repo.js';
import { applyCarriedState } from '../../src/view/carried-state.js';
import type { Org } from '../../src/model/org.js';

const now = Date.parse('2030-01-01T00:00:00Z');
const cur = generateApiKey('live');
const old = generateApiKey('live');
const stored: StoredApiKey = {
  id: 'key_1', orgId: 'org_1', name: 'ci', prefix: cur.prefix, hash: cur.hash, status: 'active', createdAt: '2029-01-01T00:00:00.000Z', updatedAt: '2029-12-31T00:00:00.000Z',
  previous: { prefix: old.prefix, hash: old.hash, validUntil: '2030-01-01T02:00:00.000Z' }, rotatedAt: '2029-12-31T00:00:00.000Z', lastUsedAt: '2029-12-31T23:59:00.000Z',
};
const org = { id: 'org_1', name: 'o', tier: 'default', attributes: {}, labels: [], status: 'active' } as unknown as Org;

function snapshotWith(records: ReturnType<typeof keyRecords>) {
  return { ...emptySnapshot(), keyByHash: new Map(records.map((r) => [r.hash, r])), orgs: new Map([[org.id, org]]) };
}
const present = (secret: string) => ({ via: 'bearer' as const, secret });

test('a rotated key has a record per secret; the previous one is accepted until its grace ends, by the clock given', () => {
  const records = keyRecords(stored);
  assert.equal(records.length, 2);
  assert.deepEqual(records.map((r) => [r.prefix, r.rotatedUntil]), [[cur.prefix, undefined], [old.prefix, '2030-01-01T02:00:00.000Z']]);
  assert.ok(records.every((r) => !('previous' in r) && !('lastUsedAt' in r)));
  const snap = snapshotWith(records);
  assert.equal(authenticate(present(old.secret), snap, now).ok, true);
  assert.equal(authenticate(present(old.secret), snap, now + 2 * 3_600_000 - 1).ok, true);
  const after = authenticate(present(old.secret), snap, now + 2 * 3_600_000);
  assert.equal(after.ok, false);
  assert.equal(!after.ok && after.error.code, 'key_expired');
  assert.deepEqual(!after.ok && after.owner, { orgId: 'org_1', keyId: 'key_1' });
  assert.equal(authenticate(present(cur.secret), snap, now + 100 * 3_600_000).ok, true);
});

test('a key change carried on the bus applies to both secrets and keeps the grace end', () => {
  const snap = snapshotWith(keyRecords(stored));
  const disabled = applyCarriedState(snap, { kind: 'key', version: 2, keys: [{ id: 'key_1', orgId: 'org_1', status: 'disabled' }] });
  assert.ok([...disabled.keyByHash.values()].every((r) => r.status === 'disabled'));
  assert.equal(disabled.keyByHash.get(old.hash)?.rotatedUntil, '2030-01-01T02:00:00.000Z');
  const deleted = applyCarriedState(snap, { kind: 'key', version: 3, keys: [{ id: 'key_1', orgId: 'org_1', status: 'deleted' }] });
  assert.equal(deleted.keyByHash.size, 0);
});
