// The network distillation rule (rules/distill.linked-cluster.yaml) read on clusters built request by request, with
// the cluster fit held at a score above its threshold: the rule must still tell a class on a reasoning model (one
// subject, the reasoning field on every request, long answers, the steps asked on a few questions) from a network
// harvesting broad instructions, and from a harvest of worked maths on every item.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { aggregateGetter } from '../../src/detection/aggregate-features.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { rulesDir } from '../../src/detection/data-path.js';
import type { FeatureContext } from '../../src/detection/feature-catalog.js';
import type { Cluster } from '../../src/detection/linkage/linker.js';
import { OrgRecord, emptyFacts } from '../../src/detection/org-record.js';
import { compileRule } from '../../src/detection/rules/load-rules.js';
import type { ActivityLabel } from '../../src/detection/rules/rule-schema.js';
import type { ScoreModel } from '../../src/detection/scores/score-model.js';
import { CUE_COT } from '../../src/detection/signals/harness-cues.js';
import * as F from '../../src/detection/signals/request-flags.js';
import { TOPICS } from '../../src/detection/signals/taxonomy.js';
import { capabilityTopicDraw, linkedCluster } from './helpers.js';

const { baselines } = loadDetectionAssets();
const rule = compileRule(parse(readFileSync(join(rulesDir(), 'distill.linked-cluster.yaml'), 'utf8')), 'distill.linked-cluster.yaml');
const T0 = Date.parse('2026-08-03T09:00:00Z');
const topic = (t: (typeof TOPICS)[number]) => TOPICS.indexOf(t);

interface Shape {
  /** The topic of the cluster's n-th request. */
  topic: (n: number) => number;
  /** An account's i-th request asks for the steps in words. */
  cot: (i: number) => boolean;
  /** An account's i-th request is answered at 1,000+ tokens. */
  long: (i: number) => boolean;
  /** The reasoning field (extended thinking, reasoning_effort) on the request. */
  reasoningField: boolean;
}

/** Accounts of `perAccount` requests each, interleaved as a network's or a class's traffic arrives, linked after their first. */
function clusterOf(accounts: number, perAccount: number, s: Shape): Cluster {
  const members = Array.from({ length: accounts }, (_, k) => `org_${k}`);
  const agg = linkedCluster(accounts, perAccount, 0, (k, i, n) => {
    const cot = s.cot(i);
    const long = s.long(i);
    const flags = (s.reasoningField ? F.REASONING : 0) | (long ? F.LONG_OUTPUT : 0) | (long && cot ? F.LONG_REASONING : 0) | F.SDK;
    return { org: members[k]!, ts: T0 + n * 20_000, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 1, templateHash: 0, itemKey: n + 1, flags, cues: cot ? CUE_COT : 0, topic: s.topic(n), harmCategory: -1, script: 0, novelty: 1, outputRatio: 6, promptLog: 6 };
  });
  return { id: 'cl_1', members, agg, links: [], values: new Map() };
}

/** The context the rule reads, with the cluster fit held at `networkScore`. */
function ctxOf(cluster: Cluster, networkScore: number): FeatureContext {
  const model = { cluster: { score: () => networkScore } } as unknown as ScoreModel;
  return {
    org: new OrgRecord('org_0', T0, emptyFacts()),
    cluster,
    baselines,
    scores: new Map<ActivityLabel, ScoreModel>([['distillation', model]]),
    competitor: () => false,
  };
}

const every = (k: number) => (i: number) => i % k === 0;
const spread = capabilityTopicDraw;

test('a class on a reasoning model (one subject, the steps asked on a fifth of its questions) is not a network harvest, even when the fit reads one', () => {
  const course = clusterOf(20, 20, { topic: () => topic('coding'), cot: every(5), long: (i) => i % 3 !== 0, reasoningField: true });
  assert.equal(rule.test(ctxOf(course, 0.95)), false);
});

test('a class in a register the topic heads do not know is not a network harvest for the few questions they misclaim', () => {
  // Most questions unclaimed, a third claimed by one head, a percent each by four others (misfires): counted topic by
  // topic that reads above the bar for many subjects (0.37); the strays pooled with the unclaimed, it is one subject.
  const misclaimed = [topic('coding'), topic('math'), topic('reasoning'), topic('creative')];
  const unknownRegister = (n: number) => (n % 100 < 60 ? -1 : n % 100 < 96 ? topic('assistant') : misclaimed[n % 4]!);
  const course = clusterOf(20, 20, { topic: unknownRegister, cot: every(5), long: (i) => i % 3 !== 0, reasoningField: true });
  const entropy = aggregateGetter('topic_entropy')!(course.agg, baselines)!;
  const subjects = aggregateGetter('topic_spread')!(course.agg, baselines)!;
  assert.ok(entropy >= 0.35 && subjects < 0.33, `topic entropy ${entropy}, spread ${subjects}`);
  assert.equal(rule.test(ctxOf(course, 0.95)), false);
});

test('a network harvesting broad instructions is labelled, whether or not its wording for reasoning is known', () => {
  const cued = clusterOf(20, 8, { topic: spread, cot: () => true, long: () => true, reasoningField: false });
  assert.equal(rule.test(ctxOf(cued, 0.95)), true);
  // Reasoning asked in words no cue knows, on a reasoning model: only the spread of subjects is left to read.
  const uncued = clusterOf(20, 8, { topic: spread, cot: () => false, long: () => true, reasoningField: true });
  assert.equal(rule.test(ctxOf(uncued, 0.95)), true);
  // The fit still decides: the same traffic below its threshold is not labelled.
  assert.equal(rule.test(ctxOf(cued, 0.5)), false);
});

test('a harvest of worked maths on every item is labelled though it covers one subject', () => {
  const maths = clusterOf(20, 8, { topic: () => topic('math'), cot: () => true, long: () => true, reasoningField: false });
  assert.equal(rule.test(ctxOf(maths, 0.95)), true);
  // One subject with the steps asked on a fifth of it reads as the class above.
  const fewSteps = clusterOf(20, 8, { topic: () => topic('math'), cot: every(5), long: () => true, reasoningField: true });
  assert.equal(rule.test(ctxOf(fewSteps, 0.95)), false);
});
