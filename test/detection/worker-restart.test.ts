// A detect worker that dies after its last checkpoint is replaced by a new one that resumes from the checkpoint
// and its stream position; the final verdicts equal one uninterrupted run over the same traffic. The checkpoint
// it resumes from is a full one plus incremental ones written over evictions and cluster merges.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type Detector, type DetectorCheckpoint } from '../../src/detection/detector.js';
import { createDetectWorker, type DetectWorker } from '../../src/detection/stream/detect-worker.js';
import { publishTraceLine, streamKeys } from '../../src/detection/stream/redis-streams.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { fixtureLines, stopWorkersAndClean } from './helpers.js';
import { until } from '../support/until.js';

const url = process.env.MOAT_TEST_REDIS_URL;

const localVerdicts = (ds: Detector[]) =>
  ds.flatMap((d) => d.snapshot().orgs.filter((o) => o.requests > 0).flatMap((o) => o.activities.map((a) => `${o.org}:${a.label}:${a.rules.join('+')}`))).sort();

test('detect worker restart: resume from checkpoint + stream position = uninterrupted verdicts, no double-counted links', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set: skipping the worker restart test' }, async () => {
  const prefix = `moat-test-restart-${process.pid}-${Date.now()}`;
  const P = 4;
  const lines: TraceLine[] = [...fixtureLines('hydra-merging.jsonl'), ...fixtureLines('scope-drift.jsonl'), ...fixtureLines('safety-sweep.jsonl')];
  const orgs = lines.filter((l) => l.type === 'org');
  const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request').sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  // Idle accounts leave the linkage state after 12 hours (a week by default): this 3-day trace then evicts some.
  // Single linkage (no second pair asked of a link into a cluster), so the hydra's accounts link in pairs and small
  // clusters that merge as it forms: with the default, its late accounts are borne out by members sharing its
  // harness and join its cluster one by one, and a checkpoint would see no merge to carry.
  const base = loadDetectionAssets();
  const assets = { ...base, linkage: { ...base.linkage, idle_eviction_hours: 12, corroborate_members: 0 } };
  const conns = Array.from({ length: 4 }, () => new Redis(url!, { maxRetriesPerRequest: 2 }));
  const [gw, c1, c2a, c2b] = conns as [Redis, Redis, Redis, Redis];
  const k = streamKeys(prefix);
  const linksEnd = async () => ((await gw.xrevrange(k.links, '+', '-', 'COUNT', 1)) as Array<[string, string[]]>)[0]?.[0] ?? '0';
  const caughtUp = async (ws: DetectWorker[], judged: number) => {
    const local = ws.reduce((n, w) => n + w.detector.snapshot().orgs.reduce((m, o) => m + o.requests, 0), 0);
    if (local !== judged) return false;
    const end = await linksEnd();
    return ws.every((w) => w.stats().linkPosition === end);
  };
  const publish = async (from: number, to: number) => {
    for (let i = from; i < to; i++) await publishTraceLine(gw, prefix, P, reqs[i]!);
  };
  // Workers still running when the test fails are stopped before their streams are deleted, so the failure shows
  // as itself and not as a worker's read of a deleted stream.
  const running: Array<{ stop: AbortController; run: Promise<void> }> = [];
  const start = (w: DetectWorker) => {
    const stop = new AbortController();
    const run = w.run(stop.signal);
    running.push({ stop, run });
    return { stop, run };
  };
  try {
    for (const o of orgs) await publishTraceLine(gw, prefix, P, o);
    const w1 = await createDetectWorker({ redis: c1, prefix, partitions: P, owned: [0, 2], consumer: 'w1', assets, checkpointMs: 0 });
    const w2a = await createDetectWorker({ redis: c2a, prefix, partitions: P, owned: [1, 3], consumer: 'w2', assets, checkpointMs: 0 });
    assert.equal(w2a.restored, false);
    // What worker 2's checkpoints carried.
    const written: Array<Pick<DetectorCheckpoint, 'full'> & { removed: number; merged: number }> = [];
    const ckOf = w2a.detector.checkpoint.bind(w2a.detector);
    w2a.detector.checkpoint = (opts) => {
      const ck = ckOf(opts);
      written.push({ full: ck.full, removed: ck.linkage.orgs.filter(([, e]) => !e).length, merged: ck.linkage.clusters.filter(([, e]) => !e).length });
      return ck;
    };
    const { stop: stop1, run: run1 } = start(w1);
    const { stop: stop2a, run: run2a } = start(w2a);

    const threeQ = Math.floor(reqs.length * 0.75);
    // Checkpoints at a twentieth (full), then incremental ones every 1.25% of the traffic up to two thirds, and one
    // as soon as worker 2's linkage holds a cluster root its last checkpoint did not. The hydra's sub-clusters merge
    // while it forms; one born and merged between two checkpoints is never written, so neither is its merge, and
    // when it is born depends on how the two workers' link records interleave. Looking after every 0.25% of the
    // traffic writes each root before it can merge away, unless it does so within that step.
    const step = 0.0025;
    const roots = () => new Set(ckOf({}).linkage.clusters.map(([root]) => root));
    const shares: number[] = [];
    let inCheckpoint = new Set<string>();
    let from = 0;
    for (let i = 0, share = 0.05; share <= 0.67; i++, share = 0.05 + i * step) {
      const to = Math.floor(reqs.length * share);
      await publish(from, to);
      await until(() => caughtUp([w1, w2a], to), `${share.toFixed(4)} of the traffic`);
      from = to;
      const now = roots();
      if (i % 5 === 0 || [...now].some((r) => !inCheckpoint.has(r))) {
        await w2a.checkpoint();
        shares.push(share);
        inCheckpoint = now;
      }
    }
    assert.deepEqual(written.map((w) => w.full), shares.map((_, i) => i === 0));
    const later = written.slice(1);
    assert.ok(later.some((w) => w.removed > 0) && later.some((w) => w.merged > 0), `evictions and merges between checkpoints: ${JSON.stringify(written)}`);
    // More traffic after the checkpoint, then worker 2 dies without another checkpoint: its state for these
    // events is lost, while its link records and labels for them are already in Redis.
    await publish(from, threeQ);
    await until(() => caughtUp([w1, w2a], threeQ), 'three quarters');
    const w2aJudgedAfterCheckpoint = w2a.stats().requests;
    stop2a.abort();
    await run2a;

    const w2b = await createDetectWorker({ redis: c2b, prefix, partitions: P, owned: [1, 3], consumer: 'w2', assets, checkpointMs: 0 });
    assert.equal(w2b.restored, true);
    const { stop: stop2b, run: run2b } = start(w2b);
    await publish(threeQ, reqs.length);
    await until(() => caughtUp([w1, w2b], reqs.length), 'all traffic');
    stop1.abort();
    stop2b.abort();
    await Promise.all([run1, run2b]);

    // The events judged after the checkpoint were judged again, and their repeated link records dropped by both.
    assert.deepEqual([w1.detector.snapshot().diagnostics, w2b.detector.snapshot().diagnostics].map((d) => d.out_of_order), [0, 0], "judged in order");
    assert.ok(w2b.stats().duplicateLinks > 0, 'worker 2 re-judged events after its checkpoint');
    assert.ok(w2b.stats().duplicateLinks <= w2aJudgedAfterCheckpoint);
    assert.equal(w1.stats().duplicateLinks, w2b.stats().duplicateLinks);

    // Reference: one uninterrupted detector over the same traffic.
    const ref = createDetector({ ...assets });
    for (const l of [...orgs, ...reqs]) ref.ingest(l);
    assert.deepEqual(localVerdicts([w1.detector, w2b.detector]), localVerdicts([ref]));
    assert.ok(localVerdicts([ref]).some((v) => v.startsWith('org_h001_0:distillation')));
    for (const w of [w1, w2b]) {
      assert.deepEqual(w.detector.snapshot().clusters.map((c) => c.orgs), ref.snapshot().clusters.map((c) => c.orgs));
      for (const o of w.detector.snapshot().orgs.filter((x) => x.requests > 0)) {
        // Windows, totals and the cluster's combined counters: nothing lost, nothing counted twice.
        assert.deepEqual(w.detector.features(o.org), ref.features(o.org), `${w === w1 ? "w1" : "w2b"} ${o.org}`);
      }
    }

    // A checkpoint written by an earlier layout (linkage inside the JSON value) is refused, saying what to do.
    await gw.set(k.checkpoint('w-old'), JSON.stringify({ version: 1, at: 0, global: { version: 2 }, positions: {} }));
    await assert.rejects(createDetectWorker({ redis: c1, prefix, partitions: P, owned: [0], consumer: 'w-old', assets, checkpointMs: 0 }), /has version 1 .*Delete .*:ckpt:w-old and .*:ckpt:w-old:\* to start this worker afresh/);
  } finally {
    await stopWorkersAndClean(running, gw, prefix, conns);
  }
});
