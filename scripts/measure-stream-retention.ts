// Redis memory of the detection streams while one `moat detect` worker judges a simulated trace, with the
// streams trimmed after each checkpoint (default) or kept (`keep`); docs/detection.md, "Bounded streams".
//   REDIS_URL=redis://127.0.0.1:6379 npx tsx scripts/measure-stream-retention.ts [trim|keep] [seed]
import { Redis } from 'ioredis';
import { loadDetectionAssets } from '../src/detection/assets.js';
import { createDetectWorker } from '../src/detection/stream/detect-worker.js';
import { publishTraceLines, streamKeys } from '../src/detection/stream/redis-streams.js';
import { simulate } from '../src/simulator/scenarios.js';
import type { TraceRequestLine } from '../src/events/trace-format.js';

const trim = process.argv[2] !== 'keep';
const P = 8;
const { lines } = simulate({ scenario: 'mixed', seed: Number(process.argv[3] ?? 1) });
const orgs = lines.filter((l) => l.type === 'org');
const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request');
const prefix = `moat-measure-retention-${Date.now()}`;
const k = streamKeys(prefix);
const gw = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const wr = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const assets = loadDetectionAssets();
await publishTraceLines(gw, prefix, P, orgs);
const w = await createDetectWorker({ redis: wr, prefix, partitions: P, owned: Array.from({ length: P }, (_, p) => p), consumer: 'w0', assets, checkpointMs: 1000, trim });
const stop = new AbortController();
const run = w.run(stop.signal);
const mem = async () => {
  let bytes = 0, entries = 0;
  for (const key of [k.orgs, k.links, k.labels, ...Array.from({ length: P }, (_, p) => k.events(p))]) {
    bytes += Number((await gw.memory('USAGE', key, 'SAMPLES', 0)) ?? 0);
    entries += await gw.xlen(key);
  }
  return { bytes, entries };
};
const t0 = Date.now();
let peak = 0;
for (let i = 0; i < reqs.length; i += 2000) {
  await publishTraceLines(gw, prefix, P, reqs.slice(i, i + 2000));
  while (w.stats().requests < Math.min(reqs.length, i + 2000) - 2000) await new Promise((r) => setTimeout(r, 50));
  const m = await mem();
  peak = Math.max(peak, m.bytes);
  if ((i / 2000) % 5 === 0) console.log(`${i + 2000} published, ${w.stats().requests} judged: streams ${m.entries} entries, ${(m.bytes / 1e6).toFixed(1)} MB`);
}
while (w.stats().requests < reqs.length) await new Promise((r) => setTimeout(r, 50));
await new Promise((r) => setTimeout(r, 1500));
await w.checkpoint();
const end = await mem();
console.log(JSON.stringify({ trim, requests: reqs.length, orgs: orgs.length, seconds: (Date.now() - t0) / 1000, peakMB: peak / 1e6, endMB: end.bytes / 1e6, endEntries: end.entries, trimmed: w.stats().trimmed }));
stop.abort();
await run;
const keys = await gw.keys(`${prefix}*`);
if (keys.length) await gw.del(...keys);
gw.disconnect();
wr.disconnect();
