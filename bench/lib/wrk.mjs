// @ts-check
// wrk (C, epoll) as the load generator for non-streaming requests, one thread.
// Saturation: closed loop, `connections` connections as fast as the target answers.
// Fixed rate: each connection waits a jittered interval (uniform 0.5x-1.5x, mean connections/rate) after each
// response before sending the next one, so the offered load is ~rate and the phases of the connections spread.
// Bias: this is paced closed loop, not open loop: a stall delays that connection's next send instead of piling
// up requests (coordinated omission), so tails under stalls are understated for every target alike; the
// achieved rate is reported to show when a target could not keep up.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

function luaScript({ headers, body, intervalMs }) {
  const hdr = Object.entries(headers).map(([k, v]) => `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}`).join('\n');
  return `wrk.method = "POST"
wrk.body = ${JSON.stringify(body)}
${hdr}
${intervalMs ? `math.randomseed(os.time())\nfunction delay() return math.floor(${intervalMs} * (0.5 + math.random())) end` : ''}
local non2xx = 0
function response(status, headers, body) if status ~= 200 then non2xx = non2xx + 1 end end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"errors":%d,"non2xx":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect + e.read + e.write + e.timeout, non2xx))
end
`;
}

/** Runs wrk and resolves {rps, p50, p99 (ms), requests, errors}. */
export function runWrk({ url, headers, body, seconds, connections, rate, dir, tag }) {
  const intervalMs = rate ? (connections * 1000) / rate : 0;
  const script = join(dir, `wrk-${tag}.lua`);
  writeFileSync(script, luaScript({ headers, body, intervalMs }));
  const args = ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '5s', '-s', script, url];
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
      if (!line) return reject(new Error(`wrk printed no summary:\n${stdout}`));
      const j = JSON.parse(line.slice(8));
      resolve({
        rps: j.requests / (j.duration_us / 1e6),
        p50: j.p50_us / 1000, p90: j.p90_us / 1000, p99: j.p99_us / 1000, max: j.max_us / 1000,
        requests: j.requests, errors: j.errors + j.non2xx,
      });
    });
  });
}
