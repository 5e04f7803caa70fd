import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logit, trainBinary, type SparseExample } from '../../src/lab/train/linear-trainer.js';

// Feature 1 marks the positives; feature 2 appears only in negatives (evidence against); feature 3 in both.
const examples: SparseExample[] = [];
for (let i = 0; i < 200; i++) {
  examples.push({ idx: Int32Array.from([1, 3]), y: 1, w: 1 });
  examples.push({ idx: Int32Array.from([2, 3]), y: 0, w: 1 });
}
const o = { bits: 4, epochs: 5, alpha: 1, beta: 1, l1: 0.001, l2: 0.001, seed: 1 };

test('a signed head learns evidence against its class; a non-negative head only evidence for it', () => {
  const signed = trainBinary(examples, o);
  const evidence = trainBinary(examples, { ...o, nonNegative: true });
  assert.ok(signed.w[2]! < -0.5, `signed: feature 2 counts against (${signed.w[2]})`);
  for (const w of evidence.w) assert.ok(w >= 0, `non-negative: ${w}`);
  assert.ok(evidence.w[1]! > 0.5, 'the positive marker still carries weight');
  // Both separate what they were trained on.
  for (const h of [signed, evidence]) {
    assert.ok(logit(h, Int32Array.from([1, 3])) > 0);
    assert.ok(logit(h, Int32Array.from([2, 3])) < 0);
  }
  // Text made only of a feature neither class showed (a register the head never saw): the signed head leaves it
  // wherever its bias fell; the evidence-only head reads it as having no evidence, below its positives.
  const unseen = Int32Array.from([7]);
  assert.ok(logit(evidence, unseen) < 0, `evidence-only head on unseen text: ${logit(evidence, unseen)}`);
  assert.ok(logit(evidence, unseen) < logit(evidence, Int32Array.from([1, 3])));
});

test('past a length knee each occurrence weighs sqrt(knee)/n instead of 1/sqrt(n)', () => {
  const h = trainBinary(examples, { ...o, lengthKnee: 1 });
  const idx = Int32Array.from([1, 3, 3]);
  // Three features past a knee of one: each occurrence carries sqrt(1) / 3.
  assert.ok(Math.abs(logit(h, idx, 1) - (h.bias + (h.w[1]! + 2 * h.w[3]!) / 3)) < 1e-9);
  assert.ok(Math.abs(logit(h, idx) - (h.bias + (h.w[1]! + 2 * h.w[3]!) / Math.sqrt(3))) < 1e-9);
});
