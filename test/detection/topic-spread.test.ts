import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGetter, binomialTail, significantlyAbove, type Aggregate, type Baselines } from '../../src/detection/aggregate-features.js';
import * as F from '../../src/detection/signals/request-flags.js';
import { Tally, type TallyInput } from '../../src/detection/tally.js';
import { TOPICS } from '../../src/detection/signals/taxonomy.js';

const spread = aggregateGetter('topic_entropy')!;
const baselines = {} as Baselines;

/** A request of this topic (-1: no topic head claims the prompt) and nothing else. */
const request = (topic: number): TallyInput => ({ flags: 0, cues: 0, topic, harmCategory: -1, script: -1, novelty: 0, outputRatio: Number.NaN, promptLog: 0 });

/** An aggregate of requests with these topics. */
function traffic(topics: number[]): Aggregate {
  const tally = new Tally();
  for (const topic of topics) tally.add(request(topic));
  const none = () => undefined;
  return { tally, topShare: none, benchDistinct: none, interarrivalCv: none, hoursActive: none, spanHours: none, itemOverlap: none, topMemberShare: none, topMemberReasoningShare: none, memberTopicAffinity: none };
}

const repeat = (topic: number, n: number) => Array.from({ length: n }, () => topic);
const coding = TOPICS.indexOf('coding');
const creative = TOPICS.indexOf('creative');

test('traffic in one topic, or in a register no topic head claims, has no spread', () => {
  assert.equal(spread(traffic(repeat(coding, 50)), baselines), 0);
  assert.equal(spread(traffic(repeat(-1, 50)), baselines), 0);
  assert.equal(spread(traffic([]), baselines), 0);
});

test('an unknown register whose prompts a few heads claim at random reads as narrow, not as a sweep', () => {
  // 85 prompts of a register the heads do not know, 15 claimed by five heads: the spread is the whole traffic's,
  // not the claimed 15's (which alone would read as broad as a sweep over five topics).
  const app = traffic([...repeat(-1, 85), ...[0, 1, 2, 3, 4].flatMap((t) => repeat(t, 3))]);
  const sweep = traffic([0, 1, 2, 3, 4].flatMap((t) => repeat(t, 20)));
  const appSpread = spread(app, baselines)!;
  const sweepSpread = spread(sweep, baselines)!;
  assert.ok(appSpread < 0.35, `unknown register spread ${appSpread}`);
  assert.ok(sweepSpread > 0.65, `sweep spread ${sweepSpread}`);
  // A sweep the heads only half recognise still reads as broad.
  const halfKnown = traffic([...repeat(-1, 50), ...[0, 1, 2, 3, 4].flatMap((t) => repeat(t, 10))]);
  assert.ok(spread(halfKnown, baselines)! > 0.6);
});

test('the spread is 1 when every topic and the unclaimed bin hold the same share; a window that forgets a request reads as if it never counted it', () => {
  const even = traffic([...TOPICS.keys(), -1].flatMap((t) => repeat(t, 4)));
  assert.ok(Math.abs(spread(even, baselines)! - 1) < 1e-9);
  // Removing requests (a sliding window) gives the same value as never having counted them.
  const a = traffic([...repeat(coding, 10), ...repeat(creative, 10), ...repeat(-1, 10)]);
  a.tally.add(request(creative), -1);
  const b = traffic([...repeat(coding, 10), ...repeat(creative, 9), ...repeat(-1, 10)]);
  assert.equal(spread(a, baselines), spread(b, baselines));
});

const subjects = aggregateGetter('topic_spread')!;

test('topic_spread counts only topics holding a subject\'s share: stray claims on an unknown register pool with the unclaimed', () => {
  const assistant = TOPICS.indexOf('assistant');
  // 60 unclaimed, 36 claimed by one head, one each by four others: the strays read as four more subjects on
  // topic_entropy, and as part of the unknown register here.
  const register = traffic([...repeat(-1, 60), ...repeat(assistant, 36), 0, 1, 2, 3]);
  const pooled = traffic([...repeat(-1, 64), ...repeat(assistant, 36)]);
  assert.ok(spread(register, baselines)! > spread(pooled, baselines)! + 0.05);
  assert.equal(subjects(register, baselines), subjects(pooled, baselines));
  // One subject beside an unknown register is at most two subjects in equal shares (1 bit of log2(10)).
  const half = traffic([...repeat(-1, 50), ...repeat(assistant, 50)]);
  assert.ok(Math.abs(subjects(half, baselines)! - 1 / Math.log2(TOPICS.length + 1)) < 1e-9);
  // A sweep over five topics reads as broad on both.
  const sweep = traffic([0, 1, 2, 3, 4].flatMap((t) => repeat(t, 20)));
  assert.equal(subjects(sweep, baselines), spread(sweep, baselines));
  assert.ok(subjects(sweep, baselines)! > 0.65);
  // A topic needs 3 requests before it counts, however small the window; none at all reads 0.
  assert.equal(subjects(traffic([...repeat(-1, 20), 0, 0]), baselines), 0);
  assert.ok(subjects(traffic([...repeat(-1, 20), 0, 0, 0]), baselines)! > 0);
  assert.equal(subjects(traffic([]), baselines), 0);
  // A window that forgets a request reads as if it never counted it.
  const a = traffic([...repeat(coding, 10), ...repeat(creative, 10), ...repeat(-1, 10)]);
  a.tally.add(request(creative), -1);
  const b = traffic([...repeat(coding, 10), ...repeat(creative, 9), ...repeat(-1, 10)]);
  assert.equal(subjects(a, baselines), subjects(b, baselines));
});

const topicsOf = aggregateGetter('capability_topics')!;
const rates = { harmful: { base: 0.08, sweep: 0.35 } } as Baselines;
const harmfulRequest = (): TallyInput => ({ ...request(-1), flags: F.HARMFUL });
/** n requests of one register, k of them read as harmful. */
const withHarmful = (k: number, n: number): Aggregate => {
  const a = traffic(repeat(coding, n - k));
  for (let i = 0; i < k; i++) a.tally.add(harmfulRequest());
  return a;
};

test('harmful prompts count as one more area only above what ordinary traffic gives, by more than chance', () => {
  assert.equal(topicsOf(withHarmful(0, 50), rates), 1);
  // 5 of 50 at a base rate of 8% is what false positives give (a fixed 10% share counted it).
  assert.equal(topicsOf(withHarmful(5, 50), rates), 1);
  assert.equal(topicsOf(withHarmful(8, 50), rates), 2);
  assert.equal(topicsOf(withHarmful(3, 10), rates), 2);
  assert.equal(topicsOf(withHarmful(2, 3), rates), 0, 'fewer than three never count (nor one coding request)');
  // A large org at a modestly raised rate is judged as one window, not made certain by its volume.
  assert.equal(topicsOf(withHarmful(100, 1000), rates), 1);
  assert.equal(topicsOf(withHarmful(250, 1000), rates), 2);
  // The same count reads differently against another population's rate.
  assert.equal(topicsOf(withHarmful(8, 50), { harmful: { base: 0.15, sweep: 0.4 } } as Baselines), 1);
});

test('the binomial tail matches the exact sum and is monotone in the count', () => {
  const exact = (k: number, n: number, p: number) => {
    let s = 0;
    let c = 1;
    for (let i = 0; i <= n; i++) {
      if (i >= k) s += c * p ** i * (1 - p) ** (n - i);
      c = (c * (n - i)) / (i + 1);
    }
    return s;
  };
  for (const [k, n] of [[0, 10], [1, 10], [5, 50], [8, 50], [26, 200], [200, 200]] as const) assert.ok(Math.abs(binomialTail(k, n, 0.08) - exact(k, n, 0.08)) < 1e-9, `${k} of ${n}`);
  assert.equal(binomialTail(201, 200, 0.08), 0);
  for (let k = 1; k < 60; k++) assert.ok(binomialTail(k + 1, 200, 0.08) <= binomialTail(k, 200, 0.08));
});

test('the table-driven test gives what the binomial tail gives, for every count up to past the evidence cap', () => {
  for (const p of [0.08, 0.03])
    for (let n = 1; n <= 260; n++)
      for (let k = 0; k <= n; k++) {
        const byTail = k > n * p && binomialTail(k, n, p) < 0.05;
        assert.equal(significantlyAbove(k, n, p, 0.05), byTail, `${k} of ${n} at ${p}`);
      }
});
