import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orgToTraceLine } from '../../src/events/org-trace-line.js';
import type { Org } from '../../src/model/org.js';

test("an org's trace line carries its creation time, grants and affiliates, and nothing of other orgs", () => {
  const org: Org = { id: 'org_a', name: 'A', status: 'active', attributes: { competitor: true }, labels: [], tier: 'default', createdAt: '2026-07-01T10:00:00.000Z', updatedAt: '2026-08-01T10:00:00.000Z' };
  const line = orgToTraceLine(
    org,
    [
      { id: 'g1', orgId: 'org_a', purpose: 'safety_evaluation', models: ['*'], createdAt: '2026-07-02T00:00:00.000Z' },
      { id: 'g2', orgId: 'org_b', purpose: 'safety_evaluation', models: ['*'], createdAt: '2026-07-02T00:00:00.000Z' },
    ],
    [{ orgId: 'org_a', affiliateId: 'org_c', relation: 'acquirer' }],
  );
  assert.deepEqual(line, {
    type: 'org',
    id: 'org_a',
    name: 'A',
    attributes: { competitor: true },
    affiliates: [{ org: 'org_c', relation: 'acquirer' }],
    grants: [{ purpose: 'safety_evaluation', models: ['*'] }],
    created_at: '2026-07-01T10:00:00.000Z',
  });
});
