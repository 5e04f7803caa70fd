import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { DistinctItems, DISTINCT_SLOTS } from '../../src/detection/linkage/distinct-items.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import { Linker } from '../../src/detection/linkage/linker.js';
import { itemKey } from '../../src/detection/signals/item-key.js';
import { mixHash } from '../../src/detection/text/hash.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const { linkage, baselines } = loadDetectionAssets();
const overlap = aggregateGetter('item_overlap')!;
const T0 = Date.parse('2026-08-03T00:00:00Z');
const key = (i: number) => mixHash(i, 0x1234) || 1;

function sketchOf(items: number[]): DistinctItems {
  const d = new DistinctItems();
  for (const i of items) d.add(key(i));
  return d;
}

test('distinct items: exact below the sketch size, within 20% far above it, whatever the repeats', () => {
  const few = sketchOf([1, 2, 3, 2, 1, 4]);
  assert.equal(few.estimate(), 4);
  for (const n of [1_000, 20_000]) {
    const many = sketchOf(Array.from({ length: n * 2 }, (_, i) => i % n));
    assert.ok(Math.abs(many.estimate() / n - 1) < 0.2, `${n} distinct read as ${many.estimate().toFixed(0)}`);
  }
});

test('distinct items: accounts sending the same items overlap by (k-1)/k, disjoint ones by about nothing', () => {
  const items = Array.from({ length: 300 }, (_, i) => i);
  const same = new DistinctItems();
  for (let k = 0; k < 10; k++) same.merge(sketchOf(items));
  assert.ok(Math.abs(same.overlap()! - 0.9) < 0.06, `same items: ${same.overlap()}`);
  const split = new DistinctItems();
  for (let k = 0; k < 10; k++) split.merge(sketchOf(items.map((i) => i + k * 1000)));
  assert.ok(split.overlap()! < 0.1, `disjoint items: ${split.overlap()}`);
  assert.equal(sketchOf(items).overlap(), undefined, 'one account overlaps with no one');
  // A merged sketch merged again (a cluster absorbing another) keeps its parts, not itself as one.
  const outer = new DistinctItems();
  outer.merge(same);
  outer.merge(sketchOf(items));
  assert.ok(Math.abs(outer.overlap()! - 10 / 11) < 0.06, `nested: ${outer.overlap()}`);
  const back = DistinctItems.fromState(same.toState());
  assert.deepEqual([back.estimate(), back.overlap()], [same.estimate(), same.overlap()]);
  assert.ok(back.n <= DISTINCT_SLOTS);
});

test('item key: the same item behind another header, item number or directive keeps its key; another item does not', () => {
  const item = EVERYDAY_ITEMS[0]!;
  const keys = new Set([
    itemKey(item),
    itemKey(`### Task 4\n\n${item}\n\nThink step by step.`),
    itemKey(`Question 17:\n${item}\nPut your final answer within \\boxed{}.`),
    itemKey(`  ${item}  `),
  ]);
  assert.equal(keys.size, 1);
  const others = new Set(EVERYDAY_ITEMS.map((x) => itemKey(`### Task 4\n\n${x}\n\nThink step by step.`)));
  assert.equal(others.size, EVERYDAY_ITEMS.length);
  assert.equal(itemKey(''), 0);
});

/**
 * Accounts on a few proxy subnets sharing one request shape and wrapper, driven in hourly rounds (they link, as
 * in the linkage tests), beside developers on a cloud range; each account sends `items(k)` over the rounds.
 */
function network(accounts: number, items: (k: number) => string[]): number | undefined {
  const l = new Linker(linkage, () => {});
  const HOUR = 3_600_000;
  const base = { systemHash: 0, prefixHash: 0, templateHash: 0, flags: 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 1, outputRatio: -1, promptLog: 5 };
  const lists = Array.from({ length: accounts }, (_, k) => items(k));
  for (let round = 0; round < 10; round++) {
    for (let i = 0; i < 40; i++) l.observe({ ...base, org: `org_dev${i}`, ts: T0 + (round * 24 + (i % 24)) * HOUR, ip24: '3.4.5.0/24', ip16: '3.4.0.0/16', userAgent: 'sdk:openai/python', shapeHash: 100 + i, suffixHash: 0 });
    for (let k = 0; k < accounts; k++)
      for (let j = 0; j < 4; j++) {
        const prompt = `Task ${round * 4 + j + 1}:\n${lists[k]![round * 4 + j]!}\nThink step by step.`;
        l.observe({ ...base, org: `org_${k}`, ts: T0 + round * HOUR + (k * 4 + j) * 1000, ip24: `91.200.${14 + (k % 3)}.0/24`, ip16: '91.200.0.0/16', userAgent: 'sdk:openai/python', shapeHash: 7777, suffixHash: 4242, itemKey: itemKey(prompt) });
      }
  }
  const c = l.clusterOf('org_0');
  assert.equal(c?.members.filter((m) => !m.startsWith('org_dev')).length, accounts, 'the accounts link');
  return overlap(c!.agg, baselines) as number | undefined;
}

test('item overlap: a class running one evaluation from every account reads near 1, a network splitting its items near 0', () => {
  const bank = Array.from({ length: 2_000 }, (_, i) => `${EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]} (variant ${i})`);
  const course = network(12, () => bank.slice(0, 40));
  assert.ok(course !== undefined && course >= 0.85, `course: ${course}`);
  const hydra = network(12, (k) => bank.slice(k * 40, k * 40 + 40));
  assert.ok(hydra !== undefined && hydra <= 0.1, `hydra: ${hydra}`);
});

test('item overlap: one account has none to read (rules treat it as no evidence of a class)', () => {
  const a = new LinkAggregate();
  for (let i = 0; i < 30; i++) a.add({ org: 'o', ts: T0 + i, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0, itemKey: key(i % 3), flags: 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 0, outputRatio: -1, promptLog: 5 });
  assert.equal(overlap(a, baselines), undefined);
});
