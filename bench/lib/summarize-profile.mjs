// @ts-check
// Self time of a V8 .cpuprofile grouped by module (Moat source file, npm package, node internals, GC, idle) and
// by function, to say where a gateway's time goes.
import { readFileSync } from 'node:fs';

function moduleOf(url, root) {
  if (!url) return '';
  const u = url.replace(/^file:\/\//, '');
  const nm = u.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = u.slice(nm + 14).split('/');
    return `npm:${rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (u.startsWith(root)) return u.slice(root.length + 1).replace(/^dist\//, 'src/').replace(/\.js$/, '.ts');
  if (u.startsWith('node:')) return u.replace(/^node:internal\/(\w+).*/, 'node:$1');
  return u;
}

/** Only samples in the last `lastSeconds` of the profile count (the load run, not the process's boot). */
export function summariseProfile(file, root, { top = 15, lastSeconds = Infinity } = {}) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const from = prof.endTime - lastSeconds * 1e6;
  let t = prof.startTime;
  const inWindow = prof.timeDeltas.map((d) => (t += d) >= from);
  const dt = (prof.endTime - prof.startTime) / Math.max(1, prof.samples.length); // µs per sample
  const byNode = new Map(prof.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  prof.samples.forEach((id, i) => { if (inWindow[i]) counts.set(id, (counts.get(id) ?? 0) + 1); });
  const mods = new Map();
  const fns = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, c] of counts) {
    const n = byNode.get(id);
    const fn = n.callFrame.functionName;
    if (fn === '(idle)') { idle += c; continue; }
    total += c;
    const mod = moduleOf(n.callFrame.url, root) || (fn.startsWith('(') ? fn : '(native)');
    mods.set(mod, (mods.get(mod) ?? 0) + c);
    const key = `${fn || '(anonymous)'} ${mod}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
    fns.set(key, (fns.get(key) ?? 0) + c);
  }
  const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, c]) => ({ name, pct_of_busy: (100 * c) / total, ms: (c * dt) / 1000 }));
  return { busy_ms: (total * dt) / 1000, idle_pct: (100 * idle) / (idle + total), modules: rank(mods), functions: rank(fns) };
}

