// @ts-check
// Preloaded into a Moat process by bench/alloc-per-request.mjs (`node --import`): counts the bytes the main
// thread's V8 heap allocates between two SIGUSR2 signals. The first signal opens a window, the second closes it
// and prints one `ALLOC {...}` line. Allocation is read from V8's own heap statistics around every GC
// (v8.GCProfiler): bytes allocated = growth of the used heap between GCs, summed, plus the growth since the last
// one. It does not depend on how fast the machine is or how loaded, only on the work done. Buffers' backing
// stores live outside the V8 heap and are not counted (their JS objects are); the detection worker thread has
// its own heap and is not counted either. `promoted` is the old generation's growth across young collections: the
// bytes that survived two of them (or were kept alive from the old generation) and now wait for a full collection.
// With BENCH_HEAP_SAMPLE=FILE the window also runs V8's sampling heap profiler (every allocation, collected
// or not, sampled every 4 KiB on average) and writes it to FILE (.heapprofile, Chrome DevTools' format), to
// see which code allocates (bench/lib/summarize-heap-profile.mjs).
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

const sampleFile = process.env.BENCH_HEAP_SAMPLE;
const session = sampleFile ? new Session() : undefined;
session?.connect();
const post = (method, params = {}) => new Promise((resolve, reject) => session?.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));

/** @type {{ profiler: GCProfiler, startUsed: number, startMs: number, cpu: NodeJS.CpuUsage } | undefined} */
let open;

process.on('SIGUSR2', () => {
  if (!open) {
    const profiler = new GCProfiler();
    profiler.start();
    open = { profiler, startUsed: getHeapStatistics().used_heap_size, startMs: performance.now(), cpu: process.cpuUsage() };
    if (session)
      void post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true }).then(() => process.stderr.write('ALLOC-OPEN\n'));
    else process.stderr.write('ALLOC-OPEN\n');
    return;
  }
  if (session && sampleFile) void post('HeapProfiler.stopSampling').then((r) => writeFileSync(sampleFile, JSON.stringify(/** @type {any} */ (r).profile)));
  const endUsed = getHeapStatistics().used_heap_size;
  const cpu = process.cpuUsage(open.cpu);
  const stats = open.profiler.stop()?.statistics ?? [];
  let allocated = 0;
  let lastAfter = open.startUsed;
  let scavenges = 0;
  let majors = 0;
  let pauseUs = 0;
  let worstPauseUs = 0;
  // Promoted: what young collections moved to the old generation (its growth across each scavenge).
  let promoted = 0;
  const oldUsed = (h) => h.heapSpaceStatistics.find((x) => x.spaceName === 'old_space')?.spaceUsedSize ?? 0;
  for (const s of stats) {
    if (s.gcType === 'Scavenge') promoted += Math.max(0, oldUsed(s.afterGC) - oldUsed(s.beforeGC));
    allocated += Math.max(0, s.beforeGC.heapStatistics.usedHeapSize - lastAfter);
    lastAfter = s.afterGC.heapStatistics.usedHeapSize;
    if (s.gcType === 'Scavenge' || s.gcType === 'MinorMarkSweep') scavenges++;
    else if (s.gcType === 'MarkSweepCompact') majors++;
    pauseUs += s.cost;
    worstPauseUs = Math.max(worstPauseUs, s.cost);
  }
  allocated += Math.max(0, endUsed - lastAfter);
  const ms = performance.now() - open.startMs;
  open = undefined;
  process.stderr.write(`ALLOC ${JSON.stringify({ allocated, promoted, ms, gcs: stats.length, scavenges, majors, pauseUs: Math.round(pauseUs), worstPauseUs: Math.round(worstPauseUs), cpuUs: cpu.user + cpu.system })}\n`);
});
