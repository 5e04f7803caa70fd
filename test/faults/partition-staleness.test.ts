// A gateway cut off from PostgreSQL must not keep serving a revoked org. With Redis it hears the revocation
// (the change carries the org's new state); cut off from both, it stops admitting once its view is older than
// view.maxStalenessMs, and /readyz says so. Counted from the requests sent after the bound, the revoked
// org gets 0 admissions from the partitioned gateway in both cases.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { FaultProxy } from './fault-proxy.js';
import { ask, closeSharedDemo, DATABASE_URL, eventually, freshSchema, orgWithKey, REDIS_URL, servicesSkip, startFaultGateway, type FaultGateway } from './fault-gateway.js';

after(closeSharedDemo);

const BOUND_MS = 1_500;

/** Asks `url` in a loop; each answer with the time it was sent. */
function load(url: string, secret: string) {
  const answers: Array<{ sent: number; status: number; code?: string }> = [];
  let stop = false;
  const loop = (async () => {
    while (!stop) {
      const sent = Date.now();
      const r = await ask(url, secret).catch(() => ({ status: 0 }));
      answers.push({ sent, ...r });
      await new Promise((res) => setTimeout(res, 20));
    }
  })();
  return { answers, stop: async () => ((stop = true), await loop) };
}

async function twoGateways(redisForB: 'direct' | 'proxied') {
  const schema = await freshSchema(DATABASE_URL!);
  const pgB = await FaultProxy.start(DATABASE_URL!);
  const redisB = await FaultProxy.start(REDIS_URL!);
  const channel = `moat:test:faults:${randomBytes(4).toString('hex')}`;
  const common = { 'view.changeChannel': channel, 'limits.backend': 'memory', 'view.versionCheckMs': 200, 'view.maxStalenessMs': BOUND_MS, 'store.statementTimeoutMs': 1_000, 'store.connectTimeoutMs': 1_000 };
  const a = await startFaultGateway({ ...common, databaseUrl: schema.url, redisUrl: REDIS_URL });
  const b = await startFaultGateway({ ...common, databaseUrl: pgB.via(schema.url), redisUrl: redisForB === 'direct' ? REDIS_URL : redisB.via(REDIS_URL!) });
  return {
    a, b, pgB, redisB,
    async close() {
      await Promise.all([a.close(), b.close()]);
      await pgB.close();
      await redisB.close();
      await schema.drop();
    },
  };
}

async function readyz(g: FaultGateway): Promise<{ status: number; reason?: string }> {
  const res = await fetch(`${g.url}/readyz`);
  const body = (await res.json()) as { reason?: string };
  return { status: res.status, ...(body.reason ? { reason: body.reason } : {}) };
}

test('[faults] cut off from PostgreSQL only: the revocation arrives over Redis; 0 admissions after the bound', { skip: servicesSkip, timeout: 60_000 }, async () => {
  const env = await twoGateways('direct');
  try {
    const org = await orgWithKey(env.a, 'partitioned');
    await eventually(async () => (await ask(env.b.url, org.secret)).status === 200, 10_000, 'b knows the key');
    const traffic = load(env.b.url, org.secret);
    env.pgB.blackhole();
    const revoked = await env.a.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: 'revoked', reason: 'drill', clause: 'ToS 2.3' });
    assert.equal(revoked.status, 200);
    const at = Date.now();
    await new Promise((r) => setTimeout(r, BOUND_MS + 1_500));
    await traffic.stop();
    const late = traffic.answers.filter((x) => x.sent > at + BOUND_MS);
    assert.ok(late.length > 5, `enough requests after the bound (${late.length})`);
    assert.deepEqual(late.filter((x) => x.status === 200), [], 'no admission of the revoked org after the bound');
    assert.ok(late.some((x) => x.code === 'org_revoked'), 'refused as revoked: the state came over Redis');
    // The store is still out of reach: b is not ready, and says why.
    const r = await readyz(env.b);
    assert.equal(r.status, 503);
    assert.match(r.reason ?? '', /not confirmed with the store/);
    const metrics = await (await fetch(`${env.b.url}/metrics`)).text();
    assert.match(metrics, /^moat_view_stale 1$/m);
    await env.pgB.restore();
    await eventually(async () => (await readyz(env.b)).status === 200, 10_000, 'b ready again once the store answers');
  } finally {
    await env.close();
  }
});

test('[faults] cut off from PostgreSQL and Redis: closed after the bound (0 admissions), ready again after', { skip: servicesSkip, timeout: 60_000 }, async () => {
  const env = await twoGateways('proxied');
  try {
    const org = await orgWithKey(env.a, 'isolated');
    await eventually(async () => (await ask(env.b.url, org.secret)).status === 200, 10_000, 'b knows the key');
    const traffic = load(env.b.url, org.secret);
    env.pgB.blackhole();
    env.redisB.blackhole();
    const revoked = await env.a.admin('POST', `/admin/orgs/${org.orgId}/status`, { status: 'revoked', reason: 'drill' });
    assert.equal(revoked.status, 200);
    const at = Date.now();
    await new Promise((r) => setTimeout(r, BOUND_MS + 1_500));
    await traffic.stop();
    const late = traffic.answers.filter((x) => x.sent > at + BOUND_MS);
    assert.ok(late.length > 5, `enough requests after the bound (${late.length})`);
    assert.deepEqual(late.filter((x) => x.status === 200), [], 'no admission after the bound');
    assert.ok(late.every((x) => x.code === 'access_unconfirmed'), `refused as unconfirmed: ${JSON.stringify(late.slice(0, 3))}`);
    assert.equal((await readyz(env.b)).status, 503);
    await env.pgB.restore();
    await env.redisB.restore();
    await eventually(async () => (await ask(env.b.url, org.secret)).code === 'org_revoked', 10_000, 'b loads the revocation from the store');
    assert.equal((await readyz(env.b)).status, 200);
  } finally {
    await env.close();
  }
});
