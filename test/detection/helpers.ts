// Shared helpers for detection tests: fixture traces as parsed lines, and the truth the simulator recorded.
import { ensureFixtureTraces } from '../../src/simulator/build-fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/detection/data-path.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { labelsPath, type ScenarioLabels } from '../../src/simulator/scenarios.js';
import type { Redis } from 'ioredis';

export function fixturePath(name: string): string {
  // Built from ../shared/data on first use; not committed (share-alike corpora).
  ensureFixtureTraces(repoRoot(), [name]);
  return join(repoRoot(), 'test', 'fixtures', 'traces', name);
}

export function fixtureLines(name: string): TraceLine[] {
  return readFileSync(fixturePath(name), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TraceLine)
    .filter((l) => l.type === 'org' || l.type === 'request');
}

export function fixtureLabels(name: string): ScenarioLabels {
  return JSON.parse(readFileSync(labelsPath(fixturePath(name)), 'utf8')) as ScenarioLabels;
}

/**
 * End of a stream-worker test: stops the workers still running (before their streams are deleted, so a failure
 * shows as itself and not as a read of a deleted stream), deletes the test's keys and closes its connections.
 */
export async function stopWorkersAndClean(running: ReadonlyArray<{ stop: AbortController; run: Promise<void> }>, redis: Redis, prefix: string, conns: readonly Redis[]): Promise<void> {
  for (const r of running) r.stop.abort();
  await Promise.allSettled(running.map((r) => r.run));
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await Promise.all(conns.map((c) => c.quit()));
}
