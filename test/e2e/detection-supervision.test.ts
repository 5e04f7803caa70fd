// Live detection on its worker thread is supervised: an event the thread cannot be sent is skipped and reported
// while its batch-mates are judged, and a thread that dies is replaced before the next batch, so detection
// never stops for the rest of the process's life.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigSchema } from '../../src/config/schema.js';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import type { ConsumerHealth } from '../../src/events/consumer-supervisor.js';
import type { RequestEvent } from '../../src/events/request-event.js';
import { silentLogger } from '../../src/ops/logger.js';
import { wireDetection } from '../../src/server/detection-wiring.js';
import { emptySnapshot } from '../../src/policy/policy-snapshot.js';
import type { PolicyView } from '../../src/view/policy-view.js';

const event = (id: string, body: unknown = { model: 'demo-gpt', messages: [{ role: 'user', content: `question ${id}` }] }): RequestEvent => ({
  id, ts: '2026-08-01T10:00:00.000Z', orgId: 'org_a', keyId: 'key_1', model: 'demo-gpt', api: 'openai', endpoint: '/v1/chat/completions',
  stream: false, client: { ip: '127.0.0.1' }, headers: {}, body, status: 200,
  usage: { input_tokens: 1, output_tokens: 1 }, responseText: 'answer', latencyMs: 1, tags: [],
});

async function wired(detectionConfig: Record<string, unknown> = {}) {
  const seen: string[] = [];
  const health: ConsumerHealth = { eventFailed: (c) => void seen.push(`failed ${c}`), restarted: (c) => void seen.push(`restarted ${c}`) };
  const snap = emptySnapshot();
  const view = { current: () => snap, onSwap: () => () => {} } as unknown as PolicyView;
  const queue = new BoundedQueue<RequestEvent>(100);
  const detection = await wireDetection({ config: ConfigSchema.parse({ detection: detectionConfig }), view, queue, enforcement: { onDetection: async () => {} }, logger: silentLogger(), health, restartDelayMs: 1 });
  return { detection, queue, seen };
}

test('an event that cannot be copied to the worker is skipped; the rest of its batch is judged', async () => {
  const { detection, queue, seen } = await wired();
  try {
    queue.push(event('r1'));
    queue.push(event('r2', { model: 'demo-gpt', messages: [], f: () => 1 })); // structured clone refuses functions
    queue.push(event('r3'));
    await detection.idle();
    assert.equal(detection.stats().events, 3);
    assert.deepEqual(seen, ['failed detection']);
    const snap = await detection.snapshot();
    assert.ok(snap, 'the worker still answers');
  } finally {
    queue.close();
    await detection.stop();
  }
});

test('a worker thread that dies is replaced before the next batch; detection keeps counting', async () => {
  const { detection, queue, seen } = await wired();
  try {
    queue.push(event('r1'));
    await detection.idle();
    await detection.terminateWorker?.();
    queue.push(event('r2'));
    queue.push(event('r3'));
    await detection.idle();
    const stats = detection.stats();
    assert.equal(stats.restarts, 1);
    assert.equal(stats.events, 3);
    assert.deepEqual(seen, ['restarted detection']);
    assert.ok(await detection.snapshot(), 'the new worker answers');
  } finally {
    queue.close();
    await detection.stop();
  }
});

test('events arriving one by one reach the worker thread many to a batch, and every one is judged', async () => {
  const trickle = async (d: Awaited<ReturnType<typeof wired>>) => {
    try {
      // 40 events, each on its own turn of the event loop, as requests finish under load.
      for (let i = 0; i < 40; i++) {
        d.queue.push(event(`r${i}`));
        await new Promise((r) => setImmediate(r));
      }
      await d.detection.idle();
      return d.detection.stats();
    } finally {
      d.queue.close();
      await d.detection.stop();
    }
  };
  const gathered = await trickle(await wired({ batchIntervalMs: 200 }));
  assert.equal(gathered.events, 40);
  assert.ok(gathered.batches <= 4, `40 events in ${gathered.batches} batches`);
  const eager = await trickle(await wired({ batchIntervalMs: 0 }));
  assert.equal(eager.events, 40);
  assert.ok(eager.batches > gathered.batches, `without the pause: ${eager.batches} batches`);
});
