// The case admin API and `moat cases` CLI over a real Fastify app, PGlite store, policy view and the
// store-backed enforcement target: approving a case changes the org through the store and the view.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { SqlCaseStore, sqlAuditAppender } from '../../src/enforcement/sql-case-store.js';
import { ENFORCEMENT_MIGRATIONS } from '../../src/enforcement/migrations/enforcement-migrations.js';
import { registerCaseRoutes } from '../../src/admin/routes/case-routes.js';
import { EnforcementService } from '../../src/enforcement/enforcement-service.js';
import { createMetrics } from '../../src/ops/metrics.js';
import { playbooksFromPolicy } from '../../src/enforcement/playbooks-from-policy.js';
import { orgFactsFromSnapshot, storeEnforcementTarget } from '../../src/enforcement/store-target.js';
import { activeThrottle } from '../../src/enforcement/throttle-attributes.js';
import { listAudit } from '../../src/audit/audit-log.js';
import { createAdminToken } from '../../src/store/admin-tokens-repo.js';
import { createGrant } from '../../src/store/grants-repo.js';
import { createOrg } from '../../src/store/orgs-repo.js';
import { runMigrations } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import type { PgliteDriver } from '../../src/store/pglite-driver.js';
import { openEmptyPglite } from '../support/pgdata-template.js';
import { InProcessChangeBus } from '../../src/changes/in-process-change-bus.js';
import { startPolicyView, type PolicyView } from '../../src/view/policy-view.js';
import { propagateChange } from '../../src/view/change-broadcaster.js';
import type { Detection } from '../../src/enforcement/detection-input.js';
import { runMoatCli } from '../support/cli-output.js';

const BOOT = 'bootstrap-token-for-case-tests-0123456789';
const silent = { info() {}, warn() {}, error() {} };

describe('case admin API and CLI', () => {
  let driver: PgliteDriver;
  let view: PolicyView;
  let bus: InProcessChangeBus;
  let app: FastifyInstance;
  let url: string;
  let svc: EnforcementService;
  const metrics = createMetrics();
  const count = async (name: string, labels: Record<string, string>) =>
    (await metrics.registry.getSingleMetric(name)?.get())?.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value ?? 0;
  const tokens: Record<string, string> = {};
  let rival = '';
  let prober = '';

  before(async () => {
    driver = await openEmptyPglite();
    await runMigrations(driver, [...MIGRATIONS, ...ENFORCEMENT_MIGRATIONS]);
    bus = new InProcessChangeBus();
    view = await startPolicyView({ driver, bus, versionCheckMs: 0 });
    const propagate = (change: Parameters<typeof propagateChange>[1]) => propagateChange({ view }, change);
    const o1 = await createOrg(driver, { actor: 't' }, { name: 'rival', attributes: { competitor: true } });
    const o2 = await createOrg(driver, { actor: 't' }, { name: 'prober' });
    await propagate(o1.change);
    await propagate(o2.change);
    rival = o1.result.id;
    prober = o2.result.id;
    await propagate((await createGrant(driver, { actor: 't' }, { org: rival, purpose: 'safety_evaluation', models: ['*'] })).change);
    for (const role of ['viewer', 'analyst', 'admin'] as const) tokens[role] = (await createAdminToken(driver, { actor: 't' }, { name: `t-${role}`, role })).result.secret;
    svc = new EnforcementService({
      store: new SqlCaseStore(driver), target: storeEnforcementTarget(driver, propagate), audit: sqlAuditAppender(driver), clock: { now: () => Date.now() },
      playbooks: () => playbooksFromPolicy(view.current().rules), orgFacts: orgFactsFromSnapshot(() => view.current()), metrics: metrics.operations,
    });
    app = Fastify();
    await registerCaseRoutes(app, { driver, view, logger: silent, bootstrapToken: BOOT, enforcement: svc });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app?.close();
    await view?.close();
    await bus?.close();
    await driver?.close();
  });

  const call = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(url + path, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, json: (await res.json()) as any };
  };
  async function moat(...args: string[]): Promise<string> {
    return runMoatCli([...args, '--url', url, '--token', tokens.admin as string]);
  }
  const bench = (org: string): Detection => ({ org, activities: [{ label: 'benchmarking', confidence: 0.95, first_detected: { request: 50, ts: new Date().toISOString() }, rules: ['bench.known-items'], evidence: {} }], cluster: null });

  test('roles: viewer reads, analyst notes, only admin approves; approval restricts the org in the live view', async () => {
    const c = await svc.onDetection(bench(rival));
    assert.equal(c.proposedAction?.action, 'restrict');
    const list = await call('GET', '/admin/cases?status=open', tokens.viewer as string);
    assert.equal(list.status, 200);
    assert.deepEqual(list.json.cases.map((x: { id: string }) => x.id), [c.id]);
    assert.equal(list.json.cases[0].timeline, undefined, 'the list carries summaries');
    assert.equal((await call('POST', `/admin/cases/${c.id}/note`, tokens.viewer as string, { note: 'hi' })).status, 403);
    assert.equal((await call('POST', `/admin/cases/${c.id}/notes`, tokens.analyst as string, { note: 'looks like HumanEval' })).status, 200);
    assert.equal((await call('POST', `/admin/cases/${c.id}/approve`, tokens.analyst as string, { note: 'go' })).status, 403);
    assert.equal((await call('POST', `/admin/cases/${c.id}/approve`, tokens.admin as string, {})).status, 400, 'note required');
    const ok = await call('POST', `/admin/cases/${c.id}/approve`, tokens.admin as string, { note: 'confirmed' });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.case.status, 'actioned');
    const org = view.current().orgs.get(rival);
    assert.equal(org?.status, 'restricted');
    assert.equal(org?.statusChange?.caseId, c.id);
    assert.equal(org?.statusChange?.clause, 'tos-2.3a');
    assert.equal((await call('POST', `/admin/cases/${c.id}/dismiss`, tokens.admin as string, { note: 'x' })).status, 409);
    assert.equal((await call('GET', '/admin/cases/case_nope', tokens.viewer as string)).status, 404);
    const actions = (await listAudit(driver)).map((e) => e.action);
    for (const a of ['case.detected', 'case.proposed', 'case.note', 'case.approved', 'org.status', 'enforcement.restrict', 'case.executed']) assert.ok(actions.includes(a), a);
    // What /metrics shows of it.
    assert.equal(await count('moat_cases_total', { event: 'opened' }), 1);
    assert.equal(await count('moat_cases_total', { event: 'approved' }), 1);
    assert.equal(await count('moat_cases_total', { event: 'dismissed' }), 0, 'a refused dismissal is not counted');
    assert.equal(await count('moat_enforcement_actions_total', { action: 'restrict' }), 1);
  });

  test('throttle lands as org attributes the limits engine can read', async () => {
    const c = await svc.onDetection({ org: prober, activities: [{ label: 'safety_probing', confidence: 0.9, first_detected: { request: 30, ts: new Date().toISOString() }, rules: ['safety.unauthorised-sweep'], evidence: {} }], cluster: null });
    assert.equal(c.status, 'actioned');
    const t = activeThrottle(view.current().orgs.get(prober)?.attributes ?? {}, Date.now());
    assert.equal(t?.factor, 0.1);
    assert.equal(t?.caseId, c.id);
  });

  test('moat cases list|show|reinstate', async () => {
    const list = await moat('cases', 'list', '--status', 'actioned');
    assert.match(list, /case_\w+\s+actioned\s+high\s+restrict/);
    const id = /(case_\w+)\s+actioned\s+high/.exec(list)?.[1] as string;
    const shown = await moat('cases', 'show', id);
    assert.match(shown, /approved\s+t-admin: confirmed/);
    const re = await moat('cases', 'reinstate', id, '--note', 'appeal accepted');
    assert.match(re, /status:\s+reinstated/);
    assert.equal(view.current().orgs.get(rival)?.status, 'active');
  });

  test('a cluster case folded into another is listed as merged, points to its holder, and takes no decisions', async () => {
    const d = (id: string, orgs: string[]): Detection => ({
      org: orgs[0]!, activities: [{ label: 'distillation', confidence: 0.9, first_detected: { request: 30, ts: new Date().toISOString() }, rules: ['distill.linked-cluster'], evidence: {} }], cluster: { id, orgs },
    });
    const a = await svc.onDetection(d('cl_api_a', ['org_api_a1', 'org_api_a2']));
    const b = await svc.onDetection(d('cl_api_b', ['org_api_b1', 'org_api_b2']));
    await svc.onDetection(d('cl_api_a', ['org_api_a1', 'org_api_a2', 'org_api_b1', 'org_api_b2']));
    const merged = await call('GET', '/admin/cases?status=merged', tokens.viewer as string);
    assert.equal(merged.status, 200);
    assert.deepEqual(merged.json.cases.map((c: { id: string; mergedInto?: string }) => [c.id, c.mergedInto]), [[b.id, a.id]]);
    const refused = await call('POST', `/admin/cases/${b.id}/approve`, tokens.admin as string, { note: 'x' });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'admin_conflict');
    const holder = (await call('GET', `/admin/cases/${a.id}`, tokens.viewer as string)).json.case;
    assert.deepEqual([...holder.orgIds].sort(), ['org_api_a1', 'org_api_a2', 'org_api_b1', 'org_api_b2']);
    assert.ok(holder.timeline.some((t: { kind: string }) => t.kind === 'merged'));
  });
});
