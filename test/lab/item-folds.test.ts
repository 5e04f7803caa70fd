import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sharedDataDir } from '../../src/detection/data-path.js';
import { labelledTexts } from '../../src/lab/corpus-catalog.js';
import { evaluateBenignFold, evaluateItemFold, formatClassifierTable, LENGTH_BANDS } from '../../src/lab/eval/classifier-eval.js';
import { featurize } from '../../src/lab/train/text-model-trainer.js';

// A thinned sample of every set keeps training to seconds; what the eval reports must not depend on the sample.
const ft = featurize(labelledTexts(sharedDataDir()).filter((_, i) => i % 8 === 0), { augment: false });
const benignOf = (set: string) => ft.texts.filter((t) => t.set === set && !t.harmful).length;

test('a benchmark left out of the item head is still read as benchmark items; chat left out is not', () => {
  const gsm = evaluateItemFold(ft, 'gsm8k_train');
  assert.equal(gsm.kind, 'benchmark');
  assert.equal(gsm.items, benignOf('gsm8k_train'));
  assert.ok(gsm.readAsItems > 0.5, `unseen GSM8K read as items: ${gsm.readAsItems}`);
  const chat = evaluateItemFold(ft, 'topical_chat');
  assert.equal(chat.kind, 'application');
  assert.ok(chat.readAsItems < gsm.readAsItems / 2, `unseen chat read as items: ${chat.readAsItems}`);
});

test('the classifier table reports the item head\'s left-out registers', () => {
  const text = formatClassifierTable({ folds: [], itemFolds: [{ set: 'banking77', kind: 'application', items: 100, readAsItems: 0.139 }], topicAccuracy: {} });
  assert.match(text, /\| banking77 \| application \| 100 \| 13\.9% \|/);
});

test('an unseen benign register is reported by prompt length too, the bands adding up to the whole', () => {
  const row = evaluateBenignFold(ft, 'awesome_chatgpt_prompts');
  assert.equal(row.items, benignOf('awesome_chatgpt_prompts'));
  assert.equal(row.byLength.length, LENGTH_BANDS.length + 1);
  assert.equal(row.byLength.reduce((a, b) => a + b.items, 0), row.items);
  const flagged = row.byLength.reduce((a, b) => a + b.flagged * b.items, 0);
  assert.ok(Math.abs(flagged - row.flagged * row.items) < 1e-6, `${flagged} vs ${row.flagged * row.items}`);
  // "Act as" prompts run long: every band holds some.
  for (const b of row.byLength) assert.ok(b.items > 0, JSON.stringify(row.byLength));
  const text = formatClassifierTable({ folds: [], benignFolds: [row], topicAccuracy: {} });
  assert.match(text, /\| flagged harmful \(unseen set\) \| < 32 features \| 32–127 \| ≥ 128 \|/);
});
