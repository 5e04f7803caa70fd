// @ts-check
// Preloaded into a Moat process by bench/eld-probe.mjs (`node --import`): samples event-loop delay and, on
// SIGUSR2, prints one `ELD {...}` line (p50/p99/max ms, stalls over 1/2/5 ms since the last reset, CPU µs) and
// resets. Stalls are counted by a 1 ms timer that notes how late it fired, so each one is a blocked loop turn.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const h = monitorEventLoopDelay({ resolution: 1 });
h.enable();
let stalls = { over1: 0, over2: 0, over5: 0, worst: 0 };
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  const late = now - last - 1;
  last = now;
  if (late > 1) stalls.over1++;
  if (late > 2) stalls.over2++;
  if (late > 5) stalls.over5++;
  if (late > stalls.worst) stalls.worst = late;
}, 1).unref();
let cpu = process.cpuUsage();
process.on('SIGUSR2', () => {
  const c = process.cpuUsage(cpu);
  cpu = process.cpuUsage();
  const ms = (ns) => +(ns / 1e6).toFixed(3);
  process.stderr.write(`ELD ${JSON.stringify({ p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), ...stalls, worst: +stalls.worst.toFixed(2), cpuUs: c.user + c.system })}\n`);
  h.reset();
  stalls = { over1: 0, over2: 0, over5: 0, worst: 0 };
});
