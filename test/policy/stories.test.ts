// The four cases Moat exists for, each a real policy file that docs/policy.md shows verbatim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decide } from '../../src/policy/decide.js';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import { snapshotFromState } from '../../src/policy/state-snapshot.js';
import { MoatError } from '../../src/errors/moat-error.js';
import { renderError } from '../../src/errors/wire-format.js';
import { facts } from './facts.js';

const dir = join(import.meta.dirname, 'stories');
const load = (name: string) => snapshotFromState(loadPolicyFile(join(dir, `${name}.yaml`)));

test('story 1: a restricted competitor keeps safety evaluation and nothing else', () => {
  const snap = load('competitor-safety-only');
  const base = { orgId: 'org_rival' };
  const safety = decide(facts({ ...base, purpose: 'safety_evaluation' }), snap);
  assert.deepEqual(safety, { allow: true, tags: ['grant:safety_evaluation'], grantId: 'rival-safety', features: [] });

  const plain = decide(facts(base), snap);
  assert.equal(plain.allow, false);
  assert.ok(!plain.allow);
  assert.equal(plain.code, 'org_restricted');
  assert.equal(plain.clause, 'ToS §2.3(a): no building, training or benchmarking competing models');
  assert.match(plain.message, /moat-purpose: safety_evaluation/);
  assert.match(plain.message, /case-2025-081/);

  const otherModel = decide(facts({ ...base, purpose: 'safety_evaluation', model: 'gpt-5' }), snap);
  assert.ok(!otherModel.allow);
  assert.equal(otherModel.code, 'grant_out_of_scope');
  assert.match(otherModel.message, /"gpt-5" is outside your grant/);

  const afterExpiry = decide(facts({ ...base, purpose: 'safety_evaluation', now: Date.parse('2027-01-01T00:00:00Z') }), snap);
  assert.ok(!afterExpiry.allow);
  assert.equal(afterExpiry.code, 'grant_out_of_scope');
  assert.match(afterExpiry.message, /expired at 2026-12-31T00:00:00.000Z/);
});

test('story 2: coding tools and creative features are blocked, other access continues', () => {
  const snap = load('feature-blocked');
  const base = { orgId: 'org_rival' };
  assert.deepEqual(decide(facts(base), snap), { allow: true, tags: [], features: [] });

  const bash = decide(facts({ ...base, toolTypes: ['bash_20250124'], toolNames: ['bash'] }), snap);
  assert.ok(!bash.allow);
  assert.equal(bash.code, 'feature_denied');
  assert.match(bash.message, /"coding_tools"/);
  assert.equal(bash.clause, 'Usage Policy §4: coding tools and creative features are not licensed to competitors');

  const cli = decide(facts({ ...base, userAgent: 'claude-cli/1.0.80 (external, cli)' }), snap);
  assert.ok(!cli.allow && cli.code === 'feature_denied');

  const images = decide(facts({ ...base, api: 'openai', endpoint: '/v1/images/generations' }), snap);
  assert.ok(!images.allow);
  assert.match(images.message, /"creative"/);

  // An ordinary function tool is not a coding tool.
  assert.equal(decide(facts({ ...base, toolTypes: ['function'], toolNames: ['get_weather'] }), snap).allow, true);
});

test('story 3: an org is cut off because its acquirer is revoked; a partner is not', () => {
  const snap = load('affiliate-cut-off');
  const startup = decide(facts({ orgId: 'org_startup' }), snap);
  assert.ok(!startup.allow);
  assert.equal(startup.code, 'affiliate_restricted');
  assert.equal(startup.clause, 'ToS §2.3: restrictions extend to affiliates of a restricted party');
  assert.match(startup.message, /your acquirer BigRival is revoked/);

  assert.equal(decide(facts({ orgId: 'org_partner' }), snap).allow, true);
  const rival = decide(facts({ orgId: 'org_bigrival' }), snap);
  assert.ok(!rival.allow && rival.code === 'org_revoked');
});

test('story 4: the caller learns the reason and clause from the error in both wire formats', () => {
  const snap = load('caller-learns-clause');
  const d = decide(facts({ orgId: 'org_distiller' }), snap);
  assert.ok(!d.allow);
  assert.equal(d.code, 'org_revoked');
  assert.equal(d.retryable, false);
  const err = new MoatError(d.code, d.message, { clause: d.clause!, retryable: d.retryable });

  const anthropic = renderError('anthropic', err, 'req_1');
  assert.equal(anthropic.status, 403);
  assert.equal(anthropic.headers['x-should-retry'], 'false');
  const a = JSON.parse(anthropic.body) as { error: { type: string; message: string; clause: string } };
  assert.equal(a.error.type, 'permission_error');
  assert.equal(a.error.clause, 'ToS §2.3(b): no reverse engineering, extraction or distillation');
  assert.match(a.error.message, /systematic extraction of model outputs \(case case-2025-112\)/);

  const openai = JSON.parse(renderError('openai', err, 'req_2').body) as { error: { type: string; code: string; message: string } };
  assert.equal(openai.error.type, 'permission_denied');
  assert.equal(openai.error.code, 'org_revoked');
  assert.match(openai.error.message, /clause: ToS §2\.3\(b\)/);
});

test('docs/policy.md shows each story file verbatim', () => {
  const doc = readFileSync(join(import.meta.dirname, '../../docs/policy.md'), 'utf8');
  for (const name of ['competitor-safety-only', 'feature-blocked', 'affiliate-cut-off', 'caller-learns-clause']) {
    const yaml = readFileSync(join(dir, `${name}.yaml`), 'utf8');
    assert.ok(doc.includes('```yaml\n' + yaml + '```'), `docs/policy.md must contain test/policy/stories/${name}.yaml in a yaml block`);
  }
});

test('the shipped examples/policy.yaml is valid and its defaults behave as documented', () => {
  const snap = snapshotFromState(loadPolicyFile(join(import.meta.dirname, '../../examples/policy.yaml')));
  const d = decide(facts({ orgId: 'org_example', params: { max_tokens: 10, thinking: { type: 'enabled', budget_tokens: 1000 } }, toolTypes: ['bash_20250124'] }), snap);
  assert.deepEqual(d, { allow: true, tags: ['feature:coding_tools', 'feature:extended_thinking'], features: ['coding_tools', 'extended_thinking'] });
});
