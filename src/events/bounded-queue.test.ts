import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from './bounded-queue.js';

test('push never blocks: overflow is dropped and counted', () => {
  let drops = 0;
  const q = new BoundedQueue<number>(3, () => drops++);
  assert.deepEqual([1, 2, 3, 4, 5].map((i) => q.push(i)), [true, true, true, false, false]);
  assert.equal(q.dropped, 2);
  assert.equal(drops, 2);
  assert.equal(q.size, 3);
});

test('take waits for items, returns in order, and drains after close', async () => {
  const q = new BoundedQueue<number>(10);
  const pending = q.take(2);
  q.push(1);
  q.push(2);
  q.push(3);
  assert.deepEqual(await pending, [1, 2]); // batches what arrived, up to max
  assert.deepEqual(await q.take(5), [3]);
  q.push(4);
  q.close();
  assert.deepEqual(await q.take(), [4]);
  assert.deepEqual(await q.take(), []);
  assert.equal(q.push(5), false);
});
