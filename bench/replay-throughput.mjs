// Replay throughput and memory per active org of the detection pipeline, on one core.
// Run: node --expose-gc bench/replay-throughput.mjs [--scale 1] [--rounds 3] [--no-build]
// Throughput: the `mixed` simulated scenario written to a temp file and replayed end to end (read, parse,
// signals, rules, linkage, report); events/s by CPU time of this process (robust on a shared machine) and wall.
// Memory: heap growth per org after feeding many orgs their first 250 requests each (window full).
import { mkdtempSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compiled } from './lib/compiled.mjs';

const { writeScenario, simulate } = await compiled('simulator/scenarios.ts');
const { replayTrace } = await compiled('detection/replay.ts');
const { loadDetectionAssets } = await compiled('detection/assets.ts');
const { createDetector } = await compiled('detection/detector.ts');

const arg = (name, d) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const scale = arg('--scale', 1);
const rounds = arg('--rounds', 3);
const assets = loadDetectionAssets();
const dir = mkdtempSync(join(tmpdir(), 'moat-bench-'));
const trace = join(dir, 'mixed.jsonl');
const labels = await writeScenario({ scenario: 'mixed', seed: 1, scale, split: 'all' }, trace);
const bytes = statSync(trace).size;
console.log(`trace: ${labels.requests} requests, ${(bytes / 1e6).toFixed(1)} MB (${Math.round(bytes / labels.requests)} bytes/line avg)`);
for (let r = 0; r < rounds; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await replayTrace(createReadStream(trace), { assets });
  const cpu = process.cpuUsage(c0);
  const wall = performance.now() - t0;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`round ${r + 1}: ${Math.round(labels.requests / (cpuMs / 1000))} events/s (CPU ${cpuMs.toFixed(0)} ms), ${Math.round(labels.requests / (wall / 1000))} events/s wall`);
}

// Memory per active org: many orgs, each past the window size.
const orgs = 2000;
const per = 250;
const { lines } = simulate({ scenario: 'legit', seed: 2, scale: 0.4, split: 'all' });
const reqs = lines.filter((l) => l.type === 'request');
global.gc?.();
const before = process.memoryUsage().heapUsed;
const d = createDetector({ ...assets });
for (let i = 0; i < per; i++) for (let o = 0; o < orgs; o++) d.ingestRequest({ ...reqs[(i * orgs + o) % reqs.length], org: `org_${o}`, client: { ip: `10.${o >> 8}.${o & 255}.1` } });
global.gc?.();
const after = process.memoryUsage().heapUsed;
const kept = d.snapshot().orgs.length; // keeps the detector alive until after the measurement
console.log(`memory: ${kept} active orgs x ${per} requests: ${((after - before) / orgs / 1024).toFixed(1)} KiB per org (heap ${(after / 1e6).toFixed(0)} MB)${global.gc ? '' : ' [run with --expose-gc for accurate numbers]'}`);

// Checkpoint size (what a `moat detect` worker writes to Redis): JSON bytes per org with a full window.
const ck = d.checkpoint();
const orgBytes = ck.orgs.map((o) => Buffer.byteLength(JSON.stringify(o)));
orgBytes.sort((a, b) => a - b);
const linkBytes = Buffer.byteLength(JSON.stringify(ck.linkage));
console.log(`checkpoint: ${(Buffer.byteLength(JSON.stringify(ck.global)) / 1e6).toFixed(2)} MB global + ${(linkBytes / 1e6).toFixed(2)} MB linkage entries + per org (full window) median ${(orgBytes[orgBytes.length >> 1] / 1024).toFixed(1)} KiB, max ${(orgBytes.at(-1) / 1024).toFixed(1)} KiB`);
