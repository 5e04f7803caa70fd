import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bandOffsetsFrom, OFFSET_EDGES, outOfRegisterExcess } from '../../src/lab/train/band-offsets.js';
import { benignRegisters, type FeaturizedTexts } from '../../src/lab/train/text-model-trainer.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bandIndex, type TextModelFile } from '../../src/detection/signals/text-classifier.js';
import { rulesDir } from '../../src/detection/data-path.js';

/** Excess logits of one register: `n` items per band, the band's values spread evenly from `lo` to `hi`. */
function register(spread: Array<[number, number]>, n = 200): number[][] {
  return spread.map(([lo, hi]) => Array.from({ length: n }, (_, k) => lo + ((hi - lo) * k) / (n - 1)));
}

test('a band\'s offset is how much further its 1% tail of out-of-register logits reaches than the short band\'s', () => {
  const excess = new Map([
    ['chat', register([[-6, 0], [-6, 2], [-6, 4]])],
    ['prompts', register([[-6, 0], [-6, 2], [-6, 4]])],
  ]);
  const off = bandOffsetsFrom(excess);
  assert.equal(off.length, OFFSET_EDGES.length + 1);
  assert.equal(off[0], 0);
  // Each band's tail sits 2 and 4 logits (less a hair: the 99th percentile, not the maximum) above the short band's.
  for (const [k, want] of [[1, 2], [2, 4]] as const) assert.ok(Math.abs(off[k]! - want) < 0.1, `band ${k}: ${off[k]}`);
});

test('offsets never lower the threshold, and the register under evaluation does not set its own bar', () => {
  const excess = new Map([
    ['chat', register([[-6, 0], [-6, -2], [-6, -2]])],
    ['prompts', register([[-6, 0], [-6, 0], [-6, 9]])],
  ]);
  assert.deepEqual(bandOffsetsFrom(excess, new Set(['prompts'])), [0, 0, 0]);
  assert.ok(bandOffsetsFrom(excess)[2]! > 8, 'with the long prompts of `prompts` pooled, the long band needs more');
});

test('a longer band never gets a lower offset than a shorter one, and a band no register reaches keeps the one before', () => {
  const excess = new Map([['chat', register([[-6, 0], [-6, 3], [-6, 1]])]]);
  const off = bandOffsetsFrom(excess);
  assert.ok(Math.abs(off[1]! - 3) < 0.1, String(off));
  assert.equal(off[2], off[1], 'the longest band reaches less far than the one before in this sample, not in general');
  assert.deepEqual(bandOffsetsFrom(new Map([['chat', [...register([[-6, 0], [-6, 3]]), []]]])), [0, off[1], off[1]], 'an empty band keeps the one before');
});

test('a text\'s band is read from its feature count', () => {
  assert.deepEqual([5, 63, 64, 100, 127, 128, 500].map((n) => bandIndex(n, OFFSET_EDGES)), [0, 0, 1, 1, 1, 2, 2]);
  assert.deepEqual([5, 40].map((n) => bandIndex(n, [32, 128])), [0, 1]);
});

test('offsets are measured on the benign registers a model learns from: never a set it leaves out, a harmful set or one of role `both`', () => {
  const item = (set: string, harmful = false, holdout = false) => ({ set, id: `${set}-${holdout}`, text: 'x', harmful, holdout, train: true });
  const ft = {
    texts: [item('banking77'), item('awesome_chatgpt_prompts'), item('awesome_chatgpt_prompts', false, true), item('advbench', true), item('xstest'), item('xstest', true), item('snips', false, true)],
    feats: [],
  } as unknown as FeaturizedTexts;
  assert.deepEqual(benignRegisters(ft, new Set()), ['banking77', 'awesome_chatgpt_prompts']);
  assert.deepEqual(benignRegisters(ft, new Set(['awesome_chatgpt_prompts'])), ['banking77'], 'a register the model never sees cannot set its bar');
});

test('each register is scored by a head trained without it and without every set the model being built leaves out', () => {
  const ft = { texts: [{ set: 'banking77', id: 'b', text: 'hello there', harmful: false, holdout: false, train: true }], feats: [] } as unknown as FeaturizedTexts;
  const asked: string[][] = [];
  const model = JSON.parse(readFileSync(join(rulesDir(), 'models', 'text.json'), 'utf8')) as TextModelFile;
  outOfRegisterExcess(ft, ['banking77', 'snips'], (without) => (asked.push([...without].sort()), model), new Set(['awesome_chatgpt_prompts', 'harmbench']));
  assert.deepEqual(asked, [['awesome_chatgpt_prompts', 'banking77', 'harmbench'], ['awesome_chatgpt_prompts', 'harmbench', 'snips']]);
});
