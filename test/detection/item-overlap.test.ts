import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { DistinctItems, DISTINCT_SLOTS } from '../../src/detection/linkage/distinct-items.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import { Linker } from '../../src/detection/linkage/linker.js';
import { itemKey } from '../../src/detection/signals/item-key.js';
import { LONG_REASONING } from '../../src/detection/signals/request-flags.js';
import { mixHash } from '../../src/detection/text/hash.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const { linkage, baselines } = loadDetectionAssets();
const overlap = aggregateGetter('item_overlap')!;
const T0 = Date.parse('2026-08-03T00:00:00Z');
const key = (i: number) => mixHash(i, 0x1234) || 1;

function sketchOf(items: number[]): DistinctItems {
  const d = new DistinctItems();
  for (const i of items) d.addOwn(key(i));
  return d;
}

/** A cluster's sketch: the accounts' own sketches merged into an empty one. */
function clusterOf(accounts: number[][]): DistinctItems {
  const c = new DistinctItems();
  c.parts = 0;
  for (const a of accounts) c.merge(sketchOf(a));
  return c;
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

test('item overlap: accounts sending the same items read 1, disjoint ones about 0, one account nothing', () => {
  const same = clusterOf(Array.from({ length: 10 }, () => range(0, 300)));
  assert.equal(same.overlap(), 1);
  const split = clusterOf(Array.from({ length: 10 }, (_, k) => range(k * 1000, 300)));
  assert.equal(split.overlap(), 0);
  assert.equal(sketchOf(range(0, 300)).overlap(), undefined, 'one account overlaps with no one');
  // An account repeating its own items is still one sender of each.
  assert.equal(clusterOf([[...range(0, 50), ...range(0, 50)], range(1000, 50)]).overlap(), 0);
});

test('item overlap: students at different points of one list share most of what they sent; half a network\'s items shared read about half', () => {
  // Three students through the same 300 items, one done, one halfway, one just started: every item the two behind
  // sent, the first sent too (two thirds of all sent items are shared: (300+150+30 - 120)/480 counts them).
  const course = clusterOf([range(0, 300), range(0, 150), range(0, 30)]);
  assert.ok(course.overlap()! > 0.55, `staggered course: ${course.overlap()}`);
  // Two accounts sharing half their items (300 each, 150 in common): 300 of 600 sent are shared.
  const half = clusterOf([range(0, 300), range(150, 300)]);
  assert.ok(Math.abs(half.overlap()! - 0.5) < 0.12, `half shared: ${half.overlap()}`);
  // A cluster absorbing another keeps every account's senders.
  const outer = new DistinctItems();
  outer.parts = 0;
  outer.merge(clusterOf([range(0, 300), range(0, 300)]));
  outer.merge(sketchOf(range(5000, 300)));
  assert.equal(outer.parts, 3);
  assert.ok(Math.abs(outer.overlap()! - 2 / 3) < 0.12, `nested: ${outer.overlap()}`);
  const back = DistinctItems.fromState(course.toState());
  assert.deepEqual([back.n, back.parts, back.overlap()], [course.n, course.parts, course.overlap()]);
  assert.ok(back.n <= DISTINCT_SLOTS);
});

test('item key: one notebook\'s prompt for an item keeps its key whatever the item number and spacing; other items and other tools do not', () => {
  const wrap = (n: number, x: string) => `### Task ${n}\n\n${x}\n\nThink step by step. Put your final answer within \\boxed{}.`;
  const item = EVERYDAY_ITEMS[0]!;
  assert.equal(new Set([itemKey(wrap(4, item)), itemKey(wrap(17, item)), itemKey(`  ${wrap(4, item).replace(/\n\n/g, '\n')}\n`)]).size, 1);
  assert.equal(new Set(EVERYDAY_ITEMS.map((x) => itemKey(wrap(4, x)))).size, EVERYDAY_ITEMS.length);
  assert.equal(itemKey('  \n'), 0);
  // A tool-use item is the question with its tools: other tools make it another item, their order does not matter
  // (the hashes come ascending).
  const tools = Uint32Array.of(11, 42, 97);
  assert.notEqual(itemKey(item, tools), itemKey(item));
  assert.notEqual(itemKey(item, tools), itemKey(item, Uint32Array.of(11, 42, 98)));
  assert.equal(itemKey(item, tools), itemKey(item, Uint32Array.of(11, 42, 97)));
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
  // Variants named in letters: item keys read every number alike.
  const letters = (i: number) => [i % 26, Math.floor(i / 26) % 26, Math.floor(i / 676)].map((d) => String.fromCharCode(97 + d)).join('');
  const bank = Array.from({ length: 2_000 }, (_, i) => `${EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]} (variant ${letters(i)})`);
  const course = network(12, () => bank.slice(0, 40));
  assert.ok(course !== undefined && course >= 0.9, `course: ${course}`);
  const hydra = network(12, (k) => bank.slice(k * 40, k * 40 + 40));
  assert.ok(hydra !== undefined && hydra <= 0.1, `hydra: ${hydra}`);
});

test('item overlap: one account has none to read (rules treat it as no evidence of a class)', () => {
  const a = new LinkAggregate();
  for (let i = 0; i < 30; i++) a.add({ org: 'o', ts: T0 + i, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0, itemKey: key(i % 3), flags: 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 0, outputRatio: -1, promptLog: 5 });
  assert.equal(overlap(a, baselines), undefined);
});

test('top member share: a cluster one account carries reads its share, a network spread over its accounts a small one', () => {
  const top = aggregateGetter('top_member_share')!;
  const rec = (org: string, i: number) => ({ org, ts: T0 + i, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0, itemKey: key(i), flags: 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 1, outputRatio: -1, promptLog: 5 });
  // One student's run of 50 items, then four classmates who each asked a few questions of their own.
  const own = (org: string, n: number, from: number) => {
    const a = new LinkAggregate();
    for (let i = 0; i < n; i++) a.add(rec(org, from + i));
    return a;
  };
  const cluster = new LinkAggregate();
  cluster.merge(own('org_lead', 50, 0));
  for (let k = 0; k < 4; k++) cluster.merge(own(`org_${k}`, 3, 100 + k * 10));
  assert.ok(Math.abs((top(cluster, baselines) as number) - 50 / 62) < 1e-9);
  // The members' later requests keep the largest current (what the linker passes with each).
  const lead = own('org_lead', 50, 0);
  lead.add(rec('org_lead', 50));
  cluster.add(rec('org_lead', 50), true, lead.tally);
  assert.ok(Math.abs((top(cluster, baselines) as number) - 51 / 63) < 1e-9);
  const spread = new LinkAggregate();
  for (let k = 0; k < 10; k++) spread.merge(own(`org_h${k}`, 20, k * 100));
  assert.equal(top(spread, baselines), 0.1);
  assert.equal(top(own('org_alone', 30, 0), baselines), undefined, 'one account is no cluster');
});

test('top member reasoning share: one account with the run of worked answers among linked ordinary traffic reads high, a harvest spread over its accounts low', () => {
  const share = aggregateGetter('top_member_reasoning_share')!;
  const rec = (org: string, i: number, reasoning: boolean) => ({ org, ts: T0 + i, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0, itemKey: key(i), flags: reasoning ? LONG_REASONING : 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 1, outputRatio: -1, promptLog: 5 });
  const own = (org: string, n: number, from: number, reasoning: (i: number) => boolean) => {
    const a = new LinkAggregate();
    for (let i = 0; i < n; i++) a.add(rec(org, from + i, reasoning(i)));
    return a;
  };
  // A student's assignment run (40 worked answers), linked with fifteen classmates who each asked a few ordinary
  // questions and one step-by-step one: the volume is spread (top member share 0.4), the worked answers are not.
  const course = new LinkAggregate();
  course.merge(own('org_lead', 40, 0, () => true));
  for (let k = 0; k < 15; k++) course.merge(own(`org_${k}`, 4, 100 + k * 10, (i) => i === 0));
  assert.ok(Math.abs((aggregateGetter('top_member_share')!(course, baselines) as number) - 40 / 100) < 1e-9);
  assert.ok(Math.abs((share(course, baselines) as number) - 40 / 55) < 1e-9);
  // Later requests keep it current, and a checkpoint keeps it.
  const lead = own('org_lead', 40, 0, () => true);
  lead.add(rec('org_lead', 40, true));
  course.add(rec('org_lead', 40, true), true, lead.tally);
  assert.ok(Math.abs((share(course, baselines) as number) - 41 / 56) < 1e-9);
  assert.equal(share(LinkAggregate.fromState(course.toState()), baselines), share(course, baselines));
  // A network's harvest: every account sends its share of worked answers.
  const hydra = new LinkAggregate();
  for (let k = 0; k < 20; k++) hydra.merge(own(`org_h${k}`, 5, k * 100, () => true));
  assert.equal(share(hydra, baselines), 0.05);
  // Too few worked answers to say whose they are; one account is no cluster.
  const few = new LinkAggregate();
  for (let k = 0; k < 3; k++) few.merge(own(`org_f${k}`, 3, k * 100, () => true));
  assert.equal(share(few, baselines), undefined);
  assert.equal(share(own('org_alone', 30, 0, () => true), baselines), undefined);
});
