// Shared helpers for detection tests: fixture traces as parsed lines, the truth the simulator recorded, and linked
// clusters built as the linker builds them.
import { ensureFixtureTraces } from '../../src/simulator/build-fixtures.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../src/detection/data-path.js';
import { LinkAggregate } from '../../src/detection/linkage/link-aggregate.js';
import type { LinkRecord } from '../../src/detection/linkage/link-record.js';
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

/** The i-th draw of a fixed pseudo-random stream over the five capability topics (TOPICS' first five: a harvest's mix). */
export function capabilityTopicDraw(i: number): number {
  return Math.floor(((((Math.sin(i * 12.9898 + 78.233) * 43758.5453) % 1) + 1) % 1) * 5);
}

/**
 * A cluster's combined traffic, built as the linker builds it: the accounts' requests interleave (every account's
 * i-th before any (i+1)-th), each account keeps its own aggregate, all are merged once their `linkAfter`-th requests
 * are in, and every later request is added with its member's tally. `record(k, i, n)` is account k's i-th request,
 * the cluster's n-th, or undefined when the account has no i-th request.
 */
export function linkedCluster(accounts: number, longest: number, linkAfter: number, record: (k: number, i: number, n: number) => LinkRecord | undefined): LinkAggregate {
  const own = Array.from({ length: accounts }, () => new LinkAggregate());
  const c = new LinkAggregate();
  const joined = new Set<number>();
  let n = 0;
  for (let i = 0; i < longest; i++) {
    for (let k = 0; k < accounts; k++) {
      const r = record(k, i, n);
      if (!r) continue;
      n++;
      const isNew = own[k]!.add(r);
      if (joined.has(k)) c.add(r, isNew, own[k]!.tally);
    }
    if (i !== linkAfter) continue;
    for (let k = 0; k < accounts; k++) {
      c.merge(own[k]!);
      joined.add(k);
    }
  }
  return c;
}
