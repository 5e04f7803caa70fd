// Shared helpers for detection tests: fixture traces as parsed lines, and the truth the simulator recorded.
import { ensureFixtureTraces } from '../../src/simulator/build-fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/detection/data-path.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { labelsPath, type ScenarioLabels } from '../../src/simulator/scenarios.js';

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

/** Waits until cond holds (polled every 25 ms), or fails naming what it waited for. */
export async function until(cond: () => Promise<boolean> | boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
