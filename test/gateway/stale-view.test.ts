// What a gateway whose view is too old refuses: everything (`closed`), or only orgs where enforcement was
// recently active (`recent-enforcement`), in the caller's own error format with retry-after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { staleViewDenial, type StalenessPolicy } from '../../src/gateway/stale-view.js';
import type { Org } from '../../src/model/org.js';
import type { ViewFreshness } from '../../src/policy/policy-snapshot.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const org = (over: Partial<Org> = {}): Org => ({ id: 'org_1', name: 'o', status: 'active', attributes: {}, labels: [], tier: 'default', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', ...over });
const fresh = (ageMs: number, over: Partial<ViewFreshness> = {}): ViewFreshness => ({ confirmedAt: NOW - ageMs, ageMs: () => ageMs, unconfirmedOrgs: new Set(), unconfirmedAll: false, ...over });
const closed: StalenessPolicy = { maxStalenessMs: 5_000, whenStale: 'closed', recentEnforcementMs: 3_600_000 };
const recent: StalenessPolicy = { ...closed, whenStale: 'recent-enforcement' };

test('within the bound nothing is refused; past it, closed refuses every org with access_unconfirmed and retry-after', () => {
  assert.equal(staleViewDenial(closed, fresh(5_000), org(), NOW), undefined);
  const e = staleViewDenial(closed, fresh(5_001), org(), NOW);
  assert.equal(e?.code, 'access_unconfirmed');
  assert.equal(e?.status, 503);
  assert.equal(e?.headers?.['retry-after'], '1');
  assert.match(e?.message ?? '', /5\.0 s/);
});

test('recent-enforcement refuses only orgs enforcement touched recently, or whose change could not be loaded', () => {
  const stale = fresh(60_000);
  assert.equal(staleViewDenial(recent, stale, org(), NOW), undefined, 'a quiet active org keeps being served');
  assert.equal(staleViewDenial(recent, stale, org({ statusChange: { reason: 'x', actor: 'a', at: '2026-01-01T00:00:00Z' } }), NOW), undefined, 'an old reinstatement does not count');
  const refused = [
    org({ status: 'restricted' }),
    org({ statusChange: { reason: 'reinstated', actor: 'a', at: new Date(NOW - 60_000).toISOString() } }),
    org({ attributes: { 'moat.throttle.factor': 0.5, 'moat.throttle.until': new Date(NOW + 60_000).toISOString() } }),
  ];
  for (const o of refused) assert.equal(staleViewDenial(recent, stale, o, NOW)?.code, 'access_unconfirmed', JSON.stringify(o));
  assert.equal(staleViewDenial(recent, fresh(60_000, { unconfirmedOrgs: new Set(['org_1']) }), org(), NOW)?.code, 'access_unconfirmed');
  assert.equal(staleViewDenial(recent, fresh(60_000, { unconfirmedAll: true }), org(), NOW)?.code, 'access_unconfirmed');
  assert.equal(staleViewDenial(recent, fresh(1_000, { unconfirmedAll: true }), org(), NOW), undefined, 'only past the bound');
});
