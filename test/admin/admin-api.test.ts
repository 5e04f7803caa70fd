import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret } from '../../src/keys/api-key-format.js';
import { parseAuditJsonl, verifyAuditChain } from '../../src/audit/audit-chain.js';
import { writeUsage } from '../../src/store/usage-repo.js';
import type { Change } from '../../src/changes/change-bus.js';
import { startAdminHarness, type AdminHarness } from './admin-harness.js';

describe('admin API', () => {
  let h: AdminHarness;
  const tokens: Record<'viewer' | 'analyst' | 'admin', string> = { viewer: '', analyst: '', admin: '' };
  before(async () => {
    h = await startAdminHarness();
    for (const role of ['viewer', 'analyst', 'admin'] as const) {
      const r = await h.call('POST', '/admin/tokens', { name: `${role}-tok`, role });
      assert.equal(r.status, 201);
      tokens[role] = r.json.secret;
    }
  });
  after(async () => h?.close());

  test('requests without a valid admin token are refused with 401', async () => {
    for (const token of [null, 'not-a-token', tokens.admin + 'x']) {
      const r = await h.call('GET', '/admin/orgs', undefined, token);
      assert.equal(r.status, 401);
      assert.equal(r.json.error.code, 'admin_unauthorized');
    }
  });

  test('roles: viewer and analyst read but cannot change; only admin manages tokens', async () => {
    for (const role of ['viewer', 'analyst'] as const) {
      assert.equal((await h.call('GET', '/admin/orgs', undefined, tokens[role])).status, 200);
      assert.equal((await h.call('GET', '/admin/audit', undefined, tokens[role])).status, 200);
      assert.equal((await h.call('GET', '/admin/usage', undefined, tokens[role])).status, 200);
      for (const [m, u, b] of [
        ['POST', '/admin/orgs', { name: `by-${role}` }],
        ['POST', '/admin/orgs/x/status', { status: 'revoked', reason: 'r' }],
        ['POST', '/admin/affiliations', { org: 'a', affiliate: 'b', relation: 'parent' }],
        ['POST', '/admin/tokens', { name: `t-${role}`, role: 'admin' }],
        ['GET', '/admin/tokens', undefined],
        ['DELETE', '/admin/keys/key_1', undefined],
      ] as const) {
        const r = await h.call(m, u, b, tokens[role]);
        assert.equal(r.status, 403, `${role} ${m} ${u}`);
        assert.equal(r.json.error.code, 'admin_forbidden');
      }
    }
    const r = await h.call('POST', '/admin/orgs', { name: 'by-admin' }, tokens.admin);
    assert.equal(r.status, 201);
    assert.equal((await h.call('GET', '/admin/tokens', undefined, tokens.admin)).status, 200);
    assert.deepEqual((await h.call('GET', '/admin/whoami', undefined, tokens.analyst)).json, { name: 'analyst-tok', role: 'analyst' });
    // The audit entry names the token that made the change.
    const audit = await h.call('GET', `/admin/audit?action=org.create&target=${r.json.id}`);
    assert.equal(audit.json.entries[0].actor, 'admin-tok');
  });

  test('key lifecycle is effective in the hot-path view before each call returns', async () => {
    const org = (await h.call('POST', '/admin/orgs', { name: 'hot', attributes: { competitor: false } })).json;
    const created = await h.call('POST', '/admin/orgs/hot/keys', { name: 'k1' });
    assert.equal(created.status, 201);
    const secret: string = created.json.secret;
    assert.match(secret, /^moat_live_/);
    assert.equal(created.json.key.hash, undefined);
    const inView = () => h.view.current().keyByHash.get(hashSecret(secret));
    assert.equal(inView()?.status, 'active');
    assert.equal(inView()?.orgId, org.id);

    const keyId = created.json.key.id;
    assert.equal((await h.call('POST', `/admin/keys/${keyId}/disable`, { reason: 'leaked in a repo' })).json.status, 'disabled');
    assert.equal(inView()?.status, 'disabled');
    assert.equal((await h.call('POST', `/admin/keys/${keyId}/enable`)).json.status, 'active');
    assert.equal(inView()?.status, 'active');
    assert.equal((await h.call('PUT', `/admin/keys/${keyId}/expiry`, { expiresAt: '2031-01-01T00:00:00Z' })).json.expiresAt, '2031-01-01T00:00:00.000Z');
    assert.equal(inView()?.expiresAt, '2031-01-01T00:00:00.000Z');
    assert.equal((await h.call('PUT', `/admin/keys/${keyId}/expiry`, { expiresAt: null })).json.expiresAt, undefined);
    assert.equal(inView()?.expiresAt, undefined);

    const st = await h.call('POST', '/admin/orgs/hot/status', { status: 'revoked', reason: 'distillation', clause: 'ToS §2.3', caseId: 'C-1' });
    assert.equal(st.status, 200);
    const o = h.view.current().orgs.get(org.id);
    assert.equal(o?.status, 'revoked');
    assert.equal(o?.statusChange?.clause, 'ToS §2.3');
    assert.equal(o?.statusChange?.actor, 'bootstrap');

    const list = await h.call('GET', '/admin/orgs/hot/keys');
    assert.equal(list.json.keys.length, 1);
    assert.ok(!list.text.includes(hashSecret(secret)) && !list.text.includes(secret), 'listing shows neither hash nor secret');
    assert.equal(list.json.keys[0].prefix, secret.slice(0, list.json.keys[0].prefix.length));

    assert.equal((await h.call('DELETE', `/admin/keys/${keyId}`)).status, 200);
    assert.equal(inView(), undefined);
    assert.equal((await h.call('DELETE', `/admin/keys/${keyId}`)).json.error.code, 'admin_not_found');
  });

  test('every mutation is published on the change bus with the new version', async () => {
    const seen: Change[] = [];
    const off = h.bus.subscribe((c) => seen.push(c));
    const r = await h.call('POST', '/admin/orgs', { name: 'published' });
    off();
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0], { kind: 'org', orgId: r.json.id, version: h.view.current().version });
  });

  test('grants and affiliations through the API; ownership cycles refused', async () => {
    await h.call('POST', '/admin/orgs', { name: 'parentco' });
    const kid = (await h.call('POST', '/admin/orgs', { name: 'kidco' })).json;
    const g = await h.call('POST', '/admin/orgs/kidco/grants', { purpose: 'safety_evaluation', models: ['demo-*'] });
    assert.equal(g.status, 201);
    assert.deepEqual(h.view.current().grantsByOrg.get(kid.id)?.map((x) => x.purpose), ['safety_evaluation']);
    assert.equal((await h.call('GET', '/admin/grants?org=kidco')).json.grants.length, 1);
    assert.equal((await h.call('DELETE', `/admin/grants/${g.json.id}`)).status, 200);
    assert.equal(h.view.current().grantsByOrg.get(kid.id), undefined);

    assert.equal((await h.call('POST', '/admin/affiliations', { org: 'kidco', affiliate: 'parentco', relation: 'parent' })).status, 201);
    assert.equal(h.view.current().affiliationsByOrg.get(kid.id)?.[0]?.relation, 'parent');
    const cyc = await h.call('POST', '/admin/affiliations', { org: 'parentco', affiliate: 'kidco', relation: 'parent' });
    assert.equal(cyc.status, 409);
    assert.match(cyc.json.error.message, /cycle/);
    assert.equal((await h.call('GET', '/admin/affiliations?org=parentco')).json.affiliations.length, 1);
    assert.equal((await h.call('DELETE', '/admin/affiliations?org=kidco&affiliate=parentco&relation=parent')).status, 200);
    assert.equal(h.view.current().affiliationsByOrg.get(kid.id), undefined);
  });

  test('bad input: errors in {"error":{code,message}} with catalog status', async () => {
    const cases: Array<[string, string, unknown, number, string, RegExp?]> = [
      ['POST', '/admin/orgs', '{"name":', 400, 'invalid_json'],
      ['POST', '/admin/orgs', { name: 'x', bogus: 1 }, 400, 'invalid_request', /bogus/],
      ['POST', '/admin/orgs', { name: '' }, 400, 'invalid_request', /body\.name/],
      ['POST', '/admin/orgs/hot/status', { status: 'suspended', reason: 'x' }, 400, 'invalid_request', /until/],
      ['POST', '/admin/orgs/hot/status', { status: 'gone', reason: 'x' }, 400, 'invalid_request', /body\.status/],
      ['POST', '/admin/orgs/nope/keys', { name: 'k' }, 404, 'admin_not_found'],
      ['POST', '/admin/orgs', { name: 'hot' }, 409, 'admin_conflict'],
      ['GET', '/admin/usage?group_by=minute,hour', undefined, 400, 'invalid_request'],
      ['GET', '/admin/no-such-route', undefined, 404, 'not_found'],
    ];
    for (const [m, u, b, status, code, msg] of cases) {
      const r = await h.call(m, u, b);
      assert.equal(r.status, status, `${m} ${u} ${JSON.stringify(b)}: ${r.text}`);
      assert.equal(r.json.error.code, code);
      assert.equal(typeof r.json.error.message, 'string');
      if (msg) assert.match(r.json.error.message, msg);
    }
    const wrongType = await h.app.inject({ method: 'POST', url: '/admin/orgs', headers: { authorization: 'Bearer ' + 'bootstrap-token-for-tests-0123456789', 'content-type': 'text/plain' }, payload: 'x' });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(JSON.parse(wrongType.body).error.code, 'unsupported_media_type');
  });

  test('usage: filters and grouping', async () => {
    await writeUsage(h.driver, [
      { orgId: 'org_u', keyId: 'key_1', model: 'a', minute: '2030-02-01T00:00:10Z', requests: 2, inputTokens: 10, outputTokens: 20 },
      { orgId: 'org_u', keyId: 'key_2', model: 'b', minute: '2030-02-01T00:05:00Z', requests: 1, inputTokens: 1, outputTokens: 2 },
    ]);
    const all = await h.call('GET', '/admin/usage?org=org_u');
    assert.deepEqual(all.json.usage, [{ requests: 3, inputTokens: 11, outputTokens: 22 }]);
    const byModel = await h.call('GET', '/admin/usage?org=org_u&group_by=model,minute&from=2030-02-01T00:01:00Z');
    assert.deepEqual(byModel.json.usage, [{ model: 'b', bucket: '2030-02-01T00:05:00.000Z', requests: 1, inputTokens: 1, outputTokens: 2 }]);
    assert.deepEqual((await h.call('GET', '/admin/usage?key=key_1&model=a')).json.usage, [{ requests: 2, inputTokens: 10, outputTokens: 20 }]);
  });

  test('audit: export as JSONL that verifies; verify endpoint; no secrets', async () => {
    const k = await h.call('POST', '/admin/orgs/published/keys', { name: 'audited' });
    const exp = await h.app.inject({ method: 'GET', url: '/admin/audit/export', headers: { authorization: `Bearer ${tokens.viewer}` } });
    assert.equal(exp.statusCode, 200);
    assert.match(String(exp.headers['content-type']), /application\/x-ndjson/);
    assert.ok(!exp.body.includes(k.json.secret));
    assert.ok(!exp.body.includes(tokens.admin) && !exp.body.includes(hashSecret(tokens.admin)), 'no admin token or its hash');
    const entries = parseAuditJsonl(exp.body);
    assert.ok(entries.length > 10);
    assert.equal(verifyAuditChain(entries).ok, true);
    const v = await h.call('GET', '/admin/audit/verify');
    assert.equal(v.json.ok, true);
    assert.equal(v.json.count, entries.length);
    // Tamper with the stored log: the verify endpoint reports the entry.
    await h.driver.query(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 3`);
    const bad = await h.call('GET', '/admin/audit/verify');
    assert.equal(bad.json.ok, false);
    assert.equal(bad.json.seq, 3);
    assert.equal(bad.json.problem, 'edited');
    await h.driver.query(`UPDATE audit_log SET actor = $1 WHERE seq = 3`, [entries[2]?.actor]);
  });

  test('OpenAPI 3.1 document lists every route', async () => {
    const r = await h.call('GET', '/admin/openapi.json', undefined, null);
    assert.equal(r.status, 200);
    assert.equal(r.json.openapi, '3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(r.json.paths as Record<string, Record<string, unknown>>))
      for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`);
    const registered = new Set(h.routes.filter((x) => !x.includes('*')));
    assert.ok(registered.size >= 25, `registered ${registered.size}`);
    assert.deepEqual([...registered].filter((x) => !documented.has(x)), []);
    assert.deepEqual([...documented].filter((x) => !registered.has(x)), []);
    const createKey = r.json.paths['/admin/orgs/{org}/keys'].post;
    assert.deepEqual(createKey.requestBody.content['application/json'].schema.required, ['name']);
    assert.equal(createKey['x-moat-role'], 'admin');
  });
});
