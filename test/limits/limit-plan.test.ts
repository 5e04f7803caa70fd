// The hot path's cached plans: same limits as resolveLimits, one plan per request kind and document, a new
// document applies at once, and no caller-chosen model name can borrow another request kind's plan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileLimitSpecs } from '../../src/limits/compile-limit-specs.js';
import { planLimits } from '../../src/limits/limit-plan.js';
import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { resolveLimits } from '../../src/limits/resolve-limits.js';
import type { LimitsConfig } from '../../src/limits/limits-schema.js';
import { input, limitsDoc, TestClock } from './limit-fixtures.js';

const doc = limitsDoc({
  models: { 'gpt-*': { requestsPerMinute: 100 } },
  features: { coding_tools: { concurrentRequests: 5 } },
  grants: { g1: { requestsPerMinute: 7 } },
  tiers: { free: { key: { requestsPerMinute: 10 }, org: { windows: [{ name: '7d', duration: '7d', tokens: 1000 }] } } },
  orgs: { o1: { models: { 'gpt-*': { requestsPerMinute: 20 } } } },
  keys: { k1: { requestsPerMinute: 3 } },
});

const summary = (ls: ReadonlyArray<{ counter: string; limit: number }>) => ls.map((l) => `${l.counter}=${l.limit}`).sort();

test('planLimits gives exactly resolveLimits for every request kind, and reuses the plan of a kind', () => {
  const specs = compileLimitSpecs(doc);
  const kinds: Array<[{ orgId: string; keyId: string; model: string }, string, string | undefined, string[]]> = [
    [{ orgId: 'o1', keyId: 'k1', model: 'gpt-4o' }, 'free', undefined, []],
    [{ orgId: 'o1', keyId: 'k2', model: 'gpt-4o' }, 'free', 'g1', ['coding_tools']],
    [{ orgId: 'o2', keyId: 'k3', model: 'claude-x' }, 'free', undefined, ['coding_tools', 'logprobs']],
    [{ orgId: 'o2', keyId: 'k3', model: 'claude-x' }, 'pro', 'g2', []],
  ];
  for (const [facts, tier, grant, features] of kinds) {
    const plan = planLimits(doc, facts, tier, grant, features);
    assert.deepEqual(summary(plan.map((p) => p.limit)), summary(resolveLimits(facts, tier, grant, features, specs)));
    assert.equal(planLimits(doc, { ...facts }, tier, grant, [...features]), plan, 'cached per kind');
  }
});

test('a model name cannot alias another request kind: NUL bytes in the model do not add or drop feature limits', () => {
  // Each model string would collide with (model 'm', features [coding_tools]) under a naive joined key.
  for (const model of ['m\u0000coding_tools', 'm\u00000\u0000coding_tools', 'coding_tools\u0000m']) {
    const withFeature = planLimits(doc, { orgId: 'o3', keyId: 'k9', model: 'm' }, 'free', undefined, ['coding_tools']);
    const plain = planLimits(doc, { orgId: 'o3', keyId: 'k9', model }, 'free', undefined, []);
    assert.ok(withFeature.some((p) => p.limit.subject === 'feature'));
    assert.ok(!plain.some((p) => p.limit.subject === 'feature'), JSON.stringify(model));
    const featureAgain = planLimits(doc, { orgId: 'o3', keyId: 'k9', model: 'm' }, 'free', undefined, ['coding_tools']);
    assert.ok(featureAgain.some((p) => p.limit.subject === 'feature'));
  }
});

test('a new limits document applies to the next admission (the plan cache belongs to the document object)', async () => {
  const clock = new TestClock();
  let current: LimitsConfig = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 1 } } } });
  const l = new MemoryLimiter({ limits: () => current, now: clock.now });
  assert.ok((await l.admit(input(clock))).ok);
  assert.ok(!(await l.admit(input(clock))).ok);
  current = limitsDoc({ tiers: { free: { key: { requestsPerMinute: 3 } } } });
  const r = await l.admit(input(clock));
  assert.ok(r.ok);
  assert.equal(r.ticket.headers['x-ratelimit-limit-requests'], '3');
  assert.equal(r.ticket.headers['x-ratelimit-remaining-requests'], '1');
  current = limitsDoc({});
  const free = await l.admit(input(clock));
  assert.ok(free.ok);
  assert.deepEqual(free.ticket.headers, {});
  await l.close();
});
