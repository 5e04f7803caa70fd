// Topic affinity of a cluster's members: a network's accounts (or a class's students) are interchangeable parts of
// one traffic, so two requests of one account share a topic no more often than two of different accounts;
// unrelated customers linked by a shared cloud range each keep to their own application's topics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import type { LinkRecord } from '../../src/detection/linkage/link-record.js';
import { TOPICS } from '../../src/detection/signals/taxonomy.js';
import { capabilityTopicDraw, linkedCluster } from './helpers.js';

const { baselines } = loadDetectionAssets();
const affinity = aggregateGetter('member_topic_affinity')!;
const T0 = Date.parse('2026-08-03T00:00:00Z');
const rec = (org: string, i: number, topic: number): LinkRecord => ({ org, ts: T0 + i, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0, itemKey: i + 1, flags: 0, cues: 0, topic, harmCategory: -1, script: 0, novelty: 1, outputRatio: -1, promptLog: 5 });

const spread = capabilityTopicDraw;

/** A cluster of accounts given as each one's request topics, linked after their `linkAfter`-th requests. */
const cluster = (accounts: number[][], linkAfter: number): LinkAggregate =>
  linkedCluster(accounts.length, Math.max(...accounts.map((a) => a.length)), linkAfter, (k, i, n) => {
    const topic = accounts[k]![i];
    return topic === undefined ? undefined : rec(`org_${k}`, n, topic);
  });

test('a network whose accounts draw from one harvest reads about 1; customers each on their own topics read far above', () => {
  // 40 accounts of 6 requests, each drawn from the same mix of capability topics.
  const network = cluster(Array.from({ length: 40 }, (_, k) => Array.from({ length: 6 }, (_, i) => spread(k * 6 + i))), 2);
  const n = affinity(network, baselines) as number;
  assert.ok(n > 0.7 && n < 1.4, `network: ${n}`);
  // Three developers on a shared cloud range: a coding assistant, a support bot, a writing tool.
  const apps = [TOPICS.indexOf('coding'), TOPICS.indexOf('support'), TOPICS.indexOf('creative')];
  const devs = cluster(apps.map((topic, k) => Array.from({ length: 25 }, (_, i) => (i % 6 === k ? spread(i) : topic))), 5);
  const d = affinity(devs, baselines) as number;
  assert.ok(d > 2.5, `developers: ${d}`);
});

test('affinity is the same whether members joined early or late, and survives a checkpoint', () => {
  const accounts = Array.from({ length: 6 }, (_, k) => Array.from({ length: 20 }, (_, i) => (i % 4 === 0 ? spread(i + k) : k % 5)));
  const early = affinity(cluster(accounts, 0), baselines) as number;
  const late = affinity(cluster(accounts, 15), baselines) as number;
  assert.ok(Math.abs(early - late) < 1e-9, `${early} vs ${late}`);
  const c = cluster(accounts, 3);
  assert.equal(affinity(LinkAggregate.fromState(JSON.parse(JSON.stringify(c.toState()))), baselines), affinity(c, baselines));
});

test('two clusters merged read what one cluster of all their members reads', () => {
  const a = Array.from({ length: 5 }, (_, k) => Array.from({ length: 12 }, (_, i) => spread(k + i * 3)));
  const b = Array.from({ length: 5 }, (_, k) => Array.from({ length: 12 }, () => k % 5));
  const merged = cluster(a, 1);
  merged.merge(cluster(b, 1));
  const whole = cluster([...a, ...b], 1);
  assert.ok(Math.abs((affinity(merged, baselines) as number) - (affinity(whole, baselines) as number)) < 1e-9);
});

test('one account, or too few classified requests, has no affinity to read', () => {
  const one = new LinkAggregate();
  for (let i = 0; i < 50; i++) one.add(rec('org_a', i, spread(i)));
  assert.equal(affinity(one, baselines), undefined);
  const unclassified = cluster([Array(30).fill(-1), Array(30).fill(-1)], 0);
  assert.equal(affinity(unclassified, baselines), undefined);
});
