// Bytes the gateway's main thread allocates per request, with everything on (`moat start -c FILE` from dist/:
// key auth, policy decision, 7 memory limit counters, metering, trace file, detection on its worker thread,
// metrics), against the benchmark's fixed-response upstreams. Allocation per request is a property of the code,
// not of the machine's speed or load, so it is the figure to compare builds by on a shared machine; young-GC
// pauses (the latency tail) come from it. A heap-statistics preload (bench/lib/alloc-preload.mjs) counts the
// bytes allocated during each measured window; the window's requests come from wrk.
//   node bench/alloc-per-request.mjs [--seconds 5] [--rounds 3] [--kinds json,stream] [--base-root DIR]
//                                    [--node-args "--max-semi-space-size=32"] [--floor] [--no-build]
// --base-root runs a second build (another checkout, built) side by side, rounds alternating, for before/after;
// --floor adds the bare node:http + undici forwarder (bench/bare-floor.mjs), what any Node gateway allocates.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './lib/ensure-tools.mjs';
import { stopProcess } from './lib/processes.mjs';
import { runWrk } from './lib/wrk.mjs';
import { floorTarget, moatTarget, startUpstreams } from './lib/targets.mjs';
import { requestBody } from './lib/fixed-response.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const SECONDS = Number(opt('seconds', 5));
const ROUNDS = Number(opt('rounds', 3));
const CONNECTIONS = Number(opt('connections', 32));
const KINDS = opt('kinds', 'json,stream').split(',');
const BASE = opt('base-root', undefined);
const NODE_ARGS = opt('node-args', '').split(' ').filter(Boolean);
const BASE_NODE_ARGS = opt('base-node-args', opt('node-args', '')).split(' ').filter(Boolean);

ensureTools();
if (!argv.includes('--no-build')) spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });

/** User+system CPU time of a process, or of its main thread alone (`/proc/PID/task/PID`), in ms (10 ms ticks). */
function cpuMs(pid, mainThread = false) {
  const f = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** Sends SIGUSR2 and resolves the next `ALLOC` (or `ALLOC-OPEN`) line the process prints. */
function signal(p, prefix) {
  p.log.length = 0;
  p.child.kill('SIGUSR2');
  return new Promise((resolve, reject) => {
    const give = setTimeout(() => { clearInterval(t); reject(new Error(`no ${prefix} line from ${p.name}`)); }, 10_000);
    const t = setInterval(() => {
      const l = p.log.find((x) => x.startsWith(prefix));
      if (!l) return;
      clearInterval(t);
      clearTimeout(give);
      resolve(prefix === 'ALLOC ' ? JSON.parse(l.slice(prefix.length)) : undefined);
    }, 10);
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'moat-alloc-'));
const procs = [];
try {
  const up = await startUpstreams(bench, dir, procs);
  const preload = ['--import', join(bench, 'lib/alloc-preload.mjs')];
  const targets = [];
  if (BASE) targets.push(await moatTarget({ root: BASE, up, dir, name: 'base', nodeArgs: [...BASE_NODE_ARGS, ...preload], label: `base (${BASE})` }));
  targets.push(await moatTarget({ root, up, dir, name: 'this', nodeArgs: [...NODE_ARGS, ...preload], label: 'this checkout' }));
  if (argv.includes('--floor')) targets.push(await floorTarget({ bench, up, nodeArgs: preload }));
  for (const t of targets) procs.push(t.process);
  const wrkFor = (t, stream, extra) => runWrk({ url: `${stream ? t.streamUrl : t.url}/v1/chat/completions`, headers: t.headers(stream), body: requestBody(stream), dir, tag: `${t.name}-${stream}`, connections: CONNECTIONS, ...extra });

  // Warm-up (JIT, pools, first org line), then the idle allocation rate (timers: metering flush, version check).
  for (const t of targets) for (const k of KINDS) await wrkFor(t, k === 'stream', { seconds: 3 });
  const idle = {};
  for (const t of targets) {
    await signal(t.process, 'ALLOC-OPEN');
    await new Promise((r) => setTimeout(r, 2000));
    const a = await signal(t.process, 'ALLOC ');
    idle[t.name] = a.allocated / (a.ms / 1000);
  }
  const rows = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const kind of KINDS) {
      for (const t of round % 2 ? targets : [...targets].reverse()) {
        await signal(t.process, 'ALLOC-OPEN');
        const cpu0 = cpuMs(t.pid);
        const main0 = cpuMs(t.pid, true);
        const w = await wrkFor(t, kind === 'stream', { seconds: SECONDS });
        const cpu = cpuMs(t.pid) - cpu0;
        // The main thread bounds throughput at saturation; the process adds the detection thread and GC helpers.
        const mainCpu = cpuMs(t.pid, true) - main0;
        const a = await signal(t.process, 'ALLOC ');
        const backgroundBytes = idle[t.name] * (a.ms / 1000);
        const row = {
          round, target: t.name, kind, requests: w.requests, rps: Math.round(w.rps), errors: w.errors,
          bytes_per_request: Math.round(a.allocated / w.requests),
          bytes_per_request_less_idle: Math.round((a.allocated - backgroundBytes) / w.requests),
          promoted_per_request: Math.round(a.promoted / w.requests),
          scavenges: a.scavenges, requests_per_scavenge: Math.round(w.requests / Math.max(1, a.scavenges)), majors: a.majors,
          gc_pause_us_per_request: +(a.pauseUs / w.requests).toFixed(2), worst_pause_ms: +(a.worstPauseUs / 1000).toFixed(2),
          cpu_us_per_request: Math.round((cpu * 1000) / w.requests), main_cpu_us_per_request: Math.round((mainCpu * 1000) / w.requests), p99_ms: w.p99, load1: +loadavg()[0].toFixed(2),
        };
        rows.push(row);
        console.error(JSON.stringify(row));
      }
    }
  }
  console.log(`\nidle allocation (bytes/s, timers only): ${targets.map((t) => `${t.name} ${Math.round(idle[t.name])}`).join(', ')}`);
  console.log(`node args: this ${JSON.stringify(NODE_ARGS)}${BASE ? `, base ${JSON.stringify(BASE_NODE_ARGS)}` : ''}; ${ROUNDS} rounds × ${SECONDS} s × ${CONNECTIONS} connections; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| target | kind | bytes/request (median) | less idle timers | promoted bytes/request | requests per scavenge | GC pause µs/request | worst pause ms | CPU µs/request | main thread µs/request | req/s |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const t of targets)
    for (const kind of KINDS) {
      const rs = rows.filter((r) => r.target === t.name && r.kind === kind);
      const m = (k) => median(rs.map((r) => r[k]));
      console.log(`| ${t.label} | ${kind} | ${m('bytes_per_request')} | ${m('bytes_per_request_less_idle')} | ${m('promoted_per_request')} | ${m('requests_per_scavenge')} | ${m('gc_pause_us_per_request')} | ${Math.max(...rs.map((r) => r.worst_pause_ms))} | ${m('cpu_us_per_request')} | ${m('main_cpu_us_per_request')} | ${m('rps')} |`);
    }
} finally {
  for (const p of procs.reverse()) await stopProcess(p);
  rmSync(dir, { recursive: true, force: true });
}
