// @ts-check
// What tracing costs the hot path: the same in-process gateway (bench/serve.mjs: allow-all policy, unlimited
// limiter, demo upstream) with tracing off, with tracing on (OTLP/HTTP to a sink in another process), and
// optionally the same gateway from another checkout (--base-root, e.g. the commit before tracing existed), run
// side by side; rounds alternate the targets at the same fixed rate. CPU time per request (read from the
// gateway process) is the figure a busy machine disturbs least; p50/p99 of the added latency are printed too.
// Usage: node bench/tracing-cost.mjs [--base-root DIR] [--rounds 4 --rate 400 --seconds 5]
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const ROUNDS = Number(arg('rounds', '4'));
const RATE = Number(arg('rate', '400'));
const SECONDS = Number(arg('seconds', '5'));
const BASE = arg('base-root', '');

/** @returns {Promise<{ child: import('node:child_process').ChildProcess, url: string, secret?: string }>} */
function startChild(root, args) {
  const child = spawn(process.execPath, ['--import', 'tsx', `${root}/bench/serve.mjs`, ...args], { stdio: ['ignore', 'pipe', 'inherit'], cwd: root });
  return new Promise((resolve) => createInterface({ input: /** @type {import('node:stream').Readable} */ (child.stdout) }).once('line', (l) => resolve({ child, ...JSON.parse(l) })));
}

const BODY = JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content: 'Measure me: a short prompt of a few words.' }] });

async function run(target) {
  const pool = new Pool(target.url, { connections: 64, pipelining: 1 });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${target.secret}` };
  const total = Math.round(RATE * SECONDS);
  const lat = [];
  let errors = 0;
  const t0 = performance.now() + 20;
  const pending = [];
  let i = 0;
  const cpu0 = await (await fetch(`${target.url}/bench/cpu`)).json();
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && t0 + (i * 1000) / RATE <= now) {
        const scheduled = t0 + (i++ * 1000) / RATE;
        pending.push(
          pool.request({ method: 'POST', path: '/v1/chat/completions', headers, body: BODY }).then(
            async (r) => {
              await r.body.text();
              if (r.statusCode !== 200) errors++;
              else lat.push(performance.now() - scheduled);
            },
            () => errors++,
          ),
        );
      }
      if (i < total) setImmediate(tick);
      else resolve(undefined);
    };
    tick();
  });
  await Promise.all(pending);
  const cpu1 = await (await fetch(`${target.url}/bench/cpu`)).json();
  await pool.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { cpuUsPerReq: (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / total, p50: q(0.5), p99: q(0.99), errors };
}

const here = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const demo = await startChild(here, ['demo']);
const sink = await startChild(here, ['otlp-sink']);
const targets = [
  ...(BASE ? [{ name: 'base (tracing did not exist)', ...(await startChild(BASE, ['gateway', demo.url])) }] : []),
  { name: 'tracing off', ...(await startChild(here, ['gateway', demo.url])) },
  { name: 'tracing on', ...(await startChild(here, ['gateway', demo.url, sink.url])) },
];
const results = new Map(targets.map((t) => [t.name, /** @type {Array<Awaited<ReturnType<typeof run>>>} */ ([])]));
try {
  for (const t of targets) await run(t); // warm-up
  for (let round = 1; round <= ROUNDS; round++)
    for (const t of targets) {
      const r = await run(t);
      results.get(t.name)?.push(r);
      console.error(JSON.stringify({ round, target: t.name, ...r, load1: loadavg()[0] }));
    }
} finally {
  for (const c of [demo, sink, ...targets]) c.child.kill();
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const off = median((results.get('tracing off') ?? []).map((r) => r.cpuUsPerReq));
console.log(`| Target | CPU µs/req (median of ${ROUNDS}) | ratio to tracing off | p50 ms | p99 ms | errors |`);
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, rs] of results) {
  const cpu = median(rs.map((r) => r.cpuUsPerReq));
  console.log(`| ${name} | ${cpu.toFixed(0)} | ${(cpu / off).toFixed(3)} | ${median(rs.map((r) => r.p50)).toFixed(3)} | ${median(rs.map((r) => r.p99)).toFixed(3)} | ${rs.reduce((n, r) => n + r.errors, 0)} |`);
}
console.log(`rate ${RATE} req/s, ${SECONDS} s per round, load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
