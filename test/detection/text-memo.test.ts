import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createTextMemo } from '../../src/detection/text/text-memo.js';

test('the memo returns what was kept for the same text and tag, and nothing for another tag', () => {
  const m = createTextMemo<string>(4, 100);
  m.set('how do I sort a list?', 0, 'coding');
  assert.equal(m.get('how do I sort a list?', 0), 'coding');
  assert.equal(m.get('how do I sort a list?', 3), undefined);
  assert.equal(m.get('how do I sort a list', 0), undefined);
  m.set('how do I sort a list?', 3, 'coding with cues');
  assert.equal(m.get('how do I sort a list?', 3), 'coding with cues');
  assert.equal(m.get('how do I sort a list?', 0), undefined);
});

test('texts longer than the memo keeps are not kept', () => {
  const m = createTextMemo<number>(4, 10);
  m.set('a'.repeat(11), 0, 1);
  assert.equal(m.get('a'.repeat(11), 0), undefined);
  assert.equal(m.size, 0);
});

test('the memo never holds more than two generations of entries, and a text in use survives a turnover', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 16 }), fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 400 }), (capacity, keys) => {
      const m = createTextMemo<number>(capacity, 100);
      for (const k of keys) {
        const v = m.get(`t${k}`, 0);
        if (v !== undefined) assert.equal(v, k);
        else m.set(`t${k}`, 0, k);
        assert.ok(m.size <= 2 * capacity, `size ${m.size} with capacity ${capacity}`);
      }
    }),
  );
  // Used while in the previous generation, it is carried into the current one.
  const m = createTextMemo<number>(2, 100);
  m.set('a', 0, 1);
  m.set('b', 0, 2);
  m.set('c', 0, 3); // turnover: a and b are now the previous generation
  assert.equal(m.get('a', 0), 1);
  m.set('d', 0, 4); // turnover: b is gone, a (used) was carried
  assert.equal(m.get('a', 0), 1);
  assert.equal(m.get('b', 0), undefined);
});
