import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateGetter, type Aggregate, type Baselines } from '../../src/detection/aggregate-features.js';
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
