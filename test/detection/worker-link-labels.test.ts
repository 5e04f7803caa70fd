// A detect worker applies link records (its own and other workers') after judging the requests they came from, so
// a cluster rule's label is often attached while link records are applied, with no request left to judge. The
// label is published then: enforcement hears of it without waiting for the next request to the worker's
// partitions, and a worker stopped right after still publishes what its checkpoint records as fired.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type LabelEvent } from '../../src/detection/detector.js';
import { createDetectWorker } from '../../src/detection/stream/detect-worker.js';
import { publishTraceLine, streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { fixtureLines, stopWorkersAndClean } from './helpers.js';

const url = process.env.MOAT_TEST_REDIS_URL;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a label a link record brings is published with no request after it', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const assets = loadDetectionAssets();
  const clusterRules = new Set(assets.rules.filter((r) => r.spec.scope === 'cluster').map((r) => r.spec.id));
  const lines = fixtureLines('hydra.jsonl');
  const orgLines = lines.filter((l) => l.type === 'org');
  const reqs = lines.filter((l) => l.type === 'request').sort((a, b) => Date.parse((a as { ts: string }).ts) - Date.parse((b as { ts: string }).ts));
  // The trace up to the request whose link record first brings a cluster rule's label (in one detector, as replay).
  let first: LabelEvent | undefined;
  const d = createDetector({ ...assets, onLabel: (e) => void (first ??= e.rules.some((r) => clusterRules.has(r)) ? e : undefined) });
  for (const l of orgLines) d.ingest(l);
  let n = 0;
  while (!first && n < reqs.length) d.ingest(reqs[n++]!);
  assert.ok(first, 'the hydra fixture is labelled by a cluster rule');
  const sent: TraceLine[] = [...orgLines, ...reqs.slice(0, n)];

  const prefix = `moat-test-linklabels-${process.pid}-${Date.now()}`;
  const gw = new Redis(url!);
  const conn = new Redis(url!);
  const stop = new AbortController();
  let run: Promise<void> = Promise.resolve();
  try {
    for (const l of sent) await publishTraceLine(gw, prefix, 2, l);
    const w = await createDetectWorker({ redis: conn, prefix, partitions: 2, owned: [0, 1], consumer: 'w', assets, blockMs: 10, checkpointMs: 0 });
    run = w.run(stop.signal);
    const deadline = Date.now() + 30_000;
    while ((w.stats().requests < n || w.stats().links < n) && Date.now() < deadline) await sleep(20);
    assert.equal(w.stats().links, n, 'every link record applied');
    const labelled = () => w.detector.snapshot().orgs.some((o) => o.activities.some((a) => a.rules.some((r) => clusterRules.has(r))));
    assert.ok(labelled(), 'the worker attached the cluster label too');
    // Idle: no request comes after the one that completed the cluster.
    // Labels org rules attached come with their requests' batch; the cluster rule's is the one link records bring.
    const published = async () =>
      ((await gw.xrange(streamKeys(prefix).labels, '-', '+')) as Array<[string, string[]]>).filter(([, f]) => {
        const e = JSON.parse(f[f.indexOf('e') + 1] ?? '{}') as { rules?: string[] };
        return e.rules?.some((r) => clusterRules.has(r));
      }).length;
    const until = Date.now() + 5_000;
    while ((await published()) === 0 && Date.now() < until) await sleep(50);
    assert.ok((await published()) > 0, 'the cluster label is published while the worker waits for requests');
  } finally {
    await stopWorkersAndClean([{ stop, run }], gw, prefix, [gw, conn]);
  }
});
