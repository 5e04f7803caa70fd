// One command for the gateway benchmark: `npm run bench` from the repository root (`-- --quick` for a ~2 minute
// validation run, `-- --profile` to also profile Moat at saturation). Installs nginx and wrk when missing,
// builds Moat, starts the upstreams (nginx fixed response; Node SSE mock) and each target in its own process,
// then interleaves the targets over several rounds. Writes bench/results/<date>.{json,md,svg}. Besides Moat,
// nginx and Portkey, the targets include the bare-Node floor (bench/bare-floor.mjs: node:http + undici, no
// features), and the report gives same-run ratios of Moat to the floor and to nginx (bench/lib/ratio-report.mjs).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTools } from './lib/ensure-tools.mjs';
import { stopProcess, sampleRss } from './lib/processes.mjs';
import { runWrk } from './lib/wrk.mjs';
import { directTarget, floorTarget, nginxTarget, moatTarget, portkeyTarget, startUpstreams } from './lib/targets.mjs';
import { ANSWER, longStreamBody, requestBody } from './lib/fixed-response.mjs';
import { summarise, markdown, svgPlot } from './lib/report.mjs';
import { ratioMarkdown, summariseRatios } from './lib/ratio-report.mjs';
import { summariseProfile } from './lib/summarize-profile.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const argv = process.argv.slice(2);
const flag = (n) => argv.includes(`--${n}`);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const quick = flag('quick');
const P = {
  rounds: Number(opt('rounds', quick ? 2 : 3)),
  saturationSeconds: Number(opt('saturation-seconds', quick ? 4 : 10)),
  rateSeconds: Number(opt('rate-seconds', quick ? 3 : 5)),
  rates: opt('rates', quick ? '200,1000' : '200,500,1000,2000').split(',').map(Number),
  streamRate: Number(opt('stream-rate', 200)),
  connections: Number(opt('connections', 32)),
  redisUrl: opt('redis', process.env.MOAT_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'),
  only: opt('targets', 'direct,nginx,floor,moat-memory,moat-nodetect,moat-redis,portkey').split(','),
  // Open-loop non-streaming rate of the ratio table, and the rate of the long (500-chunk) streams.
  openRate: Number(opt('open-rate', 1000)),
  longRate: Number(opt('long-rate', 10)),
  // Young generation of the `moat-semi` target (MiB per semi-space), against Node's default in moat-memory.
  semiSpaceMiB: Number(opt('semi-space', 64)),
  // A/B against another build of Moat: a checkout built with `npm run build` (e.g. the commit before a change).
  baseRoot: opt('base-root', undefined),
};
const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

ensureTools();
if (!existsSync(join(bench, 'node_modules/@portkey-ai/gateway'))) throw new Error('run `npm --prefix bench install` first (npm run bench does)');
log('building Moat (npm run build)');
const build = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, encoding: 'utf8' });
if (build.status !== 0) log(`build reported errors (continuing with dist/ as emitted):\n${(build.stdout + build.stderr).slice(0, 2000)}`);

const dir = mkdtempSync(join(tmpdir(), 'moat-bench-'));
const load = { before: loadavg() };
const loadSamples = [];
const loadTimer = setInterval(() => loadSamples.push(loadavg()[0]), 5000);
const procs = [];
const targets = [];
const rounds = [];
let profile;

async function checkTarget(t) {
  for (const stream of [false, true]) {
    const res = await fetch(`${stream ? t.streamUrl : t.url}/v1/chat/completions`, { method: 'POST', headers: t.headers(stream), body: requestBody(stream) });
    const text = await res.text();
    if (res.status !== 200 || !text.includes(stream ? '[DONE]' : ANSWER.slice(0, 24))) throw new Error(`${t.name} ${stream ? 'stream' : 'json'} smoke test: ${res.status} ${text.slice(0, 300)}`);
  }
}

function openLoop(t, rate, seconds, { stream = true, path = '/v1/chat/completions', body = requestBody(stream) } = {}) {
  const args = JSON.stringify({ url: `${stream ? t.streamUrl : t.url}${path}`, headers: t.headers(stream), body, rate, seconds, warmupSeconds: 1 });
  return new Promise((resolve, reject) => {
    const out = execFileSync(process.execPath, [join(bench, 'open-loop.mjs'), args], { encoding: 'utf8', cwd: root });
    try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch (e) { reject(e); }
  });
}

const wrkFor = (t, extra) => runWrk({ url: `${t.url}/v1/chat/completions`, headers: t.headers(false), body: requestBody(false), dir, tag: t.name, ...extra });

try {
  log(`machine: ${cpus().length} cpus (${cpus()[0]?.model}), load average ${load.before.map((x) => x.toFixed(2)).join(' ')}; temp ${dir}`);
  const up = await startUpstreams(bench, dir, procs);
  const starters = {
    direct: async () => directTarget(up),
    nginx: () => nginxTarget(up, dir),
    'moat-memory': () => moatTarget({ root, up, dir, name: 'moat-memory' }),
    // Same as moat-memory with live detection on the main thread (detection.worker false), to compare.
    'moat-inproc': () => moatTarget({ root, up, dir, name: 'moat-inproc', configOverrides: { detection: { worker: false } }, label: 'Moat, memory limits, detection on the main thread' }),
    'moat-redis': () => moatTarget({ root, up, dir, name: 'moat-redis', redisUrl: P.redisUrl }),
    // Everything on but live detection (no worker thread, no detection queue).
    'moat-nodetect': () => moatTarget({ root, up, dir, name: 'moat-nodetect', configOverrides: { detection: { enabled: false } }, label: 'Moat, memory limits, detection off' }),
    // Everything on, with a larger young generation (fewer scavenges).
    'moat-semi': () => moatTarget({ root, up, dir, name: 'moat-semi', nodeArgs: [`--max-semi-space-size=${P.semiSpaceMiB}`], label: `Moat, memory limits, --max-semi-space-size=${P.semiSpaceMiB}` }),
    floor: () => floorTarget({ bench, up }),
    portkey: () => portkeyTarget({ bench, up }),
    // The same as moat-memory, from the checkout given by --base-root (interleaved with the others, round by round).
    'moat-base': () => moatTarget({ root: P.baseRoot, up, dir, name: 'moat-base', label: `Moat, memory limits, built from ${P.baseRoot}` }),
    'moat-base-redis': () => moatTarget({ root: P.baseRoot, up, dir, name: 'moat-base-redis', redisUrl: P.redisUrl, label: `Moat, Redis limits, built from ${P.baseRoot}` }),
  };
  if (P.only.some((t) => t.startsWith('moat-base')) && !P.baseRoot) throw new Error('--targets moat-base and moat-base-redis need --base-root DIR (a built checkout)');
  for (const name of P.only) {
    const t = await starters[name]();
    if (t.process) procs.push(t.process);
    await checkTarget(t);
    targets.push(t);
    log(`started ${t.label} at ${t.url} (pid ${t.pid})`);
  }
  log('warm-up: 3 s at saturation per target');
  for (const t of targets) await wrkFor(t, { seconds: 3, connections: P.connections });

  for (let round = 1; round <= P.rounds; round++) {
    for (const t of targets) {
      const rss = sampleRss(t.pid);
      const saturation = await wrkFor(t, { seconds: P.saturationSeconds, connections: P.connections });
      const rssPeakKiB = rss.stop();
      const fixed = [];
      for (const rate of P.rates) {
        const connections = Math.max(4, Math.round(rate / 20)); // each connection sends every ~50 ms on average
        fixed.push({ rate, ...(await wrkFor(t, { seconds: P.rateSeconds, connections, rate })) });
      }
      const st = await openLoop(t, P.streamRate, P.rateSeconds);
      // The ratio table's cells: one connection, closed loop; non-streaming open loop; the long streams of both doors.
      const c1 = await wrkFor(t, { seconds: P.rateSeconds, connections: 1 });
      const open = await openLoop(t, P.openRate, P.rateSeconds, { stream: false });
      const long = {
        openai: await openLoop(t, P.longRate, P.rateSeconds, { body: longStreamBody('openai') }),
        anthropic: await openLoop(t, P.longRate, P.rateSeconds, { path: '/v1/messages', body: longStreamBody('anthropic') }),
      };
      const row = { round, target: t.name, saturation, rssPeakKiB, fixed, stream: st, c1, open, long, load1: loadavg()[0] };
      rounds.push(row);
      log(`round ${round} ${t.name}: ${saturation.rps.toFixed(0)} req/s, RSS ${(rssPeakKiB / 1024).toFixed(0)} MiB, ` +
        fixed.map((f) => `@${f.rate}: p50 ${f.p50.toFixed(3)} p99 ${f.p99.toFixed(3)} (${f.rps.toFixed(0)}/s)`).join(', ') +
        `, stream TTFB p50 ${st.p50.toFixed(3)} p99 ${st.p99.toFixed(3)}, c=1 p50 ${c1.p50.toFixed(3)}, @${P.openRate} open p50 ${open.end_p50.toFixed(3)} p99 ${open.end_p99.toFixed(3)}, ` +
        `long chat ${long.openai.p50.toFixed(2)}/${long.openai.end_p50.toFixed(2)}, long messages ${long.anthropic.p50.toFixed(2)}/${long.anthropic.end_p50.toFixed(2)} ms, load ${row.load1.toFixed(2)}`);
    }
  }

  if (flag('profile')) {
    log('profile: Moat (memory limits) restarted with --cpu-prof, one saturation run');
    const profDir = join(dir, 'profile');
    mkdirSync(profDir, { recursive: true });
    const t = await moatTarget({ root, up, dir, name: 'moat-profiled', profileDir: profDir });
    await wrkFor(t, { seconds: 3, connections: P.connections });
    const sat = await wrkFor(t, { seconds: P.saturationSeconds, connections: P.connections });
    await stopProcess(t.process);
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    profile = { rps: sat.rps, ...(file ? summariseProfile(join(profDir, file), root, { lastSeconds: P.saturationSeconds + 1 }) : { error: 'no profile written' }) };
    log(`profile: ${JSON.stringify(profile.modules?.slice(0, 8))}`);
  }
} finally {
  clearInterval(loadTimer);
  for (const p of procs.reverse()) await stopProcess(p);
}

load.after = loadavg();
load.during_1min_samples = loadSamples;
const labels = Object.fromEntries(targets.map((t) => [t.name, t.label]));
const summary = summarise(rounds, targets.map((t) => t.name), P.rates);
const ratioSummary = summariseRatios(rounds, targets.map((t) => t.name));
const date = new Date().toISOString().replace(/:/g, '-').slice(0, 19);
const machine = {
  nproc: cpus().length, model: cpus()[0]?.model, memory_gib: +(totalmem() / 2 ** 30).toFixed(1), node: process.version,
  nginx: spawnSync('/usr/sbin/nginx', ['-v'], { encoding: 'utf8' }).stderr.trim(),
  wrk: spawnSync('wrk', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim(),
  portkey: JSON.parse(readFileSync(join(bench, 'node_modules/@portkey-ai/gateway/package.json'), 'utf8')).version,
  hono_node_server: JSON.parse(readFileSync(join(bench, 'node_modules/@hono/node-server/package.json'), 'utf8')).version,
  load,
};
const results = { date: new Date().toISOString(), quick, params: P, machine, summary, ratios: ratioSummary, rounds, profile };
const outDir = join(bench, 'results');
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, `${date}.json`), JSON.stringify(results, null, 2) + '\n');
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const md = `# Gateway benchmark ${results.date}${quick ? ' (quick)' : ''}\n\nMachine: ${machine.nproc} × ${machine.model}, ${machine.memory_gib} GiB, Node ${machine.node}; ` +
  `load average before ${load.before[0].toFixed(2)}, during (mean of 1-min samples) ${mean(loadSamples).toFixed(2)}, after ${load.after[0].toFixed(2)}. ` +
  `${P.rounds} rounds, saturation ${P.saturationSeconds} s × ${P.connections} connections, fixed rates ${P.rates.join(', ')} req/s for ${P.rateSeconds} s, streams at ${P.streamRate}/s.\n\n` +
  markdown(summary, labels, P.rates) +
  `\n## Against the bare-Node floor and nginx (same run)\n\n` + ratioMarkdown(ratioSummary, labels, P.openRate) +
  (profile?.modules ? `\nProfile of Moat at saturation (${profile.rps.toFixed(0)} req/s; self time, % of busy):\n\n| module | % |\n| --- | --- |\n${profile.modules.map((m) => `| ${m.name} | ${m.pct_of_busy.toFixed(1)} |`).join('\n')}\n\n| function | % |\n| --- | --- |\n${profile.functions.map((m) => `| ${m.name} | ${m.pct_of_busy.toFixed(1)} |`).join('\n')}\n` : '');
writeFileSync(join(outDir, `${date}.md`), md);
const svg = svgPlot(summary, labels, P.rates, `Added latency vs offered load (${results.date.slice(0, 10)}, load avg ${mean(loadSamples).toFixed(1)})`);
writeFileSync(join(outDir, `${date}.svg`), svg);
writeFileSync(join(outDir, 'latest.svg'), svg);
console.log(md);
console.log(`wrote bench/results/${date}.json, .md, .svg (and latest.svg)`);

if (!flag('no-replay') && existsSync(join(bench, 'replay-throughput.mjs'))) {
  log('detection replay throughput (bench/replay-throughput.mjs, one process = one core)');
  // /usr/bin/time -v reports the replay process's peak RSS (the whole process: trace reading, detector, heap).
  const r = spawnSync('/usr/bin/time', ['-v', process.execPath, '--expose-gc', '--import', 'tsx', join(bench, 'replay-throughput.mjs'), '--rounds', quick ? '1' : '3'], { cwd: root, encoding: 'utf8' });
  const peak = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
  const text = [r.stdout.trim(), peak ? `peak RSS of the replay process: ${(Number(peak) / 1024).toFixed(0)} MiB` : 'peak RSS: unavailable (no /usr/bin/time)'].join('\n');
  console.log(`\n## Detection replay\n\n\`\`\`\n${text}\n\`\`\`\n`);
  writeFileSync(join(outDir, `${date}-replay.txt`), text + '\n');
}

if (!flag('no-eval')) {
  // Detection quality: the eval scenarios (labels, requests-to-detect, false labels and actions per actor).
  log('detection quality (npm run eval:detect)');
  const e = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'scripts', 'eval-detect.ts'), ...(quick ? ['--quick'] : [])], { cwd: root, encoding: 'utf8' });
  const text = (e.stdout + e.stderr).trim();
  console.log(`\n## Detection quality (exit ${e.status})\n\n\`\`\`\n${text}\n\`\`\`\n`);
  writeFileSync(join(outDir, `${date}-eval.txt`), `exit ${e.status}\n${text}\n`);
}
rmSync(dir, { recursive: true, force: true });
