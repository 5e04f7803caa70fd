// @ts-check
// Added latency of the hot path over calling the demo upstream directly, at fixed request rates (open loop:
// requests are sent on schedule whether or not earlier ones finished, and latency counts from the scheduled
// time, so a stall is not hidden). Non-streaming: time to the end of the body. Streaming: time to first byte.
// Times are milliseconds. It also reports the gateway process's CPU time per request, which is the part of the
// added latency that does not depend on how busy the machine is.
// Usage: node --import tsx bench/latency.mjs [--rates 200,1000] [--seconds 5] [--doors chat,responses,completions,embeddings,count_tokens]
//        [--profile DIR (cpu profile of the gateway)]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Pool } from 'undici';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const RATES = arg('rates', '200,1000').split(',').map(Number);
const SECONDS = Number(arg('seconds', '5'));
const WARMUP_S = 1;

const PROFILE_DIR = arg('profile', '');

function startChild(args, profile = false) {
  const prof = profile && PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', new URL('./serve.mjs', import.meta.url).pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve) => createInterface({ input: child.stdout }).once('line', (l) => resolve({ child, ...JSON.parse(l) })));
}

const PROMPT = 'Measure me: a short prompt of a few words.';
/** Per front door: its path, a plain body, and a streaming body (null: the door does not stream). */
const DOORS = {
  chat: {
    path: '/v1/chat/completions',
    body: { model: 'demo-gpt', messages: [{ role: 'user', content: PROMPT }] },
    stream: { model: 'demo-gpt', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: PROMPT }] },
  },
  responses: { path: '/v1/responses', body: { model: 'demo-gpt', input: PROMPT }, stream: { model: 'demo-gpt', input: PROMPT, stream: true } },
  completions: { path: '/v1/completions', body: { model: 'demo-gpt', prompt: PROMPT, max_tokens: 64 }, stream: { model: 'demo-gpt', prompt: PROMPT, max_tokens: 64, stream: true, stream_options: { include_usage: true } } },
  embeddings: { path: '/v1/embeddings', body: { model: 'demo-gpt', input: PROMPT }, stream: null },
  count_tokens: { path: '/v1/messages/count_tokens', body: { model: 'demo-claude', messages: [{ role: 'user', content: PROMPT }] }, stream: null },
};
const DOOR_NAMES = arg('doors', 'chat').split(',');
for (const d of DOOR_NAMES) if (!(d in DOORS)) throw new Error(`unknown door ${d}; one of ${Object.keys(DOORS).join(', ')}`);

async function one(pool, headers, door, stream, scheduled) {
  const r = await pool.request({ method: 'POST', path: door.path, headers, body: JSON.stringify(stream ? door.stream : door.body) });
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}: ${await r.body.text()}`);
  let first;
  for await (const _ of r.body) if (first === undefined) first = performance.now();
  return stream ? first - scheduled : performance.now() - scheduled;
}

async function run(target, rate, door, stream) {
  const pool = new Pool(target.url, { connections: 256, pipelining: 1 });
  const headers = { 'content-type': 'application/json', ...(target.secret ? { authorization: `Bearer ${target.secret}` } : {}) };
  const total = Math.round(rate * (SECONDS + WARMUP_S));
  const warm = Math.round(rate * WARMUP_S);
  const lat = [];
  let errors = 0;
  const t0 = performance.now() + 20;
  const pending = [];
  let i = 0;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (i < total && t0 + (i * 1000) / rate <= now) {
        const scheduled = t0 + (i * 1000) / rate;
        const idx = i++;
        pending.push(one(pool, headers, door, stream, scheduled).then((ms) => { if (idx >= warm) lat.push(ms); }, () => errors++));
      }
      if (i < total) setImmediate(tick);
      else resolve(undefined);
    };
    tick();
  });
  await Promise.all(pending);
  await pool.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { n: lat.length, errors, p50: q(0.5), p99: q(0.99) };
}

async function cpuOf(target) {
  const r = await fetch(`${target.url}/bench/cpu`);
  return r.json();
}

const demo = await startChild(['demo']);
const gw = await startChild(['gateway', demo.url], true);
const rows = [];
try {
  for (const name of DOOR_NAMES) for (const stream of [false, true]) {
    const door = DOORS[name];
    if (stream && !door.stream) continue;
    for (const rate of RATES) {
      const direct = await run({ url: demo.url }, rate, door, stream);
      const cpu0 = await cpuOf(gw);
      const via = await run(gw, rate, door, stream);
      const cpu1 = await cpuOf(gw);
      const cpuUs = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / Math.round(rate * (SECONDS + WARMUP_S));
      const row = {
        mode: `${name} ${stream ? 'stream TTFB' : 'non-stream'}`,
        rate,
        direct_p50: direct.p50, direct_p99: direct.p99,
        moat_p50: via.p50, moat_p99: via.p99,
        added_p50: via.p50 - direct.p50, added_p99: via.p99 - direct.p99,
        n: via.n, errors: direct.errors + via.errors, gateway_cpu_us_per_req: cpuUs,
      };
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  }
} finally {
  demo.child.kill();
  gw.child.kill();
}
const f = (x) => x.toFixed(3);
console.log('| Mode | Rate (req/s) | Direct p50 | Direct p99 | Via Moat p50 | Via Moat p99 | Added p50 | Added p99 | Gateway CPU µs/req | Samples | Errors |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows)
  console.log(`| ${r.mode} | ${r.rate} | ${f(r.direct_p50)} | ${f(r.direct_p99)} | ${f(r.moat_p50)} | ${f(r.moat_p99)} | ${f(r.added_p50)} | ${f(r.added_p99)} | ${r.gateway_cpu_us_per_req.toFixed(0)} | ${r.n} | ${r.errors} |`);
