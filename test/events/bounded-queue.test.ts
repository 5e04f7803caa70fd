import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedQueue } from '../../src/events/bounded-queue.js';

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

test('taken items are no longer referenced by the queue (they must not outlive their consumer)', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const q = new BoundedQueue<{ payload: number[] }>(100);
  const refs: Array<WeakRef<object>> = [];
  const fill = (n: number) => {
    for (let i = 0; i < n; i++) {
      const item = { payload: new Array(100).fill(i) };
      refs.push(new WeakRef(item));
      q.push(item);
    }
  };
  fill(5);
  assert.equal((await q.take(3)).length, 3); // partial take: the rest stays queued
  assert.equal((await q.take(10)).length, 2); // drained
  fill(4);
  assert.equal((await q.take(10)).length, 4); // whole-array hand-over
  fill(3);
  // WeakRefs are kept alive until the current job ends; collect on a later turn.
  await new Promise((r) => setImmediate(r));
  gc();
  assert.deepEqual(refs.slice(0, 9).map((r) => r.deref() === undefined), new Array(9).fill(true));
  assert.deepEqual(refs.slice(9).map((r) => r.deref() !== undefined), [true, true, true]); // still queued
  assert.equal((await q.take(10)).length, 3);
});

test('bounded by bytes too: a push past the byte bound is dropped, take stops at a byte budget', async () => {
  const q = new BoundedQueue<{ n: number }>(100, undefined, { maxBytes: 1000, sizeOf: (x) => x.n });
  assert.equal(q.push({ n: 600 }), true);
  assert.equal(q.push({ n: 300 }), true);
  assert.equal(q.push({ n: 200 }), false); // 1100 > 1000
  assert.equal(q.dropped, 1);
  assert.equal(q.byteSize, 900);
  assert.deepEqual(await q.take(10, 700), [{ n: 600 }]); // the second would pass the budget
  assert.equal(q.byteSize, 300);
  assert.deepEqual(await q.take(10, 10), [{ n: 300 }]); // at least one item, whatever its size
  assert.equal(q.byteSize, 0);
  const big = new BoundedQueue<{ n: number }>(10, undefined, { maxBytes: 100, sizeOf: (x) => x.n });
  assert.equal(big.push({ n: 5000 }), true); // one item larger than the bound still passes an empty queue
  assert.equal(big.push({ n: 1 }), false);
});
