// Walks every status × grant × declared purpose × feature × affiliation combination docs/policy.md describes.
// Expected outcomes come from `reference` below, which reasons over the table's dimensions (not over the
// snapshot data) in the documented order of checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decide } from '../../src/policy/decide.js';
import type { Affiliation, Grant, Org } from '../../src/model/org.js';
import type { FeatureDenial, PolicyRules } from '../../src/policy/policy-rules.js';
import type { PolicySnapshot } from '../../src/policy/policy-snapshot.js';
import { facts, NOW } from './facts.js';

const STATUSES = ['active', 'restricted', 'suspended', 'suspension_over', 'revoked'] as const;
const GRANTS = ['none', 'valid', 'expired', 'wrong_model', 'wrong_purpose'] as const;
const PURPOSES = ['absent', 'safety_evaluation', 'malformed', 'unknown'] as const;
const FEATURES = ['unused', 'allowed', 'denied_org', 'denied_group', 'denied_tier', 'denied_attr_except_grant'] as const;
const AFFILIATIONS = ['none', 'propagated_restrict', 'propagated_deny', 'non_propagating'] as const;

interface Case {
  status: (typeof STATUSES)[number];
  grant: (typeof GRANTS)[number];
  purpose: (typeof PURPOSES)[number];
  feature: (typeof FEATURES)[number];
  affiliation: (typeof AFFILIATIONS)[number];
}

const CLAUSE = { org: 'Org clause text', propagation: 'Affiliate clause text', feature: 'Feature clause text' };
type Outcome = { allow: true; grant: boolean } | { allow: false; code: string; clause?: string };

function reference(c: Case): Outcome {
  const status = c.status === 'suspension_over' ? 'active' : c.status;
  if (status === 'revoked') return { allow: false, code: 'org_revoked', clause: CLAUSE.org };
  if (status === 'suspended') return { allow: false, code: 'org_suspended', clause: CLAUSE.org };
  if (c.affiliation === 'propagated_deny') return { allow: false, code: 'affiliate_restricted', clause: CLAUSE.propagation };
  if (c.purpose === 'malformed' || c.purpose === 'unknown') return { allow: false, code: 'invalid_purpose' };
  const underGrant = c.purpose === 'safety_evaluation';
  if (underGrant && c.grant !== 'valid') return { allow: false, code: 'grant_out_of_scope' };
  if (!underGrant && status === 'restricted') return { allow: false, code: 'org_restricted', clause: CLAUSE.org };
  if (!underGrant && c.affiliation === 'propagated_restrict') return { allow: false, code: 'affiliate_restricted', clause: CLAUSE.propagation };
  const denied = c.feature.startsWith('denied_') && !(c.feature === 'denied_attr_except_grant' && underGrant);
  if (denied) return { allow: false, code: 'feature_denied', clause: CLAUSE.feature };
  return { allow: true, grant: underGrant };
}

const at = '2026-01-01T00:00:00Z';
const org = (id: string, over: Partial<Org> = {}): Org => ({ id, name: id, status: 'active', attributes: {}, labels: [], tier: 'standard', createdAt: at, updatedAt: at, ...over });
const HOUR = 3_600_000;

function snapshotFor(c: Case): PolicySnapshot {
  const statusChange = { reason: 'test', clause: 'c-org', actor: 'test', at };
  const a = org('org_a', {
    tier: 'free',
    attributes: { competitor: true },
    status: c.status === 'suspension_over' ? 'suspended' : c.status,
    ...(c.status === 'suspended' ? { suspendedUntil: new Date(NOW + HOUR).toISOString() } : {}),
    ...(c.status === 'suspension_over' ? { suspendedUntil: new Date(NOW - HOUR).toISOString() } : {}),
    ...(c.status !== 'active' ? { statusChange } : {}),
  });
  const orgs = [a, org('org_group'), org('org_other')];
  // org_a is org_group's subsidiary: the affiliate group used by `denied_group`, and never propagating.
  const affiliations: Affiliation[] = [{ orgId: 'org_group', affiliateId: 'org_a', relation: 'subsidiary' }];
  if (c.affiliation !== 'none') {
    orgs.push(org('org_rival', { status: 'revoked', attributes: { competitor: true }, statusChange: { ...statusChange, clause: 'c-rival' } }));
    const relation = c.affiliation === 'non_propagating' ? 'partner' : c.affiliation === 'propagated_deny' ? 'parent' : 'acquirer';
    affiliations.push({ orgId: 'org_a', affiliateId: 'org_rival', relation });
  }
  const grant = (over: Partial<Grant>): Grant => ({ id: 'g1', orgId: 'org_a', purpose: 'safety_evaluation', models: ['claude-*'], createdAt: at, ...over });
  const grants: Grant[] =
    c.grant === 'none' ? [] :
    c.grant === 'valid' ? [grant({ expiresAt: new Date(NOW + HOUR).toISOString() })] :
    c.grant === 'expired' ? [grant({ expiresAt: new Date(NOW - 1).toISOString() })] :
    c.grant === 'wrong_model' ? [grant({ models: ['gpt-*'] })] :
    [grant({ purpose: 'research' })];
  const denial = (subject: FeatureDenial['subject'], extra: Partial<FeatureDenial> = {}): FeatureDenial => ({ feature: 'coding_tools', subject, clause: 'c-feature', ...extra });
  const denials: FeatureDenial[] = {
    unused: [denial({ org: 'org_a' })],
    allowed: [denial({ org: 'org_other' }), denial({ tier: 'enterprise' }), denial({ attributes: { competitor: false } }), denial({ affiliatesOf: 'org_other' })],
    denied_org: [denial({ org: 'org_a' })],
    denied_group: [denial({ affiliatesOf: 'org_group', relations: ['subsidiary'] })],
    denied_tier: [denial({ tier: 'free' })],
    denied_attr_except_grant: [denial({ attributes: { competitor: true } }, { exceptPurposes: ['safety_evaluation'] })],
  }[c.feature];
  const rules: PolicyRules = {
    version: 1,
    clauses: { 'c-org': { text: CLAUSE.org }, 'c-rival': { text: 'Rival clause' }, 'c-feature': { text: CLAUSE.feature }, 'c-prop': { text: CLAUSE.propagation } },
    purposes: { safety_evaluation: { description: 'safety' }, research: { description: 'research' } },
    features: { coding_tools: { match: [{ toolTypes: ['bash_*'] }] }, logprobs: { match: [{ paramsEqual: { logprobs: true } }] } },
    denials,
    propagation: [
      { statuses: ['revoked'], relations: ['acquirer'], effect: 'restrict', clause: 'c-prop' },
      { statuses: ['revoked'], relations: ['parent'], effect: 'deny', clause: 'c-prop' },
    ],
  };
  const byOrg = new Map<string, Affiliation[]>();
  for (const af of affiliations) byOrg.set(af.orgId, [...(byOrg.get(af.orgId) ?? []), af]);
  return {
    version: 1,
    keyByHash: new Map(),
    orgs: new Map(orgs.map((o) => [o.id, o])),
    grantsByOrg: new Map([['org_a', grants]]),
    affiliationsByOrg: byOrg,
    rules,
  };
}

function factsFor(c: Case) {
  const purpose = { absent: undefined, safety_evaluation: 'safety_evaluation', malformed: 'Safety Evaluation!', unknown: 'benchmarking' }[c.purpose];
  return facts({
    orgId: 'org_a',
    ...(purpose !== undefined ? { purpose } : {}),
    ...(c.feature !== 'unused' ? { toolTypes: ['bash_20250124'], toolNames: ['bash'] } : {}),
  });
}

function* cases(): Generator<Case> {
  for (const status of STATUSES)
    for (const grant of GRANTS)
      for (const purpose of PURPOSES)
        for (const feature of FEATURES)
          for (const affiliation of AFFILIATIONS) yield { status, grant, purpose, feature, affiliation };
}

test('every status × grant × purpose × feature × affiliation combination matches the reference', () => {
  const failures: string[] = [];
  let n = 0;
  const seen = new Set<string>();
  for (const c of cases()) {
    n++;
    const want = reference(c);
    const got = decide(factsFor(c), snapshotFor(c));
    seen.add(want.allow ? 'allow' : want.code);
    const gotOutcome: Outcome = got.allow
      ? { allow: true, grant: got.grantId === 'g1' }
      : { allow: false, code: got.code, ...(got.clause !== undefined ? { clause: got.clause } : {}) };
    try {
      assert.deepEqual(gotOutcome, want);
      if (got.allow) {
        const tags = [...(want.allow && want.grant ? ['grant:safety_evaluation'] : []), ...(c.feature !== 'unused' ? ['feature:coding_tools'] : [])];
        assert.deepEqual(got.tags, tags);
        assert.deepEqual(got.features, c.feature !== 'unused' ? ['coding_tools'] : []);
      } else assert.equal(got.retryable, false);
    } catch {
      failures.push(`${JSON.stringify(c)}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  }
  assert.equal(n, 5 * 5 * 4 * 6 * 4);
  assert.deepEqual(failures.slice(0, 10), []);
  // The table reaches every outcome, so no branch of the decision goes untested.
  assert.deepEqual([...seen].sort(), ['affiliate_restricted', 'allow', 'feature_denied', 'grant_out_of_scope', 'invalid_purpose', 'org_restricted', 'org_revoked', 'org_suspended']);
});

test('the grant_out_of_scope message says which scope was missed', () => {
  const msg = (grant: Case['grant']) => {
    const d = decide(factsFor({ status: 'active', grant, purpose: 'safety_evaluation', feature: 'unused', affiliation: 'none' }), snapshotFor({ status: 'active', grant, purpose: 'safety_evaluation', feature: 'unused', affiliation: 'none' }));
    assert.ok(!d.allow);
    return d.message;
  };
  assert.match(msg('none'), /holds no grant for purpose "safety_evaluation"/);
  assert.match(msg('wrong_purpose'), /holds no grant for purpose "safety_evaluation"/);
  assert.match(msg('expired'), /expired at/);
  assert.match(msg('wrong_model'), /outside your grant .*models: gpt-\*/);
});

test('a suspension names its end, and ends by itself at that time', () => {
  const c: Case = { status: 'suspended', grant: 'none', purpose: 'absent', feature: 'unused', affiliation: 'none' };
  const snap = snapshotFor(c);
  const until = snap.orgs.get('org_a')!.suspendedUntil!;
  const d = decide(factsFor(c), snap);
  assert.ok(!d.allow);
  assert.match(d.message, new RegExp(`suspended until ${until.replace(/[.]/g, '\\.')}`));
  assert.equal(decide({ ...factsFor(c), now: Date.parse(until) }, snap).allow, true);
  assert.equal(decide({ ...factsFor(c), now: Date.parse(until) - 1 }, snap).allow, false);
});

test('decide never throws and always denies without retry, for arbitrary request facts', () => {
  const snap = snapshotFor({ status: 'restricted', grant: 'valid', purpose: 'absent', feature: 'denied_tier', affiliation: 'propagated_restrict' });
  fc.assert(
    fc.property(
      fc.record({
        model: fc.string(),
        endpoint: fc.string(),
        purpose: fc.option(fc.string(), { nil: undefined }),
        toolTypes: fc.array(fc.string(), { maxLength: 3 }),
        toolNames: fc.array(fc.string(), { maxLength: 3 }),
        userAgent: fc.option(fc.string(), { nil: undefined }),
        params: fc.dictionary(fc.string(), fc.jsonValue()),
      }),
      (r) => {
        const f = facts({ orgId: 'org_a', model: r.model, endpoint: r.endpoint, toolTypes: r.toolTypes, toolNames: r.toolNames, params: r.params as Record<string, unknown> });
        if (r.purpose !== undefined) f.purpose = r.purpose;
        if (r.userAgent !== undefined) f.userAgent = r.userAgent;
        const d = decide(f, snap);
        return d.allow ? d.grantId === 'g1' : d.retryable === false && d.message.length > 0;
      },
    ),
    { numRuns: 300 },
  );
});
