import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import { fanOut } from '../../src/events/fan-out.js';

test('every consumer gets every event; a full consumer drops only its own copies', async () => {
  const source = new BoundedQueue<number>(100);
  const fast = new BoundedQueue<number>(100);
  const slow = new BoundedQueue<number>(2);
  const { done } = fanOut(source, [fast, slow]);
  for (let i = 0; i < 5; i++) source.push(i);
  source.close();
  await done;
  assert.deepEqual(await fast.take(10), [0, 1, 2, 3, 4]);
  assert.deepEqual(await slow.take(10), [0, 1]);
  assert.equal(slow.dropped, 3);
  assert.equal(fast.dropped, 0);
  assert.deepEqual(await fast.take(), []);
});
