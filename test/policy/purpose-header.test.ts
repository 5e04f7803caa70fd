import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPurposeHeader } from '../../src/policy/purpose-header.js';

const known = new Set(['safety_evaluation', 'research']);

test('a known purpose is accepted (surrounding spaces ignored)', () => {
  assert.deepEqual(checkPurposeHeader(' safety_evaluation ', known), { ok: true, purpose: 'safety_evaluation' });
});

test('a malformed moat-purpose value is refused with an example of the right form', () => {
  for (const raw of ['', 'Safety Evaluation', 'safety_evaluation,research', 'x'.repeat(65), 'évaluation']) {
    const r = checkPurposeHeader(raw, known);
    assert.ok(!r.ok, raw);
    assert.match(r.message, /malformed: send one purpose name of lowercase letters, digits and underscores, e\.g\. "safety_evaluation"/);
  }
});

test('an unknown purpose is refused naming the known ones', () => {
  const r = checkPurposeHeader('benchmarking', known);
  assert.deepEqual(r, { ok: false, message: 'The moat-purpose header names an unknown purpose "benchmarking"; known purposes: research, safety_evaluation.' });
});

test('header values are not echoed with control characters or unbounded length', () => {
  const r = checkPurposeHeader('bad\r\nx-injected: 1' + 'y'.repeat(500), known);
  assert.ok(!r.ok);
  assert.doesNotMatch(r.message, /[\r\n]/);
  assert.ok(r.message.length < 300);
});
