// key.<label>.<feature> and key.<label>.score.<other> read the traffic of the one key key.score.<label> reads: a
// rule can ask how the harvesting customer of pooled traffic reads on its own, not how the whole org does.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveFeature, type FeatureContext } from '../../src/detection/feature-catalog.js';
import { OrgRecord } from '../../src/detection/org-record.js';
import type { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import type { ScoreModel } from '../../src/detection/scores/score-model.js';
import type { ActivityLabel } from '../../src/detection/rules/rule-schema.js';

// A key's traffic as the scores below read it: its request count, and the two scores it earns.
type FakeKey = { tally: { n: number }; distillation: number; benchmarking: number };
const key = (n: number, distillation: number, benchmarking: number) => ({ tally: { n }, distillation, benchmarking }) as FakeKey;
const model = (label: 'distillation' | 'benchmarking') => ({ label, features: [], score: (a: unknown) => (a as FakeKey)[label] }) as unknown as ScoreModel;

function context(keys: Record<string, FakeKey>): FeatureContext {
  const org = new OrgRecord('org_pool', 0, { known: true, grants: new Set(), attributes: {} } as unknown as OrgRecord['facts']);
  for (const [k, a] of Object.entries(keys)) org.keys.set(k, a as unknown as LinkAggregate);
  const scores = new Map<ActivityLabel, ScoreModel>([['distillation', model('distillation')], ['benchmarking', model('benchmarking')]]);
  return { org, cluster: undefined, baselines: {} as FeatureContext['baselines'], scores, competitor: () => false };
}

const read = (name: string, ctx: FeatureContext) => {
  const g = resolveFeature(name);
  assert.ok(g, `${name} resolves`);
  return g(ctx);
};

test("key.<label>.score.<other>: the other score of the key that scores highest for the label (30 requests or more)", () => {
  const ctx = context({
    evaluation: key(300, 0.6, 0.99),
    harvest: key(120, 0.97, 0.4),
    // Scores higher still, but has too few requests of its own to count.
    newcomer: key(12, 0.99, 0.1),
  });
  assert.equal(read('key.score.distillation', ctx), 0.97);
  assert.equal(read('key.distillation.score.benchmarking', ctx), 0.4, "the harvesting key's own traffic, not the evaluation's");
  assert.equal(read('key.benchmarking.score.distillation', ctx), 0.6, 'and the other way round');
});

test('key.<label>.*: undefined until some key has 30 requests; unknown names do not resolve', () => {
  assert.equal(read('key.distillation.score.benchmarking', context({ a: key(29, 0.99, 0.1) })), undefined);
  assert.equal(resolveFeature('key.distillation.no_such_feature'), undefined);
  assert.equal(resolveFeature('key.no_such_label.score.benchmarking'), undefined);
  assert.equal(resolveFeature('key.distillation.score.no_such_label'), undefined);
  assert.ok(resolveFeature('key.distillation.long_reasoning_share'));
});
