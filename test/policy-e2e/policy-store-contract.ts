// applyPolicyPlan / loadPolicyState contract: the same behaviour on PGlite and PostgreSQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { allAuditEntries } from '../../src/audit/audit-log.js';
import { verifyAuditChain, type AuditEntry } from '../../src/audit/audit-chain.js';
import { DomainError } from '../../src/errors/domain-error.js';
import { hashSecret } from '../../src/keys/api-key-format.js';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import { planPolicy } from '../../src/policy/plan-policy.js';
import type { PolicyState } from '../../src/policy/policy-state.js';
import { policySectionSchemas } from '../../src/admin/policy-sections.js';
import { applyPolicyPlan } from '../../src/store/apply-policy-plan.js';
import { readChangeVersion } from '../../src/store/change-version.js';
import { findKeyByHash } from '../../src/store/keys-repo.js';
import { loadPolicyState } from '../../src/store/load-policy-state.js';
import { runMigrations } from '../../src/store/migrate.js';
import { createOrg, getOrg, setOrgStatus } from '../../src/store/orgs-repo.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';
import { storeEnforcementTarget } from '../../src/enforcement/store-target.js';
import { activeThrottle } from '../../src/enforcement/throttle-attributes.js';
import type { TestDriver } from '../store/test-drivers.js';

const actor = { actor: 'policy-test' };
const root = join(import.meta.dirname, '../..');
const example = () => loadPolicyFile(join(root, 'examples/policy.yaml'), policySectionSchemas());
const story = (name: string) => loadPolicyFile(join(root, 'test/policy/stories', `${name}.yaml`), policySectionSchemas());
const conflict = (pattern: RegExp) => (e: unknown) => e instanceof DomainError && e.code === 'conflict' && pattern.test(e.message);

async function audit(db: SqlDriver): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const e of allAuditEntries(db)) out.push(e);
  return out;
}

/** Apply `desired` the way `moat policy apply --prune` does: plan against the store's state, send the steps back. */
async function applyFile(db: SqlDriver, desired: PolicyState, opts: { force?: boolean } = {}) {
  const cur = await loadPolicyState(db);
  const plan = planPolicy(cur.state, desired, { ...opts, prune: true });
  return { plan, result: await applyPolicyPlan(db, actor, plan.steps, { force: opts.force ?? false, expectedVersion: cur.version }) };
}

export function runPolicyStoreContract(name: string, makeDriver: (() => Promise<TestDriver>) | undefined, skipReason?: string): void {
  describe(`policy apply contract: ${name}`, { skip: makeDriver ? false : skipReason }, () => {
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

    test('applying a file is one version bump with one audit entry per step; planning again gives no steps', async () => {
      const desired = example();
      const v0 = await readChangeVersion(db);
      const auditBefore = (await audit(db)).length;
      const { plan, result } = await applyFile(db, desired);
      assert.ok(plan.steps.length >= 4, 'the example creates rules, an org, a key and an admin');
      assert.equal(result.applied, plan.steps.length);
      assert.equal(result.version, v0 + 1);
      // The change carries the orgs it wrote, so a gateway that cannot read the store still applies them.
      const { orgs: carried, ...change } = result.change ?? {};
      assert.deepEqual(change, { kind: 'all', version: v0 + 1 });
      assert.deepEqual(carried?.map((o) => o.id), plan.steps.filter((s) => s.kind === 'org').map((s) => s.id));
      const entries = (await audit(db)).slice(auditBefore);
      assert.deepEqual(
        entries.map((e) => `${e.action} ${e.target}`),
        plan.steps.map((s) => `policy.${s.kind}.${s.action} ${s.id}`),
      );
      assert.equal(verifyAuditChain(await audit(db)).ok, true);

      // Secrets: returned once, usable, never in the audit log.
      assert.deepEqual(result.secrets.map((s) => s.kind).sort(), ['admin', 'key']);
      const keySecret = result.secrets.find((s) => s.kind === 'key');
      assert.ok(keySecret);
      const stored = await findKeyByHash(db, hashSecret(keySecret.secret));
      assert.equal(stored?.name, desired.keys[0]?.name);
      const auditText = JSON.stringify(entries);
      for (const s of result.secrets) assert.ok(!auditText.includes(s.secret), 'a secret leaked into the audit log');

      const again = planPolicy((await loadPolicyState(db)).state, desired);
      assert.deepEqual(again.steps, [], again.text);
      const noop = await applyPolicyPlan(db, actor, [], {});
      assert.equal(noop.version, v0 + 1);
      assert.equal(noop.applied, 0);
    });

    test('story files round-trip: statuses with reason, clause and case, grants with expiry, affiliations', async () => {
      for (const name of ['competitor-safety-only', 'affiliate-cut-off', 'feature-blocked']) {
        const desired = story(name);
        await applyFile(db, desired, { force: true });
        const back = await loadPolicyState(db);
        assert.deepEqual(planPolicy(back.state, desired).steps, [], name);
      }
      const startup = (await loadPolicyState(db)).state;
      // feature-blocked was applied last: the store now holds exactly that file's orgs.
      assert.deepEqual(startup.orgs.map((o) => o.id), ['org_rival']);
    });

    test('a stale expectedVersion is refused and nothing changes', async () => {
      const cur = await loadPolicyState(db);
      const desired: PolicyState = { ...cur.state, orgs: cur.state.orgs.map((o) => ({ ...o, labels: [...o.labels, 'touched'] })) };
      const plan = planPolicy(cur.state, desired);
      await createOrg(db, actor, { name: `concurrent-${Date.now()}` });
      await assert.rejects(applyPolicyPlan(db, actor, plan.steps, { expectedVersion: cur.version }), conflict(/changed since the plan was made/));
      assert.ok((await loadPolicyState(db)).state.orgs.every((o) => !o.labels.includes('touched')));
    });

    test('guards are recomputed on the store: revoking every org needs force', async () => {
      const cur = await loadPolicyState(db);
      const revokeAll: PolicyState = {
        ...cur.state,
        orgs: cur.state.orgs.map((o) => ({ ...o, status: 'revoked' as const, statusReason: 'test', statusClause: 'tos-1' })),
      };
      const plan = planPolicy(cur.state, revokeAll);
      assert.equal(plan.refused, true);
      const v = await readChangeVersion(db);
      await assert.rejects(applyPolicyPlan(db, actor, plan.steps, { expectedVersion: cur.version }), conflict(/no org with access/));
      assert.equal(await readChangeVersion(db), v, 'a refused apply writes nothing');
      const forced = await applyPolicyPlan(db, actor, plan.steps, { force: true, expectedVersion: cur.version });
      assert.equal(forced.applied, cur.state.orgs.length);
      for (const o of cur.state.orgs) {
        const org = await getOrg(db, o.id);
        assert.equal(org.status, 'revoked');
        assert.deepEqual({ reason: org.statusChange?.reason, clause: org.statusChange?.clause, actor: org.statusChange?.actor }, { reason: 'test', clause: 'tos-1', actor: 'policy-test' });
      }
    });

    test('a step that fails part-way rolls back every step of the apply', async () => {
      const cur = await loadPolicyState(db);
      const taken = cur.state.orgs[0];
      assert.ok(taken);
      const desired: PolicyState = {
        ...cur.state,
        orgs: [
          ...cur.state.orgs,
          { id: 'org_new_one', name: 'New One', tier: 'standard', attributes: {}, labels: [], status: 'active' },
          // Same name as an existing org: the unique constraint fails on this step, after the first create ran.
          { id: 'org_dup_name', name: taken.name, tier: 'standard', attributes: {}, labels: [], status: 'active' },
        ],
      };
      const plan = planPolicy(cur.state, desired, { force: true });
      const v = await readChangeVersion(db);
      await assert.rejects(applyPolicyPlan(db, actor, plan.steps, { force: true }), conflict(/duplicate name or id/));
      assert.equal(await readChangeVersion(db), v);
      assert.ok(!(await loadPolicyState(db)).state.orgs.some((o) => o.id === 'org_new_one'));
    });

    test('a plan that no longer matches the store is refused (create of an existing object)', async () => {
      const cur = await loadPolicyState(db);
      const o = cur.state.orgs[0];
      assert.ok(o);
      await assert.rejects(applyPolicyPlan(db, actor, [{ kind: 'org', action: 'create', id: o.id, after: o }], {}), conflict(/does not match the store/));
    });

    test('state hides the status details of an active org, so a reinstated org plans to no changes', async () => {
      const cur = await loadPolicyState(db);
      const o = cur.state.orgs[0];
      assert.ok(o);
      await setOrgStatus(db, actor, o.id, { status: 'active', reason: 'reinstated after review' });
      const back = (await loadPolicyState(db)).state.orgs.find((x) => x.id === o.id);
      assert.deepEqual(back, { id: o.id, name: o.name, tier: o.tier, attributes: o.attributes, labels: o.labels, status: 'active', ...(o.contactWebhook ? { contactWebhook: o.contactWebhook } : {}) });
    });

    test('a throttle set by enforcement is not drift from the file, and applying the file keeps it', async () => {
      const cur = await loadPolicyState(db);
      const o = cur.state.orgs[0];
      assert.ok(o);
      const target = storeEnforcementTarget(db, async () => {});
      await target.setThrottle(o.id, { factor: 0.5, until: '2031-01-01T00:00:00.000Z', caseId: 'case-9', clause: 'tos-1' }, 'enforcement');
      const throttled = await loadPolicyState(db);
      assert.deepEqual(planPolicy(throttled.state, cur.state, { prune: true }).steps, [], 'the throttle is not a change to plan');
      const relabelled: PolicyState = { ...cur.state, orgs: cur.state.orgs.map((x) => (x.id === o.id ? { ...x, labels: [...x.labels, 'gitops'] } : x)) };
      const plan = planPolicy(throttled.state, relabelled, { prune: true });
      await applyPolicyPlan(db, actor, plan.steps, { expectedVersion: throttled.version });
      const org = await getOrg(db, o.id);
      assert.ok(org.labels.includes('gitops'));
      assert.deepEqual(activeThrottle(org.attributes, Date.parse('2030-01-01T00:00:00Z')), { factor: 0.5, until: '2031-01-01T00:00:00.000Z', caseId: 'case-9', clause: 'tos-1' });
    });
  });
}
