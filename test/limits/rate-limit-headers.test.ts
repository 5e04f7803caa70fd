import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatOpenAIDuration, formatRfc3339 } from '../../src/limits/rate-limit-headers.js';
import { LimitsConfigSchema } from '../../src/limits/limits-schema.js';
import { compileLimitSpecs } from '../../src/limits/compile-limit-specs.js';
import { resolveLimits } from '../../src/limits/resolve-limits.js';

test('OpenAI reset durations look like OpenAI sends them', () => {
  assert.equal(formatOpenAIDuration(20), '20ms');
  assert.equal(formatOpenAIDuration(1000), '1s');
  assert.equal(formatOpenAIDuration(1500), '1.5s');
  assert.equal(formatOpenAIDuration(360_000), '6m0s');
  assert.equal(formatOpenAIDuration(3_723_000), '1h2m3s');
  assert.equal(formatOpenAIDuration(-5), '0ms');
});

test('Anthropic resets are RFC 3339 seconds, rounded up', () => {
  assert.equal(formatRfc3339(Date.UTC(2026, 0, 1, 0, 0, 0, 1)), '2026-01-01T00:00:01Z');
  assert.equal(formatRfc3339(Date.UTC(2026, 0, 1)), '2026-01-01T00:00:00Z');
});

test('limits schema rejects unknown fields, bad durations and empty windows', () => {
  assert.ok(!LimitsConfigSchema.safeParse({ tiers: { free: { key: { rpm: 5 } } } }).success);
  assert.ok(!LimitsConfigSchema.safeParse({ keys: { k: { windows: [{ name: '5h', duration: '5 hours', requests: 1 }] } } }).success);
  assert.ok(!LimitsConfigSchema.safeParse({ keys: { k: { windows: [{ name: 'none', duration: '0s', requests: 1 }] } } }).success);
  assert.ok(!LimitsConfigSchema.safeParse({ keys: { k: { windows: [{ name: '5h', duration: '5h' }] } } }).success);
  const ok = LimitsConfigSchema.parse({ keys: { k: { windows: [{ name: '5h', duration: '5h', requests: 1, tokens: 9 }] } } });
  assert.equal(ok.defaultMaxTokens, 4096);
  // The two windows, and the built-in per-key token-count limit.
  assert.deepEqual(compileLimitSpecs(ok).map((s) => s.scope), ['default', 'key', 'key']);
});

test('resolveLimits: most specific scope wins per counter and metric; model and feature defaults are overridden by tier then org', () => {
  const specs = compileLimitSpecs(
    LimitsConfigSchema.parse({
      models: { 'gpt-*': { requestsPerMinute: 100 } },
      features: { coding_tools: { concurrentRequests: 5 } },
      tiers: { free: { models: { 'gpt-*': { requestsPerMinute: 50 } }, key: { requestsPerMinute: 10 } }, pro: { key: { requestsPerMinute: 1000 } } },
      orgs: { o1: { models: { 'gpt-*': { requestsPerMinute: 20 } }, features: { coding_tools: { concurrentRequests: 1 } } } },
      keys: { k1: { requestsPerMinute: 3 } },
    }),
  );
  const r = (org: string, key: string, tier: string, model: string, features: string[]) =>
    Object.fromEntries(resolveLimits({ orgId: org, keyId: key, model }, tier, undefined, features, specs).map((l) => [l.counter, `${l.limit}<-${l.source.scope}`]));
  assert.deepEqual(r('o1', 'k1', 'free', 'gpt-4o', ['coding_tools']), {
    'key:k1:rate:requests': '3<-key',
    'model:o1/gpt-*:rate:requests': '20<-org',
    'feature:o1/coding_tools:concurrency': '1<-org',
  });
  assert.deepEqual(r('o2', 'k2', 'free', 'gpt-4o', []), { 'key:k2:rate:requests': '10<-tier', 'model:o2/gpt-*:rate:requests': '50<-tier' });
  assert.deepEqual(r('o3', 'k3', 'pro', 'claude-x', ['coding_tools']), { 'key:k3:rate:requests': '1000<-tier', 'feature:o3/coding_tools:concurrency': '5<-feature' });
});
