// A/B of two builds of Moat by CPU time per request, which a busy machine disturbs far less than throughput:
// both run side by side (memory limits, the same upstream), rounds alternate A and B at the same fixed rate,
// and each round reads the process's user+system CPU time from /proc before and after.
//   node bench/ab-cpu.mjs --base-root /path/to/other/checkout [--rounds 6 --rate 400 --seconds 5] [--redis URL]
// With --redis both run with Redis limits, and the local redis-server's CPU during each round is counted too
// (only one target sends at a time, so the server's CPU in a round is that target's).
// Both checkouts must be built (`npm run build`). Prints one JSON line per round and the ratio B/A of medians.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './lib/ensure-tools.mjs';
import { stopProcess } from './lib/processes.mjs';
import { runWrk } from './lib/wrk.mjs';
import { moatTarget, startUpstreams } from './lib/targets.mjs';
import { requestBody } from './lib/fixed-response.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const baseRoot = opt('base-root', undefined);
if (!baseRoot) throw new Error('--base-root DIR (a built checkout) is required');
const rounds = Number(opt('rounds', 6));
const rate = Number(opt('rate', 400));
const seconds = Number(opt('seconds', 5));
const connections = Math.max(4, Math.round(rate / 20));
const redisUrl = opt('redis', undefined);

/** User+system CPU time of a process, or of its main thread alone (`/proc/PID/task/PID`), in ms (10 ms ticks). */
function cpuMs(pid, mainThread = false) {
  const fields = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** The local redis-server's pid, when --redis names one on this machine. */
function redisPid() {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'redis-server') return Number(d);
    } catch {
      // a process that ended while listing
    }
  }
  return undefined;
}

ensureTools();
const dir = mkdtempSync(join(tmpdir(), 'moat-ab-'));
const procs = [];
try {
  const up = await startUpstreams(bench, dir, procs);
  const limits = redisUrl ? { redisUrl } : {};
  const a = await moatTarget({ root: baseRoot, up, dir, name: 'base', label: 'base', ...limits });
  procs.push(a.process);
  const b = await moatTarget({ root, up, dir, name: 'this', label: 'this checkout', ...limits });
  procs.push(b.process);
  const rpid = redisUrl ? redisPid() : undefined;
  const results = { base: [], this: [] };
  // The main thread alone: it bounds throughput at saturation (the detection thread runs beside it).
  const mainThread = { base: [], this: [] };
  const server = { base: [], this: [] };
  for (const t of [a, b]) await runWrk({ url: `${t.url}/v1/chat/completions`, headers: t.headers(), body: requestBody(false), seconds: 3, connections, rate, dir, tag: t.name });
  for (let r = 1; r <= rounds; r++) {
    // Alternate which goes first, so drift in the machine's load falls on both alike.
    for (const t of r % 2 ? [a, b] : [b, a]) {
      const before = cpuMs(t.pid);
      const mainBefore = cpuMs(t.pid, true);
      const serverBefore = rpid ? cpuMs(rpid) : 0;
      const w = await runWrk({ url: `${t.url}/v1/chat/completions`, headers: t.headers(), body: requestBody(false), seconds, connections, rate, dir, tag: t.name });
      const usPerRequest = ((cpuMs(t.pid) - before) * 1000) / w.requests;
      results[t.name].push(usPerRequest);
      const mainUs = ((cpuMs(t.pid, true) - mainBefore) * 1000) / w.requests;
      mainThread[t.name].push(mainUs);
      const serverUs = rpid ? ((cpuMs(rpid) - serverBefore) * 1000) / w.requests : undefined;
      if (serverUs !== undefined) server[t.name].push(serverUs);
      console.log(JSON.stringify({ round: r, target: t.name, requests: w.requests, cpu_us_per_request: Math.round(usPerRequest), main_thread_cpu_us_per_request: Math.round(mainUs), ...(serverUs !== undefined ? { redis_cpu_us_per_request: Math.round(serverUs) } : {}), p50_ms: w.p50, load1: loadavg()[0] }));
    }
  }
  const ma = median(results.base);
  const mb = median(results.this);
  const redisCpu = rpid ? { base_median_redis_cpu_us: Math.round(median(server.base)), this_median_redis_cpu_us: Math.round(median(server.this)) } : {};
  console.log(JSON.stringify({ base_median_cpu_us: Math.round(ma), this_median_cpu_us: Math.round(mb), ratio_this_over_base: +(mb / ma).toFixed(3), base_median_main_thread_us: Math.round(median(mainThread.base)), this_median_main_thread_us: Math.round(median(mainThread.this)), ...redisCpu, load1: loadavg()[0] }));
} finally {
  for (const p of procs.reverse()) await stopProcess(p);
}
