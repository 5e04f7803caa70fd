import { test } from 'node:test';
import assert from 'node:assert/strict';
import { guardEvent, superviseLoop, type ConsumerHealth } from '../../src/events/consumer-supervisor.js';

function recorder() {
  const seen: string[] = [];
  const health: ConsumerHealth = {
    eventFailed: (c, e) => void seen.push(`failed ${c}: ${(e as Error).message}`),
    restarted: (c, e) => void seen.push(`restarted ${c}: ${(e as Error).message}`),
  };
  return { seen, health };
}

test('a failing event is reported and skipped; the others run', () => {
  const { seen, health } = recorder();
  const done: number[] = [];
  for (const n of [1, 2, 3])
    guardEvent(health, 'trace_writer', () => {
      if (n === 2) throw new Error('bad event');
      done.push(n);
    });
  assert.deepEqual(done, [1, 3]);
  assert.deepEqual(seen, ['failed trace_writer: bad event']);
});

test('a loop that dies is started again until it returns', async () => {
  const { seen, health } = recorder();
  let runs = 0;
  await superviseLoop('detection', health, async () => {
    runs++;
    if (runs < 3) throw new Error(`death ${runs}`);
  }, { restartDelayMs: 1 });
  assert.equal(runs, 3);
  assert.deepEqual(seen, ['restarted detection: death 1', 'restarted detection: death 2']);
});
