import { ensureFixtureTraces } from '../../src/simulator/build-fixtures.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { repoRoot, rulesDir } from '../../src/detection/data-path.js';
import { compileRule } from '../../src/detection/rules/load-rules.js';
import { LABELS, ruleSchema } from '../../src/detection/rules/rule-schema.js';
import { runRuleFixtures } from '../../src/detection/rules/run-fixtures.js';

const base = {
  id: 'test.rule', status: 'experimental', severity: 'low', label: 'benchmarking', description: 'x', confidence: 0.5, scope: 'org',
  when: { all: [{ feature: 'w.requests', op: '>=', value: 1 }] }, evidence: ['samples'],
  fixtures: { positive: [{ trace: 'a.jsonl' }], negative: [{ trace: 'b.jsonl' }] },
};

test('every shipped rule validates, compiles and has positive and negative fixtures', () => {
  const { rules } = loadDetectionAssets();
  assert.ok(rules.length >= 6);
  const labels = new Set(rules.map((r) => r.spec.label));
  for (const l of LABELS) assert.ok(labels.has(l), `some rule assigns ${l}`);
});

test('rules/schema.json and the zod mirror agree on fields and enumerations', () => {
  const schema = JSON.parse(readFileSync(join(rulesDir(), 'schema.json'), 'utf8'));
  const optional = new Set(['sustain']);
  assert.deepEqual([...schema.required].sort(), Object.keys(ruleSchema.shape).filter((k) => !optional.has(k)).sort());
  assert.deepEqual(Object.keys(schema.properties).sort(), Object.keys(ruleSchema.shape).sort());
  assert.deepEqual(schema.properties.label.enum, [...LABELS]);
  assert.deepEqual(schema.properties.status.enum, ruleSchema.shape.status.options);
  assert.deepEqual(schema.properties.severity.enum, ruleSchema.shape.severity.options);
  assert.deepEqual(schema.properties.scope.enum, ruleSchema.shape.scope.options);
});

test('invalid rules are rejected with the file name and the reason', () => {
  assert.doesNotThrow(() => compileRule(base, 'ok.yaml'));
  assert.throws(() => compileRule({ ...base, label: 'spying' }, 'bad.yaml'), /bad\.yaml: invalid rule: label/);
  assert.throws(() => compileRule({ ...base, when: { feature: 'w.nope', op: '>=', value: 1 } }, 'f.yaml'), /unknown feature "w\.nope"/);
  assert.throws(() => compileRule({ ...base, when: 'w.requests > 1 || process.exit()' }, 'e.yaml'), /invalid rule/);
  assert.throws(() => compileRule({ ...base, fixtures: { positive: [], negative: [] } }, 'x.yaml'), /invalid rule/);
  assert.throws(() => compileRule({ ...base, evidence: ['cluster.bogus'] }, 'v.yaml'), /unknown feature/);
  assert.throws(() => compileRule({ ...base, scope: 'cluster', sustain: 5 }, 's.yaml'), /sustain applies to org rules only/);
  assert.deepEqual(JSON.parse(readFileSync(join(rulesDir(), 'schema.json'), 'utf8')).then, { not: { required: ['sustain'] } });
});

test('conditions evaluate all/any/not and comparisons against features', () => {
  const r = compileRule({ ...base, when: { all: [{ feature: 'org.requests', op: '>=', value: 3 }, { not: { feature: 'org.grant.safety_evaluation', op: '==', value: true } }] } }, 'c.yaml');
  const ctx = (requests: number, grant: boolean) =>
    ({ org: { requests, facts: { grants: new Set(grant ? ['safety_evaluation'] : []) } }, cluster: undefined }) as never;
  assert.equal(r.test(ctx(3, false)), true);
  assert.equal(r.test(ctx(2, false)), false);
  assert.equal(r.test(ctx(3, true)), false);
});

test('moat rules test: every fixture passes, and a rule that cannot fire fails its positive fixture', async () => {
  const assets = loadDetectionAssets();
  ensureFixtureTraces(repoRoot());
  const results = await runRuleFixtures(repoRoot(), assets);
  assert.deepEqual(results.filter((r) => !r.pass), []);
  const broken = compileRule({ ...ruleSchema.parse({ ...assets.rules.find((r) => r.spec.id === 'safety.unauthorised-sweep')!.spec }), when: { feature: 'w.harmful_share', op: '>', value: 1 } }, 'broken.yaml');
  const res = await runRuleFixtures(repoRoot(), { ...assets, rules: [broken] });
  assert.ok(res.some((r) => r.kind === 'positive' && !r.pass));
});
