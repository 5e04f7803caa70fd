import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { Readable } from 'node:stream';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { replayTrace } from '../../src/detection/replay.js';
import { createDetectWorker } from '../../src/detection/stream/detect-worker.js';
import { publishTraceLine, streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { fixtureLines } from './helpers.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('2 gateways and 2 detect workers over Redis Streams reach the same verdicts as replay', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set: skipping the Redis scale-out test' }, async () => {
  const prefix = `moat-test-${process.pid}-${Date.now()}`;
  const P = 4;
  const lines: TraceLine[] = [...fixtureLines('hydra.jsonl'), ...fixtureLines('scope-drift.jsonl'), ...fixtureLines('safety-sweep.jsonl')];
  const orgs = lines.filter((l) => l.type === 'org');
  const reqs = lines.filter((l) => l.type === 'request').sort((a, b) => Date.parse((a as { ts: string }).ts) - Date.parse((b as { ts: string }).ts));
  const assets = loadDetectionAssets();
  const conns = Array.from({ length: 4 }, () => new Redis(url!, { maxRetriesPerRequest: 2 }));
  const [gwA, gwB, wA, wB] = conns as [Redis, Redis, Redis, Redis];
  try {
    const workers = await Promise.all([
      createDetectWorker({ redis: wA, prefix, partitions: P, owned: [0, 2], consumer: 'w1', assets }),
      createDetectWorker({ redis: wB, prefix, partitions: P, owned: [1, 3], consumer: 'w2', assets }),
    ]);
    const stop = new AbortController();
    const running = workers.map((w) => w.run(stop.signal));
    // Org facts first (the control plane), then each request through whichever gateway served it.
    for (const o of orgs) await publishTraceLine(gwA, prefix, P, o);
    // Gateways publish each event as they serve it, so the streams hold events in time order (events arriving out
    // of order are judged at arrival time and counted as out_of_order; their timing features then differ).
    for (let i = 0; i < reqs.length; i++) await publishTraceLine(i % 2 ? gwB : gwA, prefix, P, reqs[i]!);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const s = workers.map((w) => w.stats());
      if (s[0]!.requests + s[1]!.requests === reqs.length && s.every((x) => x.links === reqs.length)) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    stop.abort();
    await Promise.all(running);
    const s = workers.map((w) => w.stats());
    assert.equal(s[0]!.requests + s[1]!.requests, reqs.length);
    assert.ok(s[0]!.requests > 0 && s[1]!.requests > 0, 'both workers took partitions');

    const verdicts = (entries: Array<{ org: string; activities: Array<{ label: string }> }>) =>
      entries.flatMap((o) => o.activities.map((a) => `${o.org}:${a.label}`)).sort();
    const live = verdicts(workers.flatMap((w) => w.detector.snapshot().orgs.filter((o) => o.requests > 0)));
    const text = [...orgs, ...reqs].map((l) => JSON.stringify(l)).join('\n') + '\n';
    const replay = await replayTrace(Readable.from([Buffer.from(text)]), { assets });
    assert.deepEqual(workers.map((w) => w.detector.snapshot().diagnostics.out_of_order), [0, 0], 'judged in order');
    assert.deepEqual(live, verdicts(replay.orgs));
    assert.ok(live.includes('org_h001_0:distillation') && live.includes('org_safetylab_0:scope_violation') && live.includes('org_redteam_0:safety_probing'));
    // Every worker built the same cluster over all accounts, whichever worker owns them.
    const clusters = workers.map((w) => JSON.stringify(w.detector.snapshot().clusters));
    assert.equal(clusters[0], clusters[1]);
    const hydraCluster = workers[0]!.detector.snapshot().clusters.find((c) => c.orgs.includes('org_h001_0'));
    assert.ok(hydraCluster && hydraCluster.orgs.length >= 5, 'the hydra is one cluster');
    const labelsLen = await gwA.xlen(streamKeys(prefix).labels);
    assert.equal(labelsLen, live.length);
  } finally {
    const keys = await gwA.keys(`${prefix}:*`);
    if (keys.length) await gwA.del(...keys);
    await Promise.all(conns.map((c) => c.quit()));
  }
});
