import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hashSecret } from '../../src/keys/api-key-format.js';
import { createAffiliation } from '../../src/store/affiliations-repo.js';
import { createKey, setKeyStatus } from '../../src/store/keys-repo.js';
import { runMigrations } from '../../src/store/migrate.js';
import { createOrg, setOrgStatus } from '../../src/store/orgs-repo.js';
import type { PgliteDriver } from '../../src/store/pglite-driver.js';
import { openEmptyPglite } from '../support/pgdata-template.js';
import { savePolicyRules } from '../../src/store/policy-rules-repo.js';
import { InProcessChangeBus } from '../../src/changes/in-process-change-bus.js';
import { startPolicyView, type ViewClock } from '../../src/view/policy-view.js';
import type { PolicyRules } from '../../src/policy/policy-rules.js';
import type { SqlDriver } from '../../src/sql/sql-driver.js';
import { StoreUnavailableError } from '../../src/store/store-unavailable.js';
import { createGrant } from '../../src/store/grants-repo.js';
import { until } from '../support/until.js';

/** The test's driver, with a switch that makes every read fail as if PostgreSQL were unreachable. */
function cuttable(d: SqlDriver): SqlDriver & { cut: boolean } {
  const down = () => Promise.reject(new StoreUnavailableError('store unavailable: test cut'));
  const c = {
    kind: d.kind,
    cut: false,
    query: (sql: string, params?: unknown[]) => (c.cut ? down() : d.query(sql, params)),
    exec: (sql: string) => (c.cut ? down() : d.exec(sql)),
    transaction: <T>(fn: Parameters<SqlDriver['transaction']>[0]) => (c.cut ? down() : d.transaction(fn)) as Promise<T>,
    close: () => d.close(),
  };
  return c as SqlDriver & { cut: boolean };
}

class ManualClock implements ViewClock {
  fns: Array<() => void> = [];
  setInterval(fn: () => void) {
    this.fns.push(fn);
    return this.fns.length;
  }
  clearInterval() {
    this.fns = [];
  }
  tick() {
    for (const f of this.fns) f();
  }
}

const meta = { actor: 'test' };
const settle = () => new Promise((r) => setTimeout(r, 50));
/** Waits until `cond` holds (the view reloads through several store statements, each a round trip to the store's
 * thread), failing after 10 s. */
describe('PolicyView', () => {
  let driver: PgliteDriver;
  before(async () => {
    driver = await openEmptyPglite();
    await runMigrations(driver);
  });
  after(async () => driver?.close());

  test('loads everything at start; snapshots are immutable values swapped whole', async () => {
    const { result: org } = await createOrg(driver, meta, { name: 'v-start' });
    const { result: k } = await createKey(driver, meta, { org: org.id, name: 'k' });
    const view = await startPolicyView({ driver, versionCheckMs: 0 });
    const s1 = view.current();
    assert.equal(s1.keyByHash.get(hashSecret(k.secret))?.orgId, org.id);
    assert.equal(s1.orgs.get(org.id)?.name, 'v-start');
    assert.ok(Object.isFrozen(s1));
    const st = await setOrgStatus(driver, meta, org.id, { status: 'revoked', reason: 'x' });
    await view.applyChange(st.change);
    assert.equal(view.current().orgs.get(org.id)?.status, 'revoked');
    assert.equal(s1.orgs.get(org.id)?.status, 'active', 'an old snapshot held by a request does not change under it');
    assert.equal(view.current().version, st.change.version);
    await view.close();
  });

  test('a per-org change reloads that org only; a gap in versions forces a full reload', async () => {
    const view = await startPolicyView({ driver, versionCheckMs: 0 });
    const a = await createOrg(driver, meta, { name: 'v-a' });
    await view.applyChange(a.change);
    const b = await createOrg(driver, meta, { name: 'v-b' }); // its notification is "lost"
    const ka = await createKey(driver, meta, { org: 'v-a', name: 'k' });
    // ka is not the next version after the view's: applying it must also pick up v-b.
    await view.applyChange(ka.change);
    assert.ok(view.current().orgs.has(b.result.id), 'missed change picked up');
    assert.ok(view.current().keyByHash.has(hashSecret(ka.result.secret)));
    const dis = await setKeyStatus(driver, meta, ka.result.key.id, { status: 'disabled' });
    await view.applyChange(dis.change);
    assert.equal(view.current().keyByHash.get(hashSecret(ka.result.secret))?.status, 'disabled');
    // Stale or duplicate notifications change nothing.
    const before = view.current();
    await view.applyChange(ka.change);
    assert.equal(view.current(), before);
    await view.close();
  });

  test('affiliation and policy changes reload fully', async () => {
    const view = await startPolicyView({ driver, versionCheckMs: 0 });
    await createOrg(driver, meta, { name: 'v-p' });
    const c0 = await createOrg(driver, meta, { name: 'v-c' });
    await view.reloadAll();
    const aff = await createAffiliation(driver, meta, { org: 'v-c', affiliate: 'v-p', relation: 'parent' });
    await view.applyChange(aff.change);
    assert.equal(view.current().affiliationsByOrg.get(c0.result.id)?.length, 1);
    const pol = await savePolicyRules(driver, meta, { version: 0, note: 'x' } as unknown as PolicyRules);
    await view.applyChange(pol.change);
    assert.equal(view.current().rules.version, pol.result.version);
    await view.close();
  });

  test('bus notifications from other processes are applied; the version check heals a lost one', async () => {
    const bus = new InProcessChangeBus();
    const clock = new ManualClock();
    const view = await startPolicyView({ driver, bus, versionCheckMs: 500, clock });
    const swaps: number[] = [];
    view.onSwap((s) => swaps.push(s.version));
    const o = await createOrg(driver, meta, { name: 'v-bus' });
    await bus.publish(o.change);
    await until(() => view.current().orgs.has(o.result.id), 'the published change applied', 10_000);
    // A change whose broadcast was lost: only the periodic check can find it.
    const lost = await setOrgStatus(driver, meta, 'v-bus', { status: 'revoked', reason: 'lost message' });
    await settle();
    assert.equal(view.current().orgs.get(o.result.id)?.status, 'active');
    clock.tick();
    await until(() => view.current().orgs.get(o.result.id)?.status === 'revoked', 'the version check found the lost change', 10_000);
    assert.equal(view.current().version, lost.change.version);
    assert.deepEqual(swaps, [o.change.version, lost.change.version]);
    assert.equal(await view.checkVersion(), false);
    await view.close();
    assert.equal(clock.fns.length, 0, 'close stops the timer');
  });

  test('states a change carries hold at once, even when the store cannot be read, and over older loads', async () => {
    const store = cuttable(driver);
    const view = await startPolicyView({ driver: store, versionCheckMs: 0 });
    const o = await createOrg(driver, meta, { name: 'v-carry' });
    const k = await createKey(driver, meta, { org: o.result.id, name: 'k' });
    await view.reloadAll();
    const revoked = await setOrgStatus(driver, meta, o.result.id, { status: 'revoked', reason: 'carried' });
    const disabled = await setKeyStatus(driver, meta, k.result.key.id, { status: 'disabled' });
    store.cut = true;
    await assert.rejects(view.applyChange(revoked.change));
    await assert.rejects(view.applyChange(disabled.change));
    assert.equal(view.current().orgs.get(o.result.id)?.status, 'revoked');
    assert.equal(view.current().keyByHash.get(hashSecret(k.result.secret))?.status, 'disabled');
    assert.deepEqual([...view.freshness().unconfirmedOrgs], [], 'carried states are known, not unconfirmed');
    store.cut = false;
    await view.reloadAll();
    assert.equal(view.current().orgs.get(o.result.id)?.status, 'revoked');
    assert.equal(view.current().version, disabled.change.version);
    await view.close();
  });

  test('a change heard but not loadable marks its org (or everything) unconfirmed until a load covers it', async () => {
    const store = cuttable(driver);
    const view = await startPolicyView({ driver: store, versionCheckMs: 0 });
    const o = await createOrg(driver, meta, { name: 'v-unconfirmed' });
    const g = await createGrant(driver, meta, { org: o.result.id, purpose: 'safety_evaluation', models: ['*'] });
    const pol = await savePolicyRules(driver, meta, { clauses: {} } as unknown as PolicyRules);
    store.cut = true;
    await assert.rejects(view.applyChange(g.change));
    assert.deepEqual([...view.freshness().unconfirmedOrgs], [o.result.id]);
    await assert.rejects(view.applyChange(pol.change));
    assert.equal(view.freshness().unconfirmedAll, true);
    store.cut = false;
    await view.applyChange(pol.change);
    assert.deepEqual([...view.freshness().unconfirmedOrgs], []);
    assert.equal(view.freshness().unconfirmedAll, false);
    await view.close();
  });

  test('freshness: each successful version check confirms the view; failures keep its age growing and say why', async () => {
    const store = cuttable(driver);
    let t = 1_000_000;
    const view = await startPolicyView({ driver: store, versionCheckMs: 0, now: () => t });
    assert.equal(view.freshness().ageMs(), 0);
    t += 3_000;
    await view.checkVersion();
    assert.equal(view.freshness().ageMs(), 0);
    store.cut = true;
    t += 4_000;
    await assert.rejects(view.checkVersion());
    assert.equal(view.freshness().ageMs(), 4_000);
    assert.match(view.freshness().lastError ?? '', /test cut/);
    store.cut = false;
    await view.checkVersion();
    assert.equal(view.freshness().ageMs(), 0);
    assert.equal(view.freshness().lastError, undefined);
    await view.close();
  });

  test('a real timer heals a lost notification within the interval', async () => {
    const view = await startPolicyView({ driver, versionCheckMs: 50 });
    const o = await createOrg(driver, meta, { name: 'v-timer' });
    const t0 = Date.now();
    while (!view.current().orgs.has(o.result.id)) {
      assert.ok(Date.now() - t0 < 1000, 'healed within 1 s');
      await new Promise((r) => setTimeout(r, 10));
    }
    await view.close();
  });
});
