// Where Moat's latency tail comes from: runs Moat (built dist/, the benchmark's "everything on" config) at a
// fixed rate under wrk with an event-loop delay monitor preloaded (bench/lib/eld-preload.mjs), once per config
// variant, and prints per variant: event-loop delay p99/max, stalls > 1/2/5 ms, added p50/p99 over the direct
// upstream, CPU µs per request. Variants switch off one periodic/background job each, to attribute stalls.
// Usage: node bench/eld-probe.mjs [--rate 1000] [--seconds 10] [--variants all,no-detection,...] [--no-build]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopProcess } from './lib/processes.mjs';
import { startNginxUpstream } from './lib/nginx.mjs';
import { runWrk } from './lib/wrk.mjs';
import { ensureTools } from './lib/ensure-tools.mjs';
import { directTarget, moatTarget } from './lib/targets.mjs';
import { requestBody } from './lib/fixed-response.mjs';

const bench = dirname(fileURLToPath(import.meta.url));
const root = dirname(bench);
const argv = process.argv.slice(2);
const opt = (n, d) => (argv.includes(`--${n}`) ? argv[argv.indexOf(`--${n}`) + 1] : d);
const RATE = Number(opt('rate', 1000));
const SECONDS = Number(opt('seconds', 10));
const REPEAT = Number(opt('repeat', 1));
// Extra node flags for the Moat process, e.g. --node-args=--trace-gc (its lines go to <variant>.log with --log-dir).
const NODE_ARGS = opt('node-args', '').split(' ').filter(Boolean);
const LOG_DIR = opt('log-dir', '');
const VARIANTS = {
  all: {},
  'detection-in-process': { detection: { worker: false } },
  'no-detection': { detection: { enabled: false } },
  'no-trace-file': { events: { traceFile: undefined } },
  'no-metering-flush': { metering: { flushMs: 3_600_000 } },
  'no-version-check': { view: { versionCheckMs: 3_600_000, maxStalenessMs: 7_200_000 } },
  'no-request-log': { requestLog: { enabled: false } },
  'no-webhook-poll': { enforcement: { deliveryIntervalMs: 3_600_000 } },
  // The store on PostgreSQL instead of the embedded PGlite (a new database each run, made with psql; BENCH_PG_HOST).
  'postgres': () => ({ databaseUrl: freshPostgresDatabase() }),
  'none': { detection: { enabled: false }, metering: { flushMs: 3_600_000 }, view: { versionCheckMs: 3_600_000, maxStalenessMs: 7_200_000 }, enforcement: { deliveryIntervalMs: 3_600_000 }, requestLog: { enabled: false } },
};
const PG_HOST = process.env.BENCH_PG_HOST ?? '127.0.0.1';
const psql = (sql) => spawnSync('psql', ['-h', PG_HOST, '-U', 'postgres', '-d', 'postgres', '-c', sql], { encoding: 'utf8' });
const madeDatabases = [];
function freshPostgresDatabase() {
  const name = `moat_eld_${process.pid}_${Date.now()}`;
  const r = psql(`CREATE DATABASE ${name}`);
  if (r.status !== 0) throw new Error(`psql could not create ${name}: ${r.stderr}`);
  madeDatabases.push(name);
  return `postgres://postgres@${PG_HOST}:5432/${name}`;
}
const only = opt('variants', Object.keys(VARIANTS).join(',')).split(',');
ensureTools();
if (!argv.includes('--no-build')) spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });

const dir = mkdtempSync(join(tmpdir(), 'moat-eld-'));
const procs = [];
const connections = Math.max(4, Math.round(RATE / 20));
const wrkFor = (t, extra) => runWrk({ url: `${t.url}/v1/chat/completions`, headers: t.headers(false), body: requestBody(false), dir, tag: t.name, ...extra });
const eldOf = (p) => new Promise((resolve) => {
  const before = p.log.length;
  p.child.kill('SIGUSR2');
  const t = setInterval(() => {
    const l = p.log.slice(before).find((x) => x.startsWith('ELD '));
    if (l) { clearInterval(t); resolve(JSON.parse(l.slice(4))); }
  }, 20);
});
try {
  const fast = await startNginxUpstream(join(dir, 'nginx-upstream'));
  procs.push(fast);
  const up = { fast: { url: fast.url, pid: fast.pid }, stream: { url: fast.url, pid: fast.pid } };
  const direct = directTarget(up);
  const rows = [];
  for (let r = 0; r < REPEAT; r++) for (const name of only) {
    const t = await moatTarget({ root, up, dir, name: `moat-${name}-${r}`, nodeArgs: [...NODE_ARGS, '--import', join(bench, 'lib/eld-preload.mjs')], configOverrides: typeof VARIANTS[name] === 'function' ? VARIANTS[name]() : VARIANTS[name] });
    procs.push(t.process);
    // The process keeps its log lines for eldOf (startProcess keeps the first 200; ELD lines come later).
    t.process.log.length = 0;
    await wrkFor(t, { seconds: 3, connections: 32 });
    t.process.all = [];
    t.process.child.stdout.on('data', (d) => t.process.all.push(String(d)));
    const base = await wrkFor(direct, { seconds: 3, connections, rate: RATE });
    await eldOf(t.process);
    t.process.log.length = 0;
    const w = await wrkFor(t, { seconds: SECONDS, connections, rate: RATE });
    const eld = await eldOf(t.process);
    if (LOG_DIR) writeFileSync(join(LOG_DIR, `${name}-${r}.log`), t.process.all.join('\n'));
    await stopProcess(t.process);
    const row = { variant: name, rps: Math.round(w.rps), added_p50: +(w.p50 - base.p50).toFixed(3), added_p99: +(w.p99 - base.p99).toFixed(3), max: w.max, cpu_us_per_req: Math.round(eld.cpuUs / w.requests), eld, load1: +loadavg()[0].toFixed(2) };
    rows.push(row);
    console.error(JSON.stringify(row));
  }
  console.log(`| variant | req/s | added p50 / p99 (ms) | wrk max (ms) | loop delay p99 / max (ms) | stalls >1 / >2 / >5 ms | CPU µs/req | load |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.variant} | ${r.rps} | ${r.added_p50} / ${r.added_p99} | ${r.max.toFixed(1)} | ${r.eld.p99} / ${r.eld.max} | ${r.eld.over1} / ${r.eld.over2} / ${r.eld.over5} | ${r.cpu_us_per_req} | ${r.load1} |`);
} finally {
  for (const p of procs.reverse()) await stopProcess(p);
  for (const name of madeDatabases) psql(`DROP DATABASE IF EXISTS ${name}`);
  rmSync(dir, { recursive: true, force: true });
}
