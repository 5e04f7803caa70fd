// @ts-check
// Open-loop fixed-rate generator (time to first byte and to the last byte), run as its own process so its
// event loop is not the gateway's. Requests are sent on schedule whether or not earlier ones finished, and
// latency counts from the scheduled time, so a stall is not hidden. It is Node (undici), so it costs CPU on the
// shared cores like any client would; the same generator measures every target, including the upstream direct.
// Usage: node bench/open-loop.mjs '{"url","headers","body","rate","seconds","warmupSeconds"}'  -> one JSON line:
// {n, errors, p50, p99 (first byte, ms), end_p50, end_p99 (last byte, ms)}
import { Pool } from 'undici';

const { url, headers, body, rate, seconds, warmupSeconds = 1 } = JSON.parse(process.argv[2]);
// Fewer connections than a gateway accepts from one address (Moat: 256), so a stall queues here, counted from the schedule.
const pool = new Pool(new URL(url).origin, { connections: 200, pipelining: 1 });
const path = new URL(url).pathname;

async function one(scheduled) {
  const r = await pool.request({ method: 'POST', path, headers, body });
  let first;
  for await (const chunk of r.body) if (first === undefined && chunk.length) first = performance.now();
  const end = performance.now();
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return [(first ?? end) - scheduled, end - scheduled];
}

const total = Math.round(rate * (seconds + warmupSeconds));
const warm = Math.round(rate * warmupSeconds);
const lat = [];
const ends = [];
let errors = 0;
const pending = [];
const t0 = performance.now() + 20;
let i = 0;
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now();
    while (i < total && t0 + (i * 1000) / rate <= now) {
      const scheduled = t0 + (i * 1000) / rate;
      const idx = i++;
      pending.push(one(scheduled).then(([ms, endMs]) => { if (idx >= warm) { lat.push(ms); ends.push(endMs); } }, () => errors++));
    }
    if (i < total) setImmediate(tick);
    else resolve(undefined);
  };
  tick();
});
await Promise.all(pending);
await pool.close();
lat.sort((a, b) => a - b);
ends.sort((a, b) => a - b);
const q = (xs, p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? NaN;
console.log(JSON.stringify({ n: lat.length, errors, p50: q(lat, 0.5), p99: q(lat, 0.99), end_p50: q(ends, 0.5), end_p99: q(ends, 0.99) }));
