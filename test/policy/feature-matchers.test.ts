// Feature matcher semantics and the compile-once contract of compilePolicy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileMatcher, compilePolicy } from '../../src/policy/compile-policy.js';
import { globMatch } from '../../src/policy/glob.js';
import type { PolicyRules } from '../../src/policy/policy-rules.js';
import { facts } from './facts.js';

test('globs match * and ? over whole strings', () => {
  assert.equal(globMatch('claude-*', 'claude-sonnet-4'), true);
  assert.equal(globMatch('claude-*', 'xclaude-sonnet'), false);
  assert.equal(globMatch('*bash*', 'run_bash_cmd'), true);
  assert.equal(globMatch('gpt-?o', 'gpt-4o'), true);
  assert.equal(globMatch('gpt-?o', 'gpt-41o'), false);
  assert.equal(globMatch('*', ''), true);
  assert.equal(globMatch('a*b*c', 'axxbyyc'), true);
  assert.equal(globMatch('a*b*c', 'axxbyy'), false);
  assert.equal(globMatch('Claude-*', 'claude-sonnet-4'), true); // ASCII case folded
  assert.equal(globMatch('a*', 'a*b'), true); // a literal * in the text is still covered by the star
});

test('a matcher requires all its conditions; list conditions need any entry', () => {
  const m = compileMatcher({ models: ['claude-*'], toolTypes: ['bash_*', 'computer_*'] });
  assert.equal(m(facts({ toolTypes: ['function', 'computer_20250124'] })), true);
  assert.equal(m(facts({ model: 'gpt-5', toolTypes: ['bash_20250124'] })), false);
  assert.equal(m(facts({ toolTypes: ['function'] })), false);
});

test('params: present means truthy; equal compares by truthiness, number or folded string', () => {
  const present = compileMatcher({ paramsPresent: ['thinking'] });
  assert.equal(present(facts({ params: { thinking: { type: 'enabled' } } })), true);
  assert.equal(present(facts({ params: { thinking: null } })), false);
  assert.equal(present(facts({ params: { thinking: false } })), false);
  assert.equal(present(facts({ params: { thinking: { type: 'disabled' } } })), false);
  const equal = compileMatcher({ paramsEqual: { logprobs: true } });
  for (const v of [true, 1, 'true', 'TRUE', '1', 'yes']) assert.equal(equal(facts({ params: { logprobs: v } })), true, String(v));
  for (const v of [false, 0, 'false', '0', 'no', null, undefined]) assert.equal(equal(facts({ params: { logprobs: v } })), false, String(v));
  const n = compileMatcher({ paramsEqual: { n: 5 } });
  assert.equal(n(facts({ params: { n: '5' } })), true);
  assert.equal(n(facts({ params: { n: 4 } })), false);
  const nested = compileMatcher({ paramsPresent: ['chat_template_kwargs.enable_thinking'] });
  assert.equal(nested(facts({ params: { chat_template_kwargs: { enable_thinking: true } } })), true);
  assert.equal(nested(facts({ params: { chat_template_kwargs: { enable_thinking: false } } })), false);
});

test('user agent is a case-insensitive regex; anthropic-beta values are globs', () => {
  const ua = compileMatcher({ userAgent: '^claude-cli/' });
  assert.equal(ua(facts({ userAgent: 'Claude-CLI/1.0' })), true);
  assert.equal(ua(facts({ userAgent: 'openai-python/1.0' })), false);
  assert.equal(ua(facts()), false);
  const beta = compileMatcher({ anthropicBeta: ['computer-use-*'] });
  assert.equal(beta(facts({ anthropicBeta: ['prompt-caching-2024-07-31', 'computer-use-2025-01-24'] })), true);
});

test('compilePolicy compiles once per rules document and again when its version changes', () => {
  const rules: PolicyRules = { version: 1, features: { f: { match: [{ userAgent: 'x' }] } } };
  const a = compilePolicy(rules);
  assert.equal(compilePolicy(rules), a);
  rules.version = 2;
  rules.features = { g: { match: [{ models: ['m'] }] } };
  const b = compilePolicy(rules);
  assert.notEqual(b, a);
  assert.deepEqual(b.features.map((f) => f.name), ['g']);
});
