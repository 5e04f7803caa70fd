import { test } from 'node:test';
import assert from 'node:assert/strict';
import { usageOutcome } from '../../src/metering/usage-outcome.js';
import type { Decision } from '../../src/policy/decision.js';
import { startHarness } from './harness.js';
import { makeOrg } from './doubles.js';

test('outcomes: refusals, limits and upstream failures are told apart, with the code as the reason', () => {
  assert.deepEqual(usageOutcome(200, undefined, true), { outcome: 'admitted', reason: '' });
  assert.deepEqual(usageOutcome(499, undefined, true), { outcome: 'admitted', reason: '' }, 'a client leaving mid-answer was still served');
  assert.deepEqual(usageOutcome(403, 'org_restricted', false), { outcome: 'refused', reason: 'org_restricted' });
  assert.deepEqual(usageOutcome(401, 'key_disabled', false), { outcome: 'refused', reason: 'key_disabled' });
  assert.deepEqual(usageOutcome(429, 'quota_exhausted', false), { outcome: 'rate_limited', reason: 'quota_exhausted' });
  assert.deepEqual(usageOutcome(502, 'upstream_closed', true), { outcome: 'upstream_error', reason: 'upstream_closed' });
  assert.deepEqual(usageOutcome(500, undefined, true), { outcome: 'upstream_error', reason: 'http_500' }, 'an error the model server answered');
  assert.deepEqual(usageOutcome(400, 'invalid_request', false), { outcome: 'error', reason: 'invalid_request' });
});

test('the gateway meters refused requests of a known key under their outcome, unknown keys not at all', async (t) => {
  const decide = (facts: { orgId: string }): Decision =>
    facts.orgId === 'org_r' ? { allow: false, code: 'org_restricted', message: 'restricted', retryable: false } : { allow: true, tags: [], features: [] };
  const h = await startHarness({ deps: { decide } });
  t.after(() => h.close());
  h.view.addOrg(makeOrg('org_r'));
  const restricted = h.view.addKey('org_r');
  const disabled = h.view.addKey('org_a', { status: 'disabled' });
  const call = (secret: string) =>
    fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 }),
    }).then(async (r) => (await r.arrayBuffer(), r.status));
  assert.equal(await call(h.secret), 200);
  assert.equal(await call(restricted.secret), 403);
  assert.equal(await call(disabled.secret), 401);
  assert.equal(await call('moat_test_unknownunknownunknownunknown'), 401);
  const rows = h.usage.pendingRows().map((r) => ({ org: r.orgId, key: r.keyId, outcome: r.outcome, reason: r.reason, requests: r.requests }));
  rows.sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(rows, [
    { org: 'org_a', key: 'key_1', outcome: 'admitted', reason: '', requests: 1 },
    { org: 'org_r', key: 'key_2', outcome: 'refused', reason: 'org_restricted', requests: 1 },
    { org: 'org_a', key: 'key_3', outcome: 'refused', reason: 'key_disabled', requests: 1 },
  ]);
});
