// @ts-check
// Where a sampled heap profile's bytes were allocated: by allocating function (self) and by the innermost Moat
// source frame on the stack (so allocations inside node, undici or prom-client are charged to the Moat code
// that called them). Usage: node bench/lib/summarize-heap-profile.mjs FILE.heapprofile ROOT [top]
import { readFileSync } from 'node:fs';

const [file, root = process.cwd(), topArg = '30'] = process.argv.slice(2);
const top = Number(topArg);
const prof = JSON.parse(readFileSync(file, 'utf8'));
const short = (url) => url.replace(/^file:\/\//, '').replace(root + '/', '').replace(/.*\/node_modules\//, 'npm:');
const frame = (cf) => `${cf.functionName || '(anonymous)'} ${short(cf.url)}:${cf.lineNumber + 1}`;
const self = new Map();
const byMoat = new Map();
let total = 0;
function walk(node, moatFrame) {
  const url = node.callFrame.url ?? '';
  const own = url.includes('/dist/') && !url.includes('node_modules') ? frame(node.callFrame) : moatFrame;
  const bytes = node.selfSize;
  if (bytes) {
    total += bytes;
    const k = frame(node.callFrame);
    self.set(k, (self.get(k) ?? 0) + bytes);
    byMoat.set(own ?? '(no Moat frame)', (byMoat.get(own ?? '(no Moat frame)') ?? 0) + bytes);
  }
  for (const c of node.children) walk(c, own);
}
walk(prof.head, undefined);
const rank = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`).join('\n');
console.log(`sampled bytes: ${total}\n\n# by allocating function (self)\n${rank(self)}\n\n# by innermost Moat frame\n${rank(byMoat)}`);
