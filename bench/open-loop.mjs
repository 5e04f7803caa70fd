// @ts-check
// Open-loop fixed-rate generator for streaming requests (time to first byte), run as its own process so its
// event loop is not the gateway's. Requests are sent on schedule whether or not earlier ones finished, and
// latency counts from the scheduled time, so a stall is not hidden. It is Node (undici), so it costs CPU on the
// shared cores like any client would; the same generator measures every target, including the upstream direct.
// Usage: node bench/open-loop.mjs '{"url","headers","body","rate","seconds","warmupSeconds"}'  -> one JSON line
import { Pool } from 'undici';

const { url, headers, body, rate, seconds, warmupSeconds = 1 } = JSON.parse(process.argv[2]);
const pool = new Pool(new URL(url).origin, { connections: 512, pipelining: 1 });
const path = new URL(url).pathname;

async function one(scheduled) {
  const r = await pool.request({ method: 'POST', path, headers, body });
  let first;
  for await (const chunk of r.body) if (first === undefined && chunk.length) first = performance.now();
  if (r.statusCode !== 200) throw new Error(`status ${r.statusCode}`);
  return (first ?? performance.now()) - scheduled;
}

const total = Math.round(rate * (seconds + warmupSeconds));
const warm = Math.round(rate * warmupSeconds);
const lat = [];
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
      pending.push(one(scheduled).then((ms) => { if (idx >= warm) lat.push(ms); }, () => errors++));
    }
    if (i < total) setImmediate(tick);
    else resolve(undefined);
  };
  tick();
});
await Promise.all(pending);
await pool.close();
lat.sort((a, b) => a - b);
const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
console.log(JSON.stringify({ n: lat.length, errors, p50: q(0.5), p99: q(0.99) }));
