// Child processes of the harness: start, wait for a line announcing readiness, sample memory, stop by pid.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';

/** Spawns a command and resolves once `ready` matches a line of its stdout or stderr (returns the match). */
export function startProcess(name, cmd, args, { ready, env, cwd, timeoutMs = 30_000 } = {}) {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${log.join('\n')}`)), timeoutMs);
    let done = false;
    const onLine = (line) => {
      if (log.length < 200) log.push(line);
      if (done) return;
      const m = ready.exec(line);
      if (m) {
        done = true;
        clearTimeout(timer);
        resolve({ name, child, pid: child.pid, match: m, log });
      }
    };
    createInterface({ input: child.stdout }).on('line', onLine);
    createInterface({ input: child.stderr }).on('line', onLine);
    child.once('exit', (code) => {
      if (!done) {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}:\n${log.join('\n')}`));
      }
    });
  });
}

/** Stops one process we started (by its pid) and waits for it to exit. */
export function stopProcess(p, signal = 'SIGTERM', graceMs = 15_000) {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => { p.child.kill('SIGKILL'); }, graceMs);
    p.child.once('exit', () => { clearTimeout(t); resolve(); });
    p.child.kill(signal);
  });
}

/** A free loopback port, for nginx only (it cannot listen on port 0 and report it); a small race is accepted. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function childrenOf(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** VmRSS (KiB) of a process and its children (nginx master + workers), from /proc. */
export function rssKiB(pid) {
  let total = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      if (m) total += Number(m[1]);
    } catch {
      /* exited */
    }
  }
  return total;
}

/** Samples RSS every `everyMs` until stopped; returns the peak. */
export function sampleRss(pid, everyMs = 200) {
  let peak = rssKiB(pid);
  const t = setInterval(() => { peak = Math.max(peak, rssKiB(pid)); }, everyMs);
  return { stop: () => { clearInterval(t); return Math.max(peak, rssKiB(pid)); } };
}
