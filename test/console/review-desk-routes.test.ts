// What the review desk reads beyond the basic admin API: usage by outcome and reason, enforcement actions by
// kind from the audit log, and audit search by name with paging and export.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { registerAdminRoutes } from '../../src/admin/register-admin-routes.js';
import { appendAudit } from '../../src/audit/audit-log.js';
import { writeUsage } from '../../src/store/usage-repo.js';
import { BOOTSTRAP as BOOT, startAdminHarness, type AdminHarness } from '../admin/admin-harness.js';

let h: AdminHarness;
let url = '';
let orgId = '';

const call = (method: string, path: string, body?: unknown) => h.call(method, path, body);

before(async () => {
  const started = await startAdminHarness({ listen: true });
  h = started;
  url = started.url!;
  orgId = (await call('POST', '/admin/orgs', { name: 'rival-ai' })).json.id;
});
after(async () => {
  await h?.close();
});

test('GET /admin/usage: outcome filter and group_by outcome, reason; an org name is accepted', async () => {
  const minute = '2030-05-01T10:00:00.000Z';
  await writeUsage(h.driver, [
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
  await h.driver.transaction(async (tx) => {
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

test('GET /admin/audit/search: an org name finds its entries, its keys and its cases; paging reaches the end', async () => {
  const other = (await call('POST', '/admin/orgs', { name: 'acme-health' })).json.id;
  const key = (await call('POST', `/admin/orgs/${orgId}/keys`, { name: 'research' })).json.key;
  assert.equal((await call('POST', `/admin/keys/${key.id}/disable`, { reason: 'rotated' })).status, 200);
  await h.driver.transaction((tx) => appendAudit(tx, { actor: 'dana', action: 'case.approved', target: 'case_abc', data: { orgIds: [orgId], text: 'ok' } }));
  const found = await call('GET', '/admin/audit/search?q=RIVAL&limit=500');
  assert.equal(found.status, 200);
  const actions = found.json.entries.map((e: any) => e.action);
  for (const a of ['org.create', 'key.create', 'key.disable', 'case.approved']) assert.ok(actions.includes(a), `${a} found by org name: ${actions}`);
  assert.ok(!found.json.entries.some((e: any) => e.target === other), 'another org is not matched');
  const disable = found.json.entries.find((e: any) => e.action === 'key.disable' && e.target === key.id);
  assert.deepEqual(disable.targetOrg, { id: orgId, name: 'rival-ai' }, "a key's entry names its org");
  assert.equal(found.json.total, found.json.entries.length);
  const byId = await call('GET', `/admin/audit/search?org=${orgId}&limit=500`);
  assert.deepEqual(byId.json.entries.map((e: any) => e.seq), found.json.entries.map((e: any) => e.seq), 'the org filter finds the same entries by id');
  // Newest first, page by page, every match exactly once.
  const seen: number[] = [];
  let cursor = '';
  for (let i = 0; i < 20; i++) {
    const page = await call('GET', `/admin/audit/search?q=rival&limit=2${cursor}`);
    seen.push(...page.json.entries.map((e: any) => e.seq));
    if (page.json.nextBeforeSeq === undefined) break;
    cursor = `&before_seq=${page.json.nextBeforeSeq}`;
  }
  assert.deepEqual(seen, found.json.entries.map((e: any) => e.seq));
  assert.deepEqual([...seen].sort((a, b) => b - a), seen);
  const picked = await call('GET', '/admin/audit/search?action=key.disable,org.status&actor=BOOT');
  assert.ok(picked.json.entries.length >= 2 && picked.json.entries.every((e: any) => ['key.disable', 'org.status'].includes(e.action)));
  const literal = await call('GET', `/admin/audit/search?q=${encodeURIComponent('%')}`);
  assert.equal(literal.json.total, 0, 'a % is searched for literally, not as a wildcard');
  const bad = await call('GET', '/admin/audit/search?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
});

test('GET /admin/audit/search/export: every match as CSV (formulas defused) or JSONL; /admin/audit/actions lists actions', async () => {
  await h.driver.transaction((tx) => appendAudit(tx, { actor: '=HYPERLINK("x")', action: 'org.update', target: orgId, data: { note: 'a, "quoted" note' } }));
  const res = await fetch(`${url}/admin/audit/search/export?q=rival&format=csv`, { headers: { authorization: `Bearer ${BOOT}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/csv/);
  const lines = (await res.text()).trim().split('\r\n');
  assert.equal(lines[0], 'seq,ts,actor,action,target,target_org,details');
  const total = (await call('GET', '/admin/audit/search?q=rival')).json.total;
  assert.equal(lines.length - 1, total);
  assert.ok(lines[1]!.includes(`"'=HYPERLINK(""x"")"`), lines[1]);
  const jsonl = await fetch(`${url}/admin/audit/search/export?q=rival`, { headers: { authorization: `Bearer ${BOOT}` } });
  const rows = (await jsonl.text()).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(rows.length, total);
  assert.equal(rows[0].targetOrg.name, 'rival-ai');
  const acts = (await call('GET', '/admin/audit/actions')).json.actions;
  assert.ok(acts.some((a: any) => a.action === 'org.create' && a.count >= 2));
});

test('GET /admin/detection/glossary: features in words, checked against the feature catalog', async () => {
  const res = await call('GET', '/admin/detection/glossary?names=w.bench_share,cluster.orgs,purpose.safety_evaluation.capability_share,w.not_a_feature');
  assert.equal(res.status, 200);
  const by = Object.fromEntries(res.json.features.map((f: any) => [f.name, f]));
  assert.match(by['w.bench_share'].meaning, /public benchmarks.*last 200 requests/);
  assert.equal(by['w.bench_share'].known, true);
  assert.equal(by['cluster.orgs'].meaning, 'accounts in the org’s linked cluster');
  assert.match(by['purpose.safety_evaluation.capability_share'].meaning, /safety_evaluation grant/);
  assert.equal(by['w.not_a_feature'].known, false, 'a name rules cannot read is marked');
  const all = (await call('GET', '/admin/detection/glossary')).json.features;
  assert.ok(all.length > 40 && all.every((f: any) => f.known && f.meaning !== f.name), 'every catalog feature has a meaning');
});

test('GET /admin/orgs/:org/keys/activity: last use and recent requests per key, refusals included', async () => {
  const o = (await call('POST', '/admin/orgs', { name: 'key-activity-org' })).json.id;
  const now = Date.now();
  const minute = (ago: number) => new Date(Math.floor((now - ago) / 60_000) * 60_000).toISOString();
  await writeUsage(h.driver, [
    { orgId: o, keyId: 'key_x', model: 'm', minute: minute(2 * 86_400_000), requests: 50, inputTokens: 0, outputTokens: 0 },
    { orgId: o, keyId: 'key_x', model: 'm', minute: minute(3_600_000), requests: 5, inputTokens: 0, outputTokens: 0 },
    { orgId: o, keyId: 'key_x', model: 'm', minute: minute(60_000), outcome: 'refused', reason: 'key_disabled', requests: 2, inputTokens: 0, outputTokens: 0 },
  ]);
  const res = await call('GET', '/admin/orgs/key-activity-org/keys/activity');
  assert.equal(res.status, 200);
  assert.deepEqual(res.json.keys, [{ keyId: 'key_x', lastUsedAt: minute(60_000), requests24h: 7, requestsLast5m: 2 }]);
  assert.equal((await call('GET', '/admin/orgs/nobody/keys/activity')).json.error.code, 'admin_not_found');
});

test('GET /admin/events: a server-sent `change` follows an audited change; a token is needed', async () => {
  const ctrl = new AbortController();
  const res = await fetch(`${url}/admin/events`, { headers: { authorization: `Bearer ${BOOT}` }, signal: ctrl.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  const until = async (re: RegExp) => {
    while (!re.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`stream ended before ${re}: ${text}`);
      text += value;
    }
  };
  await until(/event: ready\ndata: \{"seq":(\d+)\}/);
  const before = Number(/"seq":(\d+)/.exec(text)![1]);
  assert.equal((await call('POST', '/admin/orgs', { name: 'live-events-org' })).status, 201);
  await until(/event: change\ndata: \{"seq":\d+\}/);
  const after = Number(/event: change\ndata: \{"seq":(\d+)\}/.exec(text)![1]);
  assert.ok(after > before, `the head moved: ${before} -> ${after}`);
  ctrl.abort();
  assert.equal((await fetch(`${url}/admin/events`)).status, 401);
});

test('an open event stream does not hold the server open: closing the admin API ends it', { timeout: 30_000 }, async () => {
  const other = Fastify();
  await registerAdminRoutes(other, { driver: h.driver, view: h.view, logger: { info() {}, warn() {}, error() {} }, bootstrapToken: BOOT });
  const base = await other.listen({ host: '127.0.0.1', port: 0 });
  const res = await fetch(`${base}/admin/events`, { headers: { authorization: `Bearer ${BOOT}` } });
  const reader = res.body!.getReader();
  await reader.read(); // the `ready` event
  await other.close();
  for (;;) if ((await reader.read()).done) break;
});
