// Idempotency keys on create calls: a retried POST .../keys (the first answer lost to a timeout) gets the same
// key and secret back instead of minting a second secret nobody saw. The store keeps the answer only sealed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { BOOTSTRAP, startAdminHarness, type AdminHarness } from './admin-harness.js';

let h: AdminHarness;
before(async () => {
  h = await startAdminHarness();
  assert.equal((await h.call('POST', '/admin/orgs', { name: 'idem' })).status, 201);
});
after(async () => h?.close());

async function post(url: string, body: unknown, key?: string, token = BOOTSTRAP) {
  const res = await h.app.inject({
    method: 'POST',
    url,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(key ? { 'idempotency-key': key } : {}) },
    payload: JSON.stringify(body),
  });
  return { status: res.statusCode, json: JSON.parse(res.body), replayed: res.headers['idempotent-replayed'] };
}

const keysOf = async () => (await h.call('GET', '/admin/orgs/idem/keys')).json.keys as Array<{ id: string }>;

test('a retried key creation returns the first key and secret; no second key is minted', async () => {
  const key = randomUUID();
  const first = await post('/admin/orgs/idem/keys', { name: 'ci' }, key);
  assert.equal(first.status, 201);
  const again = await post('/admin/orgs/idem/keys', { name: 'ci' }, key);
  assert.equal(again.status, 201);
  assert.equal(again.replayed, 'true');
  assert.deepEqual(again.json, first.json);
  assert.equal((await keysOf()).length, 1);
  const stored = await h.driver.query<{ response: string }>('SELECT response FROM idempotency_keys');
  assert.ok(stored.length >= 1 && stored.every((r) => !r.response.includes(first.json.secret)), 'the secret is not stored in the clear');
});

test('concurrent calls with one key create one object and give both callers its answer', async () => {
  const key = randomUUID();
  const [a, b] = await Promise.all([post('/admin/orgs/idem/keys', { name: 'twin' }, key), post('/admin/orgs/idem/keys', { name: 'twin' }, key)]);
  assert.deepEqual([a.status, b.status], [201, 201]);
  assert.equal(a.json.secret, b.json.secret);
  assert.equal((await keysOf()).filter((k) => (k as { name?: string }).name === 'twin').length, 1);
});

test('the same key for another request is refused; malformed keys are refused; other callers have their own keys', async () => {
  const key = randomUUID();
  assert.equal((await post('/admin/orgs', { name: 'idem-a' }, key)).status, 201);
  const other = await post('/admin/orgs', { name: 'idem-b' }, key);
  assert.equal(other.status, 409);
  assert.equal(other.json.error.code, 'idempotency_conflict');
  assert.equal((await post('/admin/orgs', { name: 'idem-c' }, 'short')).json.error.code, 'invalid_request');
  const token = (await h.call('POST', '/admin/tokens', { name: 'second-admin', role: 'admin' })).json.secret as string;
  const theirs = await post('/admin/orgs', { name: 'idem-a2' }, key, token);
  assert.equal(theirs.status, 201, 'scoped per admin token');
  assert.equal(theirs.replayed, undefined);
});

test('without the header nothing changes: every call creates', async () => {
  assert.equal((await post('/admin/orgs/idem/grants', { purpose: 'safety_evaluation', models: ['*'] })).status, 201);
  assert.equal((await post('/admin/orgs/idem/grants', { purpose: 'safety_evaluation', models: ['*'] })).status, 201);
  assert.equal((await h.call('GET', '/admin/orgs/idem/grants')).json.grants.length, 2);
});
