// Admin writes never wait for Redis: with the gateway's Redis blackholed or refusing, a revocation and a key
// creation answer at once and hold in that gateway; the broadcast waits in the store's outbox and reaches
// another gateway (which has no version check to fall back on here) once Redis answers again.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FaultProxy } from './fault-proxy.js';
import { ask, closeSharedDemo, DATABASE_URL, eventually, freshSchema, orgWithKey, REDIS_URL, servicesSkip, startFaultGateway, within } from './fault-gateway.js';

after(closeSharedDemo);

test('[faults] admin writes answer while Redis is blackholed or refused; the outbox delivers them when it returns', { skip: servicesSkip, timeout: 90_000 }, async () => {
  const schema = await freshSchema(DATABASE_URL!);
  const redis = await FaultProxy.start(REDIS_URL!);
  const channel = `moat:test:faults:${randomBytes(4).toString('hex')}`;
  const common = { databaseUrl: schema.url, 'view.changeChannel': channel, 'limits.backend': 'memory' };
  const a = await startFaultGateway({ ...common, redisUrl: redis.via(REDIS_URL!) });
  // b hears changes only through the broadcast: its version check is too slow to matter here.
  const b = await startFaultGateway({ ...common, redisUrl: REDIS_URL, 'view.versionCheckMs': 600_000, 'view.maxStalenessMs': 1_200_000 });
  try {
    for (const fault of ['blackhole', 'refuse'] as const) {
      const org = await orgWithKey(a, `noisy-${fault}`);
      await eventually(async () => (await ask(b.url, org.secret)).status === 200, 10_000, 'b learns the new key');
      if (fault === 'blackhole') redis.blackhole();
      else await redis.refuse();

      const revoked = await within(a.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: 'revoked', reason: 'fault drill', clause: 'ToS 2.3' }), 3_000, `revocation with Redis ${fault}`);
      assert.equal(revoked.status, 200, revoked.text);
      assert.equal((await ask(a.url, org.secret)).code, 'org_revoked', 'in force in the gateway that took the call');
      const created = await within(a.admin('POST', `/admin/orgs/${org.orgId}/keys`, { name: 'second' }), 3_000, `key creation with Redis ${fault}`);
      assert.equal(created.status, 201, created.text);
      assert.match(created.json.secret, /^moat_/);
      assert.equal((await ask(b.url, org.secret)).status, 200, 'b has not heard yet: the broadcast is owed, not lost');

      await redis.restore();
      await eventually(async () => (await ask(b.url, org.secret)).code === 'org_revoked', 20_000, 'b hears the revocation from the outbox');
      const pending = await a.moat.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM change_outbox');
      await eventually(async () => (await a.moat.driver.query<{ n: number }>('SELECT count(*)::int AS n FROM change_outbox'))[0]!.n === 0, 10_000, `outbox drained (was ${pending[0]?.n})`);
    }
  } finally {
    await a.close();
    await b.close();
    await redis.close();
    await schema.drop();
  }
});
