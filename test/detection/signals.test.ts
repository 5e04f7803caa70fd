import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { isHoldout, itemText, loadCorpus } from '../../src/detection/corpus.js';
import { sharedDataDir } from '../../src/detection/data-path.js';
import { templateHash } from '../../src/detection/signals/request-signals.js';
import { shingleHashes } from '../../src/detection/text/hash.js';
import { tokenHashesOf } from '../../src/detection/text/tokenize.js';

const { fingerprints, categories } = loadDetectionAssets();
const match = (text: string) => fingerprints.match(shingleHashes(tokenHashesOf(text), fingerprints.n));
const classOf = (text: string) => categories.classes[categories.classify(tokenHashesOf(text)).cls];
const data = sharedDataDir();

test('known benchmark items match their fingerprints, also wrapped in a template', () => {
  const gsm = loadCorpus(data, 'gsm8k_train').slice(0, 200);
  let hits = 0;
  for (const it of gsm) {
    const m = match(`Solve the following problem. Show your work.\n\n${itemText(it)}\n\nAnswer:`);
    if (m?.source === 'gsm8k_train') hits++;
  }
  assert.ok(hits >= 190, `${hits}/200 GSM8K items matched`);
  const he = loadCorpus(data, 'humaneval')[10]!;
  assert.deepEqual([match(itemText(he))?.source, match(itemText(he))?.item], ['humaneval', 10]);
});

test('ordinary application prompts do not match benchmark fingerprints', () => {
  let hits = 0;
  let n = 0;
  for (const name of ['banking77', 'staqc_sql_questions', 'snips']) {
    for (const it of loadCorpus(data, name).slice(0, 1000)) {
      n++;
      if (match(itemText(it))) hits++;
    }
  }
  assert.ok(hits / n < 0.002, `${hits}/${n} false matches`);
});

test('the category model recognises held-out prompts it was not trained on', () => {
  const check = (corpus: string, expected: string, min: number) => {
    const items = loadCorpus(data, corpus).filter((it) => isHoldout(it.id)).slice(0, 150);
    const ok = items.filter((it) => classOf(itemText(it)) === expected).length;
    assert.ok(ok / items.length >= min, `${corpus}: ${ok}/${items.length} classified ${expected}`);
  };
  check('staqc_sql_questions', 'coding', 0.8);
  check('gsm8k_train', 'math', 0.8);
  check('banking77', 'support', 0.8);
  // XSTest mixes unsafe prompts with safe look-alikes ("kill a Python process"): about 58% land in safety.
  check('xstest', 'safety', 0.5);
});

test('templates: same harness, different content → same hash; different harness → different hash', () => {
  const t = (q: string) => `### Evaluation task 12\n${q}\n### Respond with your best answer.`;
  assert.equal(templateHash(t('What is 2+2?')), templateHash(t('Write a haiku about rain')));
  assert.notEqual(templateHash(t('What is 2+2?')), templateHash(`Question: What is 2+2?\nAnswer step by step.`));
  assert.equal(templateHash('Order #123 "blue" shipped'), templateHash('Order #98765 "red" shipped'), 'numbers and quoted spans are masked');
});
