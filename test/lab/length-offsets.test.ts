import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandOf, lengthOffsets, OFFSET_BANDS } from '../../src/lab/eval/length-offsets.js';
import type { FeaturizedTexts } from '../../src/lab/train/text-model-trainer.js';

/** Excess logits of one register: `n` items per band, the band's values spread evenly from `lo` to `hi`. */
function register(spread: Array<[number, number]>, n = 200): number[][] {
  return spread.map(([lo, hi]) => Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1)));
}

test('a band\'s offset is how much further its 1% tail of out-of-register logits reaches than the short band\'s', () => {
  const excess = new Map([
    ['chat', register([[-6, 0], [-6, 1], [-6, 2], [-6, 4]])],
    ['prompts', register([[-6, 0], [-6, 1], [-6, 2], [-6, 4]])],
  ]);
  const off = lengthOffsets(excess);
  assert.equal(off.length, OFFSET_BANDS.length + 1);
  assert.equal(off[0], 0);
  // Each band's tail sits 1, 2 and 4 logits (less a hair: the 99th percentile, not the maximum) above the short band's.
  for (const [k, want] of [[1, 1], [2, 2], [3, 4]] as const) assert.ok(Math.abs(off[k]! - want) < 0.1, `band ${k}: ${off[k]}`);
});

test('offsets never lower the threshold, and the register under evaluation does not set its own bar', () => {
  const excess = new Map([
    ['chat', register([[-6, 0], [-6, -2], [-6, -2], [-6, -2]])],
    ['prompts', register([[-6, 0], [-6, 0], [-6, 0], [-6, 9]])],
  ]);
  assert.deepEqual(lengthOffsets(excess, 'prompts'), [0, 0, 0, 0]);
  assert.ok(lengthOffsets(excess)[3]! > 8, 'with the long prompts of `prompts` pooled, the long band needs more');
});

test('a text\'s band is read from its feature count', () => {
  const ft = { texts: [], feats: [5, 32, 100, 500].map((n) => new Int32Array(n)) } as unknown as FeaturizedTexts;
  assert.deepEqual([0, 1, 2, 3].map((i) => bandOf(ft, i)), [0, 1, 2, 3]);
});
