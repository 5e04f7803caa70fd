// One contract suite for every store backend: the same behaviour on PGlite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkApiKey, hashSecret } from '../../src/keys/api-key-format.js';
import { runMigrations } from '../../src/store/migrate.js';
import { MIGRATIONS } from '../../src/store/migrations/index.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';
import { readChangeVersion } from '../../src/store/change-version.js';
import { createOrg, findOrg, getOrg, listOrgs, setOrgStatus, updateOrg } from '../../src/store/orgs-repo.js';
import { createKey, deleteKey, findKeyByHash, listKeys, setKeyExpiry, setKeyStatus } from '../../src/store/keys-repo.js';
import { createGrant, deleteGrant, listGrants } from '../../src/store/grants-repo.js';
import { createAffiliation, deleteAffiliation, listAffiliations } from '../../src/store/affiliations-repo.js';
import { createAdminToken, deleteAdminToken, findAdminTokenBySecret, listAdminTokens } from '../../src/store/admin-tokens-repo.js';
import type { PolicyRules } from '../../src/policy/policy-rules.js';
import { loadPolicyRules, savePolicyRules } from '../../src/store/policy-rules-repo.js';
import { queryUsage, storeUsageSink, USAGE_ROWS_PER_STATEMENT, writeUsage } from '../../src/store/usage-repo.js';
import { UsageAggregator } from '../../src/metering/usage-aggregator.js';
import { allAuditEntries, listAudit } from '../../src/audit/audit-log.js';
import { verifyAuditChain, type AuditEntry } from '../../src/audit/audit-chain.js';
import { DomainError } from '../../src/errors/domain-error.js';
import type { TestDriver } from './test-drivers.js';
import { claimOwedChanges, OUTBOX_GRACE_MS, owedChangeCount, settleOwedChange } from '../../src/store/change-outbox.js';
import { findIdempotent, IdempotencyCollision, IDEMPOTENCY_TTL_MS } from '../../src/store/idempotency-repo.js';

const actor = { actor: 'test-admin' };
const isCode = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;

export function runStoreContract(name: string, makeDriver: (() => Promise<TestDriver>) | undefined, skipReason?: string): void {
  describe(`store contract: ${name}`, { skip: makeDriver ? false : skipReason }, () => {
    let td: TestDriver;
    let db: SqlDriver;
    before(async () => {
      td = await (makeDriver as () => Promise<TestDriver>)();
      db = td.driver;
      await runMigrations(db);
    });
    after(async () => {
      await td?.dispose();
    });

    test('migrations are idempotent and recorded', async () => {
      const again = await runMigrations(db);
      assert.deepEqual(again.applied, []);
      assert.equal(again.current, MIGRATIONS[MIGRATIONS.length - 1]?.id);
      const rows = await db.query<{ id: number }>('SELECT id FROM schema_migrations ORDER BY id');
      assert.deepEqual(rows.map((r) => Number(r.id)), MIGRATIONS.map((m) => m.id));
    });

    test('concurrent migration runs apply each migration once', async () => {
      const extra = [...MIGRATIONS, { id: 9001, name: 'contract_probe', sql: 'CREATE TABLE contract_probe (x int)' }];
      const results = await Promise.all([runMigrations(db, extra), runMigrations(db, extra), runMigrations(db, extra)]);
      assert.deepEqual(results.map((r) => r.applied).flat(), [9001]);
      await db.exec('DROP TABLE contract_probe; DELETE FROM schema_migrations WHERE id = 9001;');
    });

    test('orgs: create, find by id or name, update, unique names', async () => {
      const v0 = await readChangeVersion(db);
      const { result: org, change } = await createOrg(db, actor, { name: 'acme', attributes: { competitor: true }, labels: ['lab'], tier: 'pro' });
      assert.equal(change.kind, 'org');
      assert.equal(change.orgId, org.id);
      assert.equal(change.version, v0 + 1);
      assert.equal(await readChangeVersion(db), v0 + 1);
      assert.match(org.id, /^org_/);
      assert.equal(org.status, 'active');
      assert.deepEqual(org.attributes, { competitor: true });
      assert.equal((await getOrg(db, 'acme')).id, org.id);
      assert.equal((await getOrg(db, org.id)).name, 'acme');
      await assert.rejects(createOrg(db, actor, { name: 'acme' }), isCode('conflict'));
      assert.equal(await readChangeVersion(db), v0 + 1, 'a failed mutation does not bump the version');
      const { result: upd } = await updateOrg(db, actor, 'acme', { labels: ['lab', 'eu'], contactWebhook: 'http://127.0.0.1:1/hook' });
      assert.deepEqual(upd.labels, ['lab', 'eu']);
      assert.equal(upd.tier, 'pro');
      assert.equal(upd.contactWebhook, 'http://127.0.0.1:1/hook');
      assert.ok((await listOrgs(db)).some((o) => o.id === org.id));
      assert.equal(await findOrg(db, 'nope'), undefined);
      await assert.rejects(getOrg(db, 'nope'), isCode('not_found'));
    });

    test('orgs: status change carries reason, clause, case and actor; suspension needs until', async () => {
      await createOrg(db, actor, { name: 'rival' });
      const { result } = await setOrgStatus(db, { actor: 'alice' }, 'rival', { status: 'restricted', reason: 'benchmarking', clause: 'ToS 2.3', caseId: 'case-7' });
      assert.equal(result.status, 'restricted');
      assert.equal(result.statusChange?.reason, 'benchmarking');
      assert.equal(result.statusChange?.clause, 'ToS 2.3');
      assert.equal(result.statusChange?.caseId, 'case-7');
      assert.equal(result.statusChange?.actor, 'alice');
      await assert.rejects(setOrgStatus(db, actor, 'rival', { status: 'suspended', reason: 'x' }), isCode('invalid_input'));
      const until = '2030-01-01T00:00:00.000Z';
      const s = await setOrgStatus(db, actor, 'rival', { status: 'suspended', reason: 'cool-off', until });
      assert.equal(s.result.suspendedUntil, until);
      const a = await setOrgStatus(db, actor, 'rival', { status: 'active', reason: 'reinstated' });
      assert.equal(a.result.suspendedUntil, undefined);
    });

    test('keys: secret returned once, only hash and prefix stored, lifecycle', async () => {
      const { result: org } = await createOrg(db, actor, { name: 'keyco' });
      const { result, change } = await createKey(db, actor, { org: 'keyco', name: 'ci', env: 'test' });
      assert.equal(change.kind, 'key');
      assert.equal(change.orgId, org.id);
      assert.deepEqual(checkApiKey(result.secret), { ok: true, env: 'test' });
      assert.ok(result.secret.startsWith(result.key.prefix));
      assert.equal('hash' in result.key, false, 'creation response carries no hash');
      const stored = await findKeyByHash(db, hashSecret(result.secret));
      assert.equal(stored?.id, result.key.id);
      const raw = await db.query<Record<string, unknown>>('SELECT * FROM api_keys WHERE id = $1', [result.key.id]);
      assert.ok(!JSON.stringify(raw).includes(result.secret), 'secret is not stored');
      assert.equal((await listKeys(db, org.id)).length, 1);

      const dis = await setKeyStatus(db, actor, result.key.id, { status: 'disabled', reason: 'leaked' });
      assert.equal(dis.result.status, 'disabled');
      assert.equal(dis.result.statusChange?.reason, 'leaked');
      assert.equal((await setKeyStatus(db, actor, result.key.id, { status: 'active' })).result.status, 'active');
      const exp = '2031-05-01T12:00:00.000Z';
      assert.equal((await setKeyExpiry(db, actor, result.key.id, exp)).result.expiresAt, exp);
      assert.equal((await setKeyExpiry(db, actor, result.key.id, null)).result.expiresAt, undefined);
      await deleteKey(db, actor, result.key.id);
      assert.equal(await findKeyByHash(db, hashSecret(result.secret)), undefined);
      await assert.rejects(deleteKey(db, actor, result.key.id), isCode('not_found'));
      await assert.rejects(createKey(db, actor, { org: 'no-such-org', name: 'x' }), isCode('not_found'));
    });

    test('grants: create, list per org, delete', async () => {
      const { result: org } = await createOrg(db, actor, { name: 'grantee' });
      const { result: g, change } = await createGrant(db, actor, { org: org.id, purpose: 'safety_evaluation', models: ['claude-*'], expiresAt: '2030-06-01T00:00:00.000Z', limits: { rpm: 10 } });
      assert.equal(change.kind, 'grant');
      assert.equal(change.orgId, org.id);
      assert.deepEqual(await listGrants(db, org.id), [g]);
      assert.deepEqual(g.models, ['claude-*']);
      assert.deepEqual(g.limits, { rpm: 10 });
      await deleteGrant(db, actor, g.id);
      assert.deepEqual(await listGrants(db, org.id), []);
      await assert.rejects(deleteGrant(db, actor, g.id), isCode('not_found'));
    });

    test('affiliations: create, list from either side, refuse ownership cycles and duplicates, delete', async () => {
      await createOrg(db, actor, { name: 'bigco' });
      await createOrg(db, actor, { name: 'midco' });
      await createOrg(db, actor, { name: 'startup' });
      const { change } = await createAffiliation(db, actor, { org: 'midco', affiliate: 'bigco', relation: 'parent' });
      assert.equal(change.kind, 'affiliation');
      await createAffiliation(db, actor, { org: 'midco', affiliate: 'startup', relation: 'subsidiary' });
      // startup is owned by midco, which is owned by bigco: bigco cannot also be owned by startup.
      await assert.rejects(createAffiliation(db, actor, { org: 'bigco', affiliate: 'startup', relation: 'parent' }), isCode('conflict'));
      await assert.rejects(createAffiliation(db, actor, { org: 'startup', affiliate: 'bigco', relation: 'subsidiary' }), isCode('conflict'));
      await assert.rejects(createAffiliation(db, actor, { org: 'midco', affiliate: 'bigco', relation: 'parent' }), isCode('conflict'));
      // Non-ownership relations never form cycles.
      await createAffiliation(db, actor, { org: 'startup', affiliate: 'bigco', relation: 'reseller' });
      const mid = await getOrg(db, 'midco');
      assert.equal((await listAffiliations(db, mid.id)).length, 2);
      await deleteAffiliation(db, actor, { org: 'midco', affiliate: 'bigco', relation: 'parent' });
      assert.equal((await listAffiliations(db, mid.id)).length, 1);
      await assert.rejects(deleteAffiliation(db, actor, { org: 'midco', affiliate: 'bigco', relation: 'parent' }), isCode('not_found'));
    });

    test('admin tokens: hash lookup, unique names, last admin guarded', async () => {
      const { result } = await createAdminToken(db, actor, { name: 'ops', role: 'admin' });
      const { result: viewer } = await createAdminToken(db, actor, { name: 'intern', role: 'viewer' });
      assert.equal((await findAdminTokenBySecret(db, result.secret))?.name, 'ops');
      assert.equal(await findAdminTokenBySecret(db, result.secret + 'x'), undefined);
      await assert.rejects(createAdminToken(db, actor, { name: 'ops', role: 'viewer' }), isCode('conflict'));
      await assert.rejects(deleteAdminToken(db, actor, result.token.id), isCode('conflict'));
      await deleteAdminToken(db, actor, viewer.token.id);
      await deleteAdminToken(db, actor, 'ops', { force: true });
      assert.deepEqual(await listAdminTokens(db), []);
    });

    test('policy rules: stored as an opaque document whose version increments', async () => {
      assert.equal((await loadPolicyRules(db)).version, 0);
      // The store treats the document as opaque JSON; any shape round-trips.
      const doc = { version: 0, features: { coding_tools: { tools: ['bash'] } } } as unknown as PolicyRules;
      const { result, change } = await savePolicyRules(db, actor, doc, { changed: ['features'] });
      assert.equal(change.kind, 'policy');
      assert.equal(result.version, 1);
      assert.deepEqual(await loadPolicyRules(db), { ...doc, version: 1 });
      assert.equal((await savePolicyRules(db, actor, doc)).result.version, 2);
    });

    test('usage: batched upsert adds, queries filter and group', async () => {
      const base = { orgId: 'org_u1', keyId: 'key_a', model: 'm1' };
      await writeUsage(db, [
        { ...base, minute: '2030-01-01T10:00:05.000Z', requests: 1, inputTokens: 10, outputTokens: 5 },
        { ...base, minute: '2030-01-01T10:00:50.000Z', requests: 2, inputTokens: 20, outputTokens: 7 },
        { ...base, model: 'm2', minute: '2030-01-01T10:01:00.000Z', requests: 1, inputTokens: 1, outputTokens: 1 },
        { ...base, keyId: 'key_b', minute: '2030-01-01T11:30:00.000Z', requests: 4, inputTokens: 40, outputTokens: 40 },
      ]);
      // A second process flushing the same minute adds to it.
      await writeUsage(db, [{ ...base, minute: '2030-01-01T10:00:30.000Z', requests: 1, inputTokens: 1, outputTokens: 1 }]);
      const byMinute = await queryUsage(db, { org: 'org_u1', key: 'key_a', model: 'm1', groupBy: ['minute'] });
      assert.deepEqual(byMinute, [{ bucket: '2030-01-01T10:00:00.000Z', requests: 4, inputTokens: 31, outputTokens: 13 }]);
      const total = await queryUsage(db, { org: 'org_u1' });
      assert.deepEqual(total, [{ requests: 9, inputTokens: 72, outputTokens: 54 }]);
      const byKeyHour = await queryUsage(db, { org: 'org_u1', groupBy: ['key', 'hour'] });
      assert.deepEqual(byKeyHour, [
        { keyId: 'key_a', bucket: '2030-01-01T10:00:00.000Z', requests: 5, inputTokens: 32, outputTokens: 14 },
        { keyId: 'key_b', bucket: '2030-01-01T11:00:00.000Z', requests: 4, inputTokens: 40, outputTokens: 40 },
      ]);
      const window = await queryUsage(db, { org: 'org_u1', from: '2030-01-01T10:01:00.000Z', to: '2030-01-01T11:00:00.000Z', groupBy: ['model'] });
      assert.deepEqual(window, [{ model: 'm2', requests: 1, inputTokens: 1, outputTokens: 1 }]);
      assert.deepEqual(await queryUsage(db, { org: 'org_nobody' }), []);
      const many = Array.from({ length: 1200 }, (_, i) => ({ orgId: 'org_bulk', keyId: `k${i % 7}`, model: 'm', minute: new Date(Date.UTC(2030, 0, 2, 0, i % 300)).toISOString(), requests: 1, inputTokens: 2, outputTokens: 3 }));
      await writeUsage(db, many);
      assert.deepEqual(await queryUsage(db, { org: 'org_bulk' }), [{ requests: 1200, inputTokens: 2400, outputTokens: 3600 }]);
    });

    test('usage: a flush that fails part-way writes nothing, so the retry counts every row once', async () => {
      // The rows go in two statements; one of the second's is refused by the store (a NUL byte in text), after
      // the first statement went in. The aggregator then retries row by row: the good rows must not count twice.
      const n = USAGE_ROWS_PER_STATEMENT + 10;
      const minute = '2030-04-01T10:00:00.000Z';
      const failed: string[] = [];
      const agg = new UsageAggregator(storeUsageSink(db), { now: () => Date.parse(minute) }, () => {}, { eventFailed: (c) => void failed.push(c), restarted: () => {} });
      for (let i = 0; i < n; i++) agg.record({ orgId: i === n - 1 ? 'org_p\u0000' : 'org_p', keyId: `key_p${String(i).padStart(3, '0')}`, model: 'm', inputTokens: 1, outputTokens: 1 });
      await agg.flush();
      assert.deepEqual(await queryUsage(db, { org: 'org_p' }), [{ requests: n - 1, inputTokens: n - 1, outputTokens: n - 1 }]);
      assert.equal(failed.length, 1, 'the refused row is reported');
    });

    test('usage: outcomes and reasons are their own rows, filtered and grouped', async () => {
      const base = { orgId: 'org_o1', keyId: 'key_o', model: 'm', minute: '2030-03-01T10:00:00.000Z', inputTokens: 0, outputTokens: 0 };
      await writeUsage(db, [
        { ...base, requests: 5, inputTokens: 50, outputTokens: 10 },
        { ...base, outcome: 'refused', reason: 'org_restricted', requests: 3 },
        { ...base, outcome: 'refused', reason: 'key_disabled', requests: 2 },
        { ...base, outcome: 'rate_limited', reason: 'rate_limited', requests: 1 },
      ]);
      await writeUsage(db, [{ ...base, outcome: 'refused', reason: 'org_restricted', requests: 4 }]);
      assert.deepEqual(await queryUsage(db, { org: 'org_o1' }), [{ requests: 15, inputTokens: 50, outputTokens: 10 }]);
      assert.deepEqual(await queryUsage(db, { org: 'org_o1', groupBy: ['outcome'] }), [
        { outcome: 'admitted', requests: 5, inputTokens: 50, outputTokens: 10 },
        { outcome: 'rate_limited', requests: 1, inputTokens: 0, outputTokens: 0 },
        { outcome: 'refused', requests: 9, inputTokens: 0, outputTokens: 0 },
      ]);
      assert.deepEqual(await queryUsage(db, { org: 'org_o1', outcomes: ['refused', 'rate_limited'], groupBy: ['reason'] }), [
        { reason: 'key_disabled', requests: 2, inputTokens: 0, outputTokens: 0 },
        { reason: 'org_restricted', requests: 7, inputTokens: 0, outputTokens: 0 },
        { reason: 'rate_limited', requests: 1, inputTokens: 0, outputTokens: 0 },
      ]);
      assert.deepEqual(await queryUsage(db, { org: 'org_o1', reason: 'key_disabled' }), [{ requests: 2, inputTokens: 0, outputTokens: 0 }]);
    });

    test('change_version: every mutation bumps it by one, concurrent writers get distinct versions', async () => {
      const v0 = await readChangeVersion(db);
      const outs = await Promise.all(Array.from({ length: 6 }, (_, i) => createOrg(db, actor, { name: `conc-${i}` })));
      const versions = outs.map((o) => o.change.version).sort((a, b) => a - b);
      assert.deepEqual(versions, [1, 2, 3, 4, 5, 6].map((d) => v0 + d));
      assert.equal(await readChangeVersion(db), v0 + 6);
    });

    test('audit: every mutation appended with actor, no secrets, chain verifies', async () => {
      const { result } = await createKey(db, { actor: 'bob' }, { org: 'acme', name: 'audited' });
      const entries: AuditEntry[] = [];
      for await (const e of allAuditEntries(db, 7)) entries.push(e);
      assert.ok(entries.length > 20);
      assert.deepEqual(entries.map((e) => e.seq), entries.map((_, i) => i + 1));
      const created = entries.find((e) => e.action === 'key.create' && e.target === result.key.id);
      assert.equal(created?.actor, 'bob');
      assert.equal(created?.data.prefix, result.key.prefix);
      const all = JSON.stringify(entries);
      assert.ok(!all.includes(result.secret), 'no key secret in the audit log');
      assert.ok(!all.includes(hashSecret(result.secret)), 'no key hash in the audit log');
      assert.deepEqual(verifyAuditChain(entries), { ok: true, count: entries.length, headHash: entries[entries.length - 1]?.hash, lastSeq: entries.length });
      const actions = new Set(entries.map((e) => e.action));
      for (const a of ['org.create', 'org.update', 'org.status', 'key.create', 'key.disable', 'key.enable', 'key.expiry', 'key.delete', 'grant.create', 'grant.delete', 'affiliation.create', 'affiliation.delete', 'admin_token.create', 'admin_token.delete', 'policy.apply'])
        assert.ok(actions.has(a), `audit has ${a}`);
      const page = await listAudit(db, { action: 'org.status', limit: 2 });
      assert.equal(page.length, 2);
      assert.ok(page.every((e) => e.action === 'org.status'));
    });

    test('change outbox: every change owes its broadcast; the writer has a grace time, then drains claim it with backoff', async () => {
      await db.query('DELETE FROM change_outbox');
      const t0 = new Date('2031-01-01T00:00:00Z');
      const a = await createOrg(db, { actor: 'o', now: t0 }, { name: 'outbox-a' });
      const b = await setOrgStatus(db, { actor: 'o', now: t0 }, a.result.id, { status: 'revoked', reason: 'r' });
      assert.equal(await owedChangeCount(db), 2);
      assert.deepEqual(await claimOwedChanges(db, new Date(t0.getTime() + OUTBOX_GRACE_MS - 1), 10), [], 'the writer publishes its own first');
      const due = new Date(t0.getTime() + OUTBOX_GRACE_MS);
      const [c1, c2, ...rest] = await claimOwedChanges(db, due, 10);
      assert.deepEqual(rest, []);
      assert.deepEqual([c1?.change.version, c2?.change.version], [a.change.version, b.change.version]);
      assert.deepEqual(c2?.change.orgs?.map((o) => o.status), ['revoked'], 'the change carries the org as written');
      assert.equal(c1?.attempts, 1);
      assert.deepEqual(await claimOwedChanges(db, due, 10), [], 'claimed rows back off');
      const [again] = await claimOwedChanges(db, new Date(due.getTime() + 600), 1);
      assert.equal(again?.attempts, 2);
      await settleOwedChange(db, a.change.version);
      await settleOwedChange(db, b.change.version);
      assert.equal(await owedChangeCount(db), 0);
    });

    test('idempotency: the answer commits with the change; a second use of the key rolls its change back', async () => {
      const now = new Date();
      const claim = { keyHash: `kh-${Date.now()}`, requestHash: 'rh', status: 201, seal: (r: unknown) => `sealed:${JSON.stringify(r)}` };
      const first = await createOrg(db, { actor: 'i', idempotency: claim }, { name: 'idem-1' });
      assert.deepEqual(await findIdempotent(db, claim.keyHash, now), { requestHash: 'rh', status: 201, response: `sealed:${JSON.stringify(first.result)}` });
      await assert.rejects(createOrg(db, { actor: 'i', idempotency: claim }, { name: 'idem-2' }), (e) => e instanceof IdempotencyCollision);
      assert.equal(await findOrg(db, 'idem-2'), undefined, 'the second change did not commit');
      assert.equal(await findIdempotent(db, claim.keyHash, new Date(now.getTime() + IDEMPOTENCY_TTL_MS + 1000)), undefined, 'answers expire');
    });

    test('audit: concurrent appends keep one unbroken chain', async () => {
      await Promise.all(Array.from({ length: 8 }, (_, i) => createOrg(db, { actor: `w${i}` }, { name: `chain-${i}` })));
      const entries: AuditEntry[] = [];
      for await (const e of allAuditEntries(db)) entries.push(e);
      assert.equal(verifyAuditChain(entries).ok, true);
    });
  });
}
