// The limits read enforcement's throttle attributes with their own copy of the convention (the hot path may
// not import enforcement). Both readers must agree on every input, and limitsReader must carry throttles
// from the view's orgs into the limits document.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { activeThrottle, THROTTLE_FACTOR_ATTR, THROTTLE_UNTIL_ATTR, withThrottle } from '../../src/enforcement/throttle-attributes.js';
import { THROTTLE_FACTOR_ATTRIBUTE, THROTTLE_UNTIL_ATTRIBUTE, throttleFactor } from '../../src/limits/throttle.js';
import { limitsReader } from '../../src/limits/limits-from-rules.js';
import { emptyPolicyRules, type PolicyRules } from '../../src/policy/policy-rules.js';
import type { Org } from '../../src/model/org.js';

const T = Date.UTC(2026, 2, 1, 12, 0, 0);

test('the limits use the attribute names enforcement writes', () => {
  assert.equal(THROTTLE_FACTOR_ATTRIBUTE, THROTTLE_FACTOR_ATTR);
  assert.equal(THROTTLE_UNTIL_ATTRIBUTE, THROTTLE_UNTIL_ATTR);
});

test('throttleFactor agrees with enforcement activeThrottle on any attributes and time (property)', () => {
  const factor = fc.oneof(fc.double({ min: -1, max: 2, noNaN: false }), fc.constantFrom(0, 0.5, 1, 0.999), fc.string(), fc.boolean());
  const until = fc.oneof(
    fc.integer({ min: T - 86_400_000, max: T + 86_400_000 }).map((ms) => new Date(ms).toISOString()),
    fc.constantFrom('not a date', '', '2026-03-01T12:00:00+02:00', '2026-03-01'),
    fc.integer(),
    fc.boolean(),
  );
  const attrs = fc.record(
    { [THROTTLE_FACTOR_ATTR]: factor, [THROTTLE_UNTIL_ATTR]: until, other: fc.string() },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string | number | boolean>>;
  fc.assert(
    fc.property(attrs, fc.integer({ min: T - 86_400_000, max: T + 86_400_000 }), (a, now) => {
      assert.equal(throttleFactor(a, now), activeThrottle(a, now)?.factor);
    }),
    { numRuns: 2000 },
  );
  // And on what enforcement itself writes.
  const written = withThrottle({ tier: 'x' }, { factor: 0.3, until: new Date(T + 1000).toISOString(), caseId: 'c', clause: 'ToS' });
  assert.equal(throttleFactor(written, T), 0.3);
  assert.equal(throttleFactor(written, T + 1000), undefined, 'ends at `until`');
  assert.equal(throttleFactor(withThrottle(written, null), T), undefined, 'removed');
});

function org(id: string, attributes: Org['attributes']): Org {
  return { id, name: id, status: 'active', attributes, labels: [], tier: 'free', createdAt: '', updatedAt: '' };
}

test('limitsReader adds the throttles recorded on orgs, keeps the document object when none is throttled, and follows org changes', () => {
  const rules: PolicyRules = { ...emptyPolicyRules(), limits: { tiers: { free: { key: { requestsPerMinute: 10 } } } } };
  let orgs: ReadonlyMap<string, Org> = new Map([['org_a', org('org_a', { country: 'US' })]]);
  const read = limitsReader(() => rules, (m) => assert.fail(m), () => orgs);
  const plain = read();
  assert.equal(plain.throttles, undefined);
  assert.equal(read(), plain, 'same object while nothing changes (plan caches stay)');
  const until = new Date(T + 3_600_000).toISOString();
  orgs = new Map([
    ['org_a', org('org_a', withThrottle({ country: 'US' }, { factor: 0.5, until, caseId: 'c1', clause: 'ToS §2' }))],
    ['org_b', org('org_b', { [THROTTLE_FACTOR_ATTR]: 'half', [THROTTLE_UNTIL_ATTR]: until })],
  ]);
  const throttled = read();
  assert.deepEqual(throttled.throttles, { org_a: { factor: 0.5, until } }, 'malformed attributes are ignored');
  assert.equal(throttled.tiers, plain.tiers);
  orgs = new Map([['org_a', org('org_a', {})]]);
  assert.equal(read().throttles, undefined, 'lifted');
  // Without an orgs source (older composition), the reader is the plain document reader.
  assert.equal(limitsReader(() => rules, () => undefined)().throttles, undefined);
});
