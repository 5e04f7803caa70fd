// An org's throttle reaches admin API readers as a state with its expiry, read from the attributes
// enforcement keeps it in, and only while it is in force.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ADMIN_RESPONSES } from '../../src/admin-contract/admin-responses.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

let t: TestMoat;
before(async () => {
  t = await startTestMoat({ name: 'throttle-state' });
  await t.admin('POST', '/admin/orgs', { name: 'slowed' });
});
after(async () => t?.close());

test('a throttle in force is answered as {factor, until} on the org and in the org list; an expired one is not', async () => {
  const until = new Date(Date.now() + 3_600_000).toISOString();
  await t.admin('PATCH', '/admin/orgs/slowed', { attributes: { 'moat.throttle.factor': 0.25, 'moat.throttle.until': until, team: 'x' } });
  const org = ADMIN_RESPONSES['GET /orgs/:org'].parse((await t.admin('GET', '/admin/orgs/slowed')).json);
  assert.deepEqual(org.throttle, { factor: 0.25, until });
  const list = ADMIN_RESPONSES['GET /orgs'].parse((await t.admin('GET', '/admin/orgs')).json);
  assert.deepEqual(list.orgs.find((o) => o.name === 'slowed')?.throttle, { factor: 0.25, until });
  await t.admin('PATCH', '/admin/orgs/slowed', { attributes: { 'moat.throttle.factor': 0.25, 'moat.throttle.until': new Date(Date.now() - 1000).toISOString() } });
  assert.equal((await t.admin('GET', '/admin/orgs/slowed')).json.throttle, undefined);
});
