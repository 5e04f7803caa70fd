// What the overview reads to show what was denied and what was done: usage by outcome and reason, and
// enforcement actions by kind from the audit log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { registerAdminRoutes } from '../../src/admin/register-admin-routes.js';
import { appendAudit } from '../../src/audit/audit-log.js';
import { runMigrations } from '../../src/store/migrate.js';
import { PgliteDriver } from '../../src/store/pglite-driver.js';
import { writeUsage } from '../../src/store/usage-repo.js';
import { InProcessChangeBus } from '../../src/view/in-process-change-bus.js';
import { startPolicyView, type PolicyView } from '../../src/view/policy-view.js';

const BOOT = 'outcome-routes-bootstrap-token-0123456789';
const silent = { info() {}, warn() {}, error() {} };
let driver: PgliteDriver;
let view: PolicyView;
let bus: InProcessChangeBus;
let app: FastifyInstance;
let url = '';
let orgId = '';

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${BOOT}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  return { status: res.status, json: (await res.json()) as any };
};

before(async () => {
  driver = await PgliteDriver.open();
  await runMigrations(driver);
  bus = new InProcessChangeBus();
  view = await startPolicyView({ driver, bus, versionCheckMs: 0 });
  app = Fastify();
  await registerAdminRoutes(app, { driver, view, logger: silent, bootstrapToken: BOOT });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
  orgId = (await call('POST', '/admin/orgs', { name: 'rival-ai' })).json.id;
});
after(async () => {
  await app?.close();
  await view?.close();
  await bus?.close();
  await driver?.close();
});

test('GET /admin/usage: outcome filter and group_by outcome, reason; an org name is accepted', async () => {
  const minute = '2030-05-01T10:00:00.000Z';
  await writeUsage(driver, [
    { orgId, keyId: 'key_1', model: 'm', minute, requests: 6, inputTokens: 60, outputTokens: 6 },
    { orgId, keyId: 'key_1', model: 'm', minute, outcome: 'refused', reason: 'org_restricted', requests: 4, inputTokens: 0, outputTokens: 0 },
    { orgId, keyId: 'key_2', model: '', minute, outcome: 'refused', reason: 'key_disabled', requests: 2, inputTokens: 0, outputTokens: 0 },
  ]);
  const byOutcome = await call('GET', '/admin/usage?org=rival-ai&group_by=outcome,hour');
  assert.equal(byOutcome.status, 200);
  assert.deepEqual(byOutcome.json.usage.map((u: any) => [u.outcome, u.bucket, u.requests]), [
    ['admitted', minute, 6],
    ['refused', minute, 6],
  ]);
  const reasons = await call('GET', '/admin/usage?org=rival-ai&outcome=refused,rate_limited&group_by=reason');
  assert.deepEqual(reasons.json.usage.map((u: any) => [u.reason, u.requests]), [['key_disabled', 2], ['org_restricted', 4]]);
  const bad = await call('GET', '/admin/usage?outcome=denied');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
  assert.match(bad.json.error.message, /admitted, refused, rate_limited, upstream_error, error/);
});

test('GET /admin/enforcement/activity: actions by kind, each counted once, by hand told apart', async () => {
  const key = (await call('POST', `/admin/orgs/${orgId}/keys`, { name: 'k' })).json;
  assert.equal((await call('POST', `/admin/keys/${key.key.id}/disable`, { reason: 'leaked' })).status, 200);
  assert.equal((await call('POST', `/admin/orgs/${orgId}/status`, { status: 'suspended', reason: 'abuse', until: '2099-01-01T00:00:00Z' })).status, 200);
  // What the enforcement executor writes for an approved restriction: the status change with its case, and its own entry.
  await driver.transaction(async (tx) => {
    await appendAudit(tx, { actor: 'dana', action: 'org.status', target: orgId, data: { from: 'suspended', to: 'restricted', caseId: 'case_1' } });
    await appendAudit(tx, { actor: 'dana', action: 'enforcement.restrict', target: orgId, data: { caseId: 'case_1' } });
    await appendAudit(tx, { actor: 'moat', action: 'enforcement.throttle', target: orgId, data: { caseId: 'case_2' } });
  });
  const res = await call('GET', '/admin/enforcement/activity');
  assert.equal(res.status, 200);
  const byKind = Object.fromEntries(res.json.activity.map((a: any) => [a.kind, [a.count, a.manual]]));
  assert.deepEqual(byKind, { 'key.disable': [1, 1], suspend: [1, 1], restrict: [1, 0], throttle: [1, 0] });
  const hourly = await call('GET', `/admin/enforcement/activity?bucket=hour&from=${encodeURIComponent(new Date(Date.now() - 3600_000).toISOString())}`);
  assert.ok(hourly.json.activity.every((a: any) => typeof a.bucket === 'string'));
  assert.equal(hourly.json.activity.reduce((n: number, a: any) => n + a.count, 0), 4);
  const bad = await call('GET', '/admin/enforcement/activity?bucket=week');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
});
