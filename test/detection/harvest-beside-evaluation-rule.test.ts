// The single-account harvest rules (distill.reasoning-harvest, distill.key-harvest) read on feature values: an org
// whose traffic reads as an evaluation sweep gets long answers because its items ask for them, so its high
// distillation score labels it only with what an evaluation does not bring (worked reasoning asked for and
// answered at length, or tools new with every request). Pooled traffic (several keys) is judged by the key's own
// traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { rulesDir } from '../../src/detection/data-path.js';
import { compileRule } from '../../src/detection/rules/load-rules.js';
import { compileCondition } from '../../src/detection/rules/condition.js';

type Values = Record<string, number>;
const predicate = (file: string) => {
  const rule = compileRule(parse(readFileSync(join(rulesDir(), file), 'utf8')), file);
  return compileCondition<Values>(rule.spec.when, (name) => (v) => v[name], file);
};

/** A vendor's broad evaluation on a verbose model: long answers, new items, many subjects, no reasoning asked. */
const evaluation: Values = {
  'w.requests': 300,
  'score.distillation': 0.95,
  'key.score.distillation': 0.95,
  'score.benchmarking': 0.999,
  'w.long_output_share': 1,
  'w.long_reasoning_share': 0,
  'w.new_tools_rate': 0,
  'key.count': 1,
};

for (const file of ['distill.reasoning-harvest.yaml', 'distill.key-harvest.yaml']) {
  test(`${file}: an evaluation sweep's long answers alone do not make it a harvest; worked reasoning or new tools do`, () => {
    const holds = predicate(file);
    assert.equal(holds(evaluation), false, 'an evaluation with long answers');
    assert.equal(holds({ ...evaluation, 'w.long_reasoning_share': 0.3 }), true, 'reasoning asked for and answered at length');
    assert.equal(holds({ ...evaluation, 'w.new_tools_rate': 0.9 }), true, 'tools new with every request');
    assert.equal(holds({ ...evaluation, 'score.benchmarking': 0.5 }), true, 'the same score on traffic that does not read as an evaluation');
    assert.equal(holds({ ...evaluation, 'score.benchmarking': 0.5, 'score.distillation': 0.5, 'key.score.distillation': 0.5 }), false, 'below the score');
  });
}

test('distill.key-harvest: pooled traffic (two keys or more) is judged by how the harvesting key\'s own traffic reads', () => {
  const holds = predicate('distill.key-harvest.yaml');
  const pooled: Values = { ...evaluation, 'key.count': 3, 'key.distillation.score.benchmarking': 0.3, 'key.distillation.long_reasoning_share': 0, 'key.distillation.new_tools_rate': 0 };
  assert.equal(holds(pooled), true, "a reseller whose customers' traffic reads as an evaluation, one customer's key a harvest");
  assert.equal(holds({ ...pooled, 'key.score.distillation': 0.5 }), false, 'no key harvests');
  // A vendor's evaluation spread over three keys on a verbose model: every key reads as the evaluation it is.
  const vendor: Values = { ...pooled, 'key.distillation.score.benchmarking': 0.99 };
  assert.equal(holds(vendor), false, "an evaluation's long answers, over several keys");
  assert.equal(holds({ ...vendor, 'key.distillation.long_reasoning_share': 0.3 }), true, 'that key asks for worked reasoning, answered at length');
  assert.equal(holds({ ...vendor, 'key.distillation.new_tools_rate': 0.9 }), true, 'that key offers tools new with every request');
  // A reseller's customer evaluating beside others' ordinary chat: the whole does not read as an evaluation, the key does.
  assert.equal(holds({ ...vendor, 'score.benchmarking': 0.4 }), false, "how the pooled whole reads does not stand for the key");
});

test('distill.key-harvest: an org with one key is judged by its window, not by what its key alone would read', () => {
  const holds = predicate('distill.key-harvest.yaml');
  const single: Values = { ...evaluation, 'key.count': 1, 'key.distillation.score.benchmarking': 0.3, 'key.distillation.long_reasoning_share': 0.5 };
  assert.equal(holds(single), false, 'the window reads an evaluation with long answers');
  assert.equal(holds({ ...single, 'score.benchmarking': 0.5 }), true);
});
