// A worker's checkpointed position of a partition never passes an event of that partition it has not judged:
// an event read in a later batch with an earlier time (a gateway whose clock is behind) waits behind the events
// of its partition held back before it. Otherwise a restart from that checkpoint skips the held events, and the
// trim after it deletes them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetectWorker } from '../../src/detection/stream/detect-worker.js';
import { publishTraceLines, streamKeys, partitionOf } from '../../src/detection/stream/redis-streams.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';

const url = process.env.MOAT_TEST_REDIS_URL;

test('a checkpoint never passes an event of its partition that is held back', { skip: url ? false : 'MOAT_TEST_REDIS_URL not set' }, async () => {
  const prefix = `moat-test-order-${process.pid}-${Date.now()}`;
  const P = 2;
  const k = streamKeys(prefix);
  const gw = new Redis(url!);
  const conn = new Redis(url!);
  // One org per partition.
  const orgs: string[] = [];
  for (let i = 0; orgs.length < P; i++) if (partitionOf(`org_${i}`, P) === orgs.length) orgs.push(`org_${i}`);
  const [a, b] = orgs as [string, string];
  const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();
  const req = (org: string, s: number): TraceRequestLine =>
    ({ type: 'request', id: `req_${org}_${s}`, ts: at(s), org, key: `key_${org}`, client: { ip: '10.0.0.1', user_agent: 'test' }, api: 'openai', body: { model: 'gpt-moat-1', messages: [{ role: 'user', content: `hello ${s}` }] }, response: { status: 200 } }) as unknown as TraceRequestLine;
  // Batches of 2. Step 1 reads a's 25 and 26 and b's 10 and 12 (b's full batch: nothing later than 12 is judged);
  // step 2 reads a's 15 (sent later by a gateway whose clock is behind) and b's 14 and 16.
  const lines = [req(a, 25), req(a, 26), req(a, 15), req(b, 10), req(b, 12), req(b, 14), req(b, 16)];
  // Partition 0's checkpointed position, and how many of its org's events were judged when it was written.
  const checkpoints: Array<{ at: string | undefined; judgedOfA: number }> = [];
  let judgedOf: (org: string) => number = () => 0;
  const multi = conn.multi.bind(conn);
  conn.multi = ((...args: Parameters<typeof conn.multi>) => {
    const tx = multi(...args);
    const set = tx.set.bind(tx);
    tx.set = ((key: string, value: string, ...rest: unknown[]) => {
      if (key === k.checkpoint('w')) checkpoints.push({ at: (JSON.parse(value) as { positions: { events: Record<string, string> } }).positions.events['0'], judgedOfA: judgedOf(a) });
      return (set as (...x: unknown[]) => typeof tx)(key, value, ...rest);
    }) as typeof tx.set;
    return tx;
  }) as typeof conn.multi;
  try {
    await publishTraceLines(gw, prefix, P, lines);
    const ids = ((await gw.xrange(k.events(0), '-', '+')) as Array<[string, string[]]>).map(([id]) => id);
    let tick = 0;
    // A checkpoint after every step.
    const w = await createDetectWorker({ redis: conn, prefix, partitions: P, owned: [0, 1], consumer: 'w', assets: loadDetectionAssets(), batch: 2, blockMs: 10, checkpointMs: 1, now: () => tick++ });
    judgedOf = (org) => w.detector.snapshot().orgs.find((o) => o.org === org)?.requests ?? 0;
    const stop = new AbortController();
    const run = w.run(stop.signal);
    const deadline = Date.now() + 10_000;
    while (w.stats().requests < lines.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    stop.abort();
    await run;
    assert.equal(w.stats().requests, lines.length);
    assert.ok(checkpoints.length >= 3, `checkpoints: ${checkpoints.length}`);
    // Partition 0's entries, in stream order: 25, 26, 15. A checkpoint naming an entry has judged it and every
    // entry before it (a restart resumes after it, and the trim removes what lies before it).
    assert.ok(checkpoints.some((c) => c.at === undefined), 'some checkpoint was written before partition 0 was judged');
    for (const c of checkpoints) if (c.at !== undefined) assert.equal(c.judgedOfA, ids.indexOf(c.at) + 1, `checkpoint at entry ${ids.indexOf(c.at) + 1} of partition 0 with ${c.judgedOfA} judged`);
  } finally {
    const keys = await gw.keys(`${prefix}:*`);
    if (keys.length) await gw.del(...keys);
    await gw.quit();
    await conn.quit();
  }
});
