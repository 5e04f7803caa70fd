import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitScore, fitScores, type TrainingRow } from '../../src/lab/train/score-trainer.js';
import type { ScoreSpec } from '../../src/detection/scores/score-model.js';
import { Rng } from '../../src/simulator/rng.js';

// Two features: a phrasing cue that every training positive shows and no negative does, and a behaviour that
// positives show more than negatives but that overlaps. A real actor with other words shows only the behaviour.
function rows(): TrainingRow[] {
  const rng = new Rng(7);
  const out: TrainingRow[] = [];
  for (let i = 0; i < 400; i++) {
    const positive = i % 2 === 0;
    const x = Float64Array.from([positive ? 1 : 0, positive ? rng.range(0.5, 1) : rng.range(0, 0.6)]);
    out.push({ family: positive ? 'harvester' : 'app', org: `o${i}`, requests: 50, x: new Map([['distillation', x]]), y: new Map([['distillation', positive ? 1 : 0]]) });
  }
  return out;
}

const spec = (robust: boolean): ScoreSpec => ({
  kind: 'scores',
  description: 'test',
  max_weight: 4,
  models: { distillation: { description: 'test', features: { cue: '+', behaviour: '+' } } },
  ...(robust ? { robustness: { description: 'test', share: 0.3, groups: { wording: ['cue'] } } } : {}),
});

function score(w: { weights: number[]; bias: number }, x: number[]): number {
  return 1 / (1 + Math.exp(-(w.bias + w.weights[0]! * x[0]! + w.weights[1]! * x[1]!)));
}

test('score fit: positives also seen without their cue phrasings teach the behaviour, not only the words', () => {
  const fit = { l2: 0.001, steps: 800, lr: 0.05, maxWeight: 4 };
  const plain = fitScore('distillation', spec(false), rows(), fit);
  const robust = fitScore('distillation', spec(true), rows(), fit);
  const unworded = [0, 0.95];
  assert.ok(score(plain, unworded) < 0.5, `without robustness the cue carries the score: ${score(plain, unworded)}`);
  assert.ok(score(robust, unworded) > 0.5, `with robustness the behaviour alone scores: ${score(robust, unworded)}`);
  // Ordinary traffic stays low, and the cue still counts.
  assert.ok(score(robust, [0, 0.3]) < 0.2, `ordinary behaviour: ${score(robust, [0, 0.3])}`);
  assert.ok(score(robust, [1, 0.6]) > 0.9, `worded: ${score(robust, [1, 0.6])} ${JSON.stringify(robust)} ${JSON.stringify(plain)}`);
});

test('score fit: a robustness group limited to some scores leaves the others as they are', () => {
  const fit = { l2: 0.001, steps: 800, lr: 0.05, maxWeight: 4 };
  const limited = (scores: Array<'distillation' | 'benchmarking'>): ScoreSpec => ({
    ...spec(false),
    robustness: { description: 'test', share: 0.3, groups: { wording: { features: ['cue'], scores } } },
  });
  const unworded = [0, 0.95];
  // Limited to another score: this one is fitted as if the group were not there.
  assert.deepEqual(fitScore('distillation', limited(['benchmarking']), rows(), fit), fitScore('distillation', spec(false), rows(), fit));
  assert.ok(score(fitScore('distillation', limited(['distillation']), rows(), fit), unworded) > 0.5);
});

test("score fit: clusters' combined traffic shapes the cluster fit only; the org fit is the same without it", () => {
  // A network whose combined traffic shows the behaviour without the cue, and linked legitimate orgs without either.
  const rng = new Rng(11);
  const cluster = (positive: boolean, i: number): TrainingRow => ({
    family: positive ? 'network (cluster)' : 'lab (cluster)',
    org: `c${i}`,
    requests: 200,
    x: new Map([['distillation', Float64Array.from([0, positive ? rng.range(0.6, 0.8) : rng.range(0, 0.3)])]]),
    y: new Map([['distillation', positive ? 1 : 0]]),
    cluster: true,
  });
  const clusters = Array.from({ length: 100 }, (_, i) => cluster(i % 2 === 0, i));
  const file = fitScores(spec(false), [...rows(), ...clusters], {});
  assert.deepEqual(file.models, fitScores(spec(false), rows(), {}).models, 'org fit unchanged by cluster rows');
  assert.equal(fitScores(spec(false), rows(), {}).clusterModels, undefined, 'no cluster rows, no cluster fit');
  const org = file.models[0]!;
  const net = file.clusterModels![0]!;
  assert.ok(score(net, [0, 0.7]) > 0.5 && score(org, [0, 0.7]) < score(net, [0, 0.7]), `network traffic: org fit ${score(org, [0, 0.7])}, cluster fit ${score(net, [0, 0.7])}`);
  assert.ok(score(net, [0, 0.2]) < 0.2, `linked legitimate traffic: ${score(net, [0, 0.2])}`);
});

test('score fit: positives also seen as a browser would send them teach the behaviour, not the client', () => {
  // Features: behaviour ('+') and browser share ('-'). No positive in training came from a browser; half the
  // ordinary apps did. A harvester behind a browser's user agent shows only the behaviour.
  const rng = new Rng(5);
  const data: TrainingRow[] = Array.from({ length: 400 }, (_, i) => {
    const positive = i % 2 === 0;
    const x = Float64Array.from([positive ? rng.range(0.5, 1) : rng.range(0, 0.6), positive ? 0 : i % 4 === 1 ? 1 : 0]);
    return { family: positive ? 'harvester' : 'app', org: `o${i}`, requests: 50, x: new Map([['distillation', x]]), y: new Map([['distillation', positive ? 1 : 0]]) };
  });
  const clientSpec = (robust: boolean): ScoreSpec => ({
    kind: 'scores',
    description: 'test',
    max_weight: 4,
    models: { distillation: { description: 'test', features: { behaviour: '+', browser_share: '-' } } },
    ...(robust ? { robustness: { description: 'test', share: 0.3, groups: { client: { features: ['browser_share'], values: { browser_share: 1 } } } } } : {}),
  });
  const fit = { l2: 0.001, steps: 800, lr: 0.05, maxWeight: 4 };
  const plain = fitScore('distillation', clientSpec(false), data, fit);
  const robust = fitScore('distillation', clientSpec(true), data, fit);
  const inBrowser = [0.95, 1];
  assert.ok(score(plain, inBrowser) < 0.5, `without the client group the browser clears the harvester: ${score(plain, inBrowser)}`);
  assert.ok(score(robust, inBrowser) > 0.5, `with it the behaviour scores in a browser too: ${score(robust, inBrowser)}`);
  assert.ok(robust.weights[1]! <= 0 && Math.abs(robust.weights[1]!) < Math.abs(plain.weights[1]!), `browser weight ${robust.weights[1]} vs ${plain.weights[1]}`);
  assert.ok(score(robust, [0.3, 1]) < 0.3, `an ordinary app in a browser: ${score(robust, [0.3, 1])}`);
});
