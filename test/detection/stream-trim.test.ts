// The scale-out streams stay bounded: after a checkpoint a worker trims its partitions' events and the link
// records every worker has read, and the labels every gateway has acknowledged; org lines stay. A worker that
// joins after trimming starts from a peer's linkage and builds the clusters one detector builds over all traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector } from '../../src/detection/detector.js';
import { createDetectWorker, type DetectWorker } from '../../src/detection/stream/detect-worker.js';
import { compareStreamIds, ENFORCE_GROUP, publishTraceLines, streamKeys, type StreamEntries } from '../../src/detection/stream/redis-streams.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { fixtureLines, stopWorkersAndClean } from './helpers.js';
import { until } from '../support/until.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('detect workers trim what every reader has passed; a worker joining later starts from a peer\'s linkage', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set: skipping the stream trimming test' }, async () => {
  const prefix = `moat-test-trim-${process.pid}-${Date.now()}`;
  const P = 4;
  const lines: TraceLine[] = [...fixtureLines('hydra-merging.jsonl'), ...fixtureLines('safety-sweep.jsonl')];
  const orgs = lines.filter((l) => l.type === 'org');
  const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request').sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
  const half = Math.floor(reqs.length / 2);
  const assets = loadDetectionAssets();
  const conns = Array.from({ length: 3 }, () => new Redis(url!, { maxRetriesPerRequest: 2 }));
  const [gw, c1, c2] = conns as [Redis, Redis, Redis];
  const k = streamKeys(prefix);
  const all = [0, 1, 2, 3];
  const eventLengths = () => Promise.all(all.map((p) => gw.xlen(k.events(p))));
  const linksEnd = async () => ((await gw.xrevrange(k.links, '+', '-', 'COUNT', 1)) as StreamEntries)[0]?.[0] ?? '0';
  const judged = (w: DetectWorker) => w.detector.snapshot().orgs.reduce((n, o) => n + o.requests, 0);
  const attached = (w: DetectWorker) => w.detector.snapshot().orgs.reduce((n, o) => n + o.activities.length, 0);
  const running: Array<{ stop: AbortController; run: Promise<void> }> = [];
  const start = (w: DetectWorker) => {
    const r = { stop: new AbortController(), run: Promise.resolve() };
    r.run = w.run(r.stop.signal);
    running.push(r);
    return r;
  };
  try {
    await publishTraceLines(gw, prefix, P, orgs);
    await publishTraceLines(gw, prefix, P, reqs.slice(0, half));
    const w1 = await createDetectWorker({ redis: c1, prefix, partitions: P, owned: all, consumer: 'w1', assets, checkpointMs: 0 });
    const r1 = start(w1);
    // Every label it attached published too (those the last link records bring go out at the end of that step).
    await until(async () => judged(w1) === half && w1.stats().linkPosition === (await linksEnd()) && (await gw.xlen(k.labels)) === attached(w1), 'worker 1 to judge the first half');
    const labels = (await gw.xrange(k.labels, '-', '+')) as StreamEntries;
    assert.ok(labels.length >= 3, `labels attached in the first half: ${labels.length}`);
    // A gateway took three labels and acknowledged two of them: the third may still be retried by another gateway.
    await gw.xgroup('CREATE', k.labels, ENFORCE_GROUP, '0');
    const taken = (await gw.xreadgroup('GROUP', ENFORCE_GROUP, 'gw-1', 'COUNT', 3, 'STREAMS', k.labels, '>')) as Array<[string, StreamEntries]>;
    const ids = taken[0]![1].map(([id]) => id);
    await gw.xack(k.labels, ENFORCE_GROUP, ids[0]!, ids[1]!);

    // Another worker's position, older than worker 1's: the links are kept from there on.
    const tenth = ((await gw.xrange(k.links, '-', '+', 'COUNT', 10)) as StreamEntries)[9]![0];
    await gw.hset(k.linkReaders, 'w-behind', tenth);
    const before = await eventLengths();
    await w1.checkpoint();
    assert.equal(((await gw.xrange(k.links, '-', '+', 'COUNT', 1)) as StreamEntries)[0]![0], tenth);
    await gw.hdel(k.linkReaders, 'w-behind');
    await w1.checkpoint();
    // Each partition keeps only its checkpointed event (the position a restart rewinds to); org lines all stay.
    assert.deepEqual(await eventLengths(), before.map((n) => Math.min(n, 1)));
    assert.equal(w1.stats().trimmed.events, before.reduce((a, b) => a + Math.max(0, b - 1), 0));
    assert.equal(await gw.xlen(k.orgs), orgs.length);
    // The only reader of the links is at their end.
    assert.equal(await gw.xlen(k.links), 1);
    assert.deepEqual(await gw.hgetall(k.linkReaders), { w1: await linksEnd() });
    // Labels: from the oldest unacknowledged one on.
    const left = (await gw.xrange(k.labels, '-', '+')) as StreamEntries;
    assert.equal(left[0]![0], ids[2]);
    assert.equal(left.length, labels.length - 2);

    // Worker 1 judges 50 more and stops without a checkpoint (its link records for them are in the stream).
    await publishTraceLines(gw, prefix, P, reqs.slice(half, half + 50));
    await until(async () => judged(w1) === half + 50 && w1.stats().linkPosition === (await linksEnd()), 'worker 1 to judge 50 more');
    r1.stop.abort();
    await r1.run;

    // Worker 2 joins (the fleet reconfigured: it now owns every partition). The links before worker 1's last
    // checkpoint are gone, so it starts from worker 1's linkage and reads on from worker 1's position.
    const w2 = await createDetectWorker({ redis: c2, prefix, partitions: P, owned: all, consumer: 'w2', assets, checkpointMs: 0 });
    assert.equal(w2.restored, false);
    assert.equal(w2.seededFrom, 'w1');
    assert.equal((await gw.hgetall(k.linkReaders)).w2, (await gw.hgetall(k.linkReaders)).w1, 'registered at the position it reads from');
    const r2 = start(w2);
    await publishTraceLines(gw, prefix, P, reqs.slice(half + 50));
    await until(async () => w2.stats().linkPosition === (await linksEnd()) && judged(w2) === reqs.length - half - 50, 'worker 2 to judge the rest');
    r2.stop.abort();
    await r2.run;

    // Linkage equals one detector's over all the traffic, although no worker read every link record.
    const ref = createDetector({ ...assets });
    for (const l of [...orgs, ...reqs]) ref.ingest(l);
    const clusters = (cs: Array<{ orgs: string[] }>) => cs.map((c) => [...c.orgs].sort()).sort();
    assert.ok(ref.snapshot().clusters.some((c) => c.orgs.includes('org_h001_0') && c.orgs.length >= 5), 'the hydra is one cluster');
    assert.deepEqual(clusters(w2.detector.snapshot().clusters), clusters(ref.snapshot().clusters));

    // With every checkpoint lost (deleted to start afresh after an upgrade), a worker has no linkage to start from
    // and says the links were trimmed.
    assert.equal(w2.linksTrimmedBefore, undefined);
    await gw.del(k.checkpoint('w1'));
    const w3 = await createDetectWorker({ redis: c1, prefix, partitions: P, owned: all, consumer: 'w3', assets, checkpointMs: 0 });
    assert.equal(w3.seededFrom, undefined);
    assert.ok(w3.linksTrimmedBefore && compareStreamIds(w3.linksTrimmedBefore, tenth) > 0, `left from ${String(w3.linksTrimmedBefore)}`);
  } finally {
    await stopWorkersAndClean(running, gw, prefix, conns);
  }
});
