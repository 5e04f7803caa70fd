// Detection state at scale: a synthetic population of many small accounts (default 100,000), each sending a
// few requests from one of many networks, clients and request shapes, plus a 200-account hydra hidden in it.
// Reports events/s on one core (CPU time), heap per active org (after GC), the linkage state's size, and
// whether the hydra was still gathered. Memory is bounded by design: windows grow lazily, linkage keeps a
// capped number of values and activity buckets per org, and idle orgs are evicted.
// Then what a `moat detect` worker writes to Redis (src/detection/stream/checkpoint-store.ts): the first, full
// checkpoint, and incremental ones after --more 1000,10000 further events of the same population.
// Run: node --expose-gc bench/detection-scale.mjs [--orgs 100000] [--per 5] [--more 1000,10000] [--no-build]
import { compiled } from './lib/compiled.mjs';

const { loadDetectionAssets } = await compiled('detection/assets.ts');
const { createDetector } = await compiled('detection/detector.ts');
const { simulate } = await compiled('simulator/scenarios.ts');
const { Rng } = await compiled('simulator/rng.ts');
const { checkpointBytes, checkpointWrites } = await compiled('detection/stream/checkpoint-store.ts');

const arg = (name, d) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const ORGS = arg('--orgs', 100_000);
const PER = arg('--per', 5);
const moreAt = process.argv.indexOf('--more');
const MORE = (moreAt > 0 ? process.argv[moreAt + 1] : '1000,10000').split(',').map(Number);
const HYDRA = 200;
const assets = loadDetectionAssets();
const rng = new Rng(1);

// Ordinary prompts to draw from, and one hydra's harvest harness.
const { lines } = simulate({ scenario: 'legit', seed: 3, scale: 0.3, split: 'all' });
const ordinary = lines.filter((l) => l.type === 'request').map((l) => l.body);
const harvest = ['Think step by step and show your full reasoning.', 'Explain your reasoning in detail, then answer.'];
const T0 = Date.parse('2026-08-03T00:00:00Z');
const SPAN = 3 * 24 * 3_600_000;
const clients = ['OpenAI/Python 1.99.0', 'OpenAI/JS 5.2.0', 'Anthropic/Python 0.44.0', 'python-requests/2.32.3', 'acme-bot/1.2'];

function* events() {
  // Requests of every org, in time order: PER per org spread over three days; the hydra in bursts.
  const total = ORGS * PER + HYDRA * 30;
  const slots = [];
  for (let o = 0; o < ORGS; o++) for (let k = 0; k < PER; k++) slots.push([T0 + rng.next() * SPAN, o]);
  const sessions = [0.3, 0.9, 1.6, 2.2].map((d) => T0 + d * 24 * 3_600_000);
  for (let h = 0; h < HYDRA; h++) for (let k = 0; k < 30; k++) slots.push([rng.pick(sessions) + rng.next() * 3_600_000, -1 - h]);
  slots.sort((a, b) => a[0] - b[0]);
  let i = 0;
  for (const [ts, o] of slots) {
    i++;
    if (o >= 0) {
      const body = ordinary[(o * 7 + i) % ordinary.length];
      yield {
        type: 'request', id: `r${i}`, ts: new Date(ts).toISOString(), org: `org_${o}`, key: `key_${o}`, api: 'openai',
        client: { ip: `${10 + (o % 200)}.${(o >> 8) & 255}.${o & 255}.7`, user_agent: clients[o % clients.length] }, body,
        response: { status: 200, usage: { input_tokens: 50, output_tokens: 200 } },
      };
    } else {
      const h = -1 - o;
      yield {
        type: 'request', id: `r${i}`, ts: new Date(ts).toISOString(), org: `org_hydra${h}`, key: `key_hydra${h}`, api: 'openai',
        client: { ip: `45.12.${33 + (h % 4)}.${h % 250}`, user_agent: 'OpenAI/Python 1.99.0' },
        body: { model: 'gpt-moat-1', temperature: 0.7, max_tokens: 8192, messages: [{ role: 'user', content: `${JSON.stringify(ordinary[(h * 13 + i) % ordinary.length]).slice(0, 300)}\n\n${harvest[i % 2]}` }] },
        response: { status: 200, usage: { input_tokens: 80, output_tokens: 2500 } },
      };
    }
  }
  return total;
}

global.gc?.();
const before = process.memoryUsage().heapUsed;
const d = createDetector({ ...assets, evidence: { samples: 0, maxChars: 0 } });
const stream = events();
const held = MORE.reduce((a, b) => a + b, 0);
const total = ORGS * PER + HYDRA * 30;
let n = 0;
const c0 = process.cpuUsage();
for (let i = 0; i < total - held; i++) {
  d.ingestRequest(stream.next().value);
  n++;
}
const cpu = process.cpuUsage(c0);

// Checkpoints as the worker writes them: build (detector state -> entries) and encode (JSON per hash field).
const writes = [];
const timed = (label) => {
  // CPU time (this machine's cores are shared; wall time would count other jobs).
  const cpuMs = (u) => (u.user + u.system) / 1000;
  const t0 = process.cpuUsage();
  const ck = d.checkpoint({ dirtyOnly: true });
  const t1 = process.cpuUsage(t0);
  const w = checkpointWrites('moat', 'worker-0', ck, { at: 0, positions: { orgs: '0', links: '0', events: {}, linkSources: {} } });
  const t2 = process.cpuUsage(t0);
  const gone = ck.linkage.orgs.filter(([, e]) => !e).length + ck.linkage.values.filter(([, e]) => !e).length + ck.linkage.clusters.filter(([, e]) => !e).length;
  const linkBytes = checkpointBytes({ clear: [], meta: ['', ''], del: w.del.filter(([k]) => k.includes(':link-')), set: w.set.filter(([k]) => k.includes(':link-')) });
  writes.push({ label, full: ck.full, bytes: checkpointBytes(w), linkBytes, build: cpuMs(t1), encode: cpuMs(t2) - cpuMs(t1), global: Buffer.byteLength(w.meta[1]), orgs: ck.orgs.length, links: [ck.linkage.orgs.length, ck.linkage.values.length, ck.linkage.clusters.length], gone });
};
timed('first (full)');
for (const m of MORE) {
  for (let i = 0; i < m; i++) {
    d.ingestRequest(stream.next().value);
    n++;
  }
  timed(`after ${m.toLocaleString()} more events`);
}
global.gc?.();
const after = process.memoryUsage().heapUsed;
const snap = d.snapshot();
const hydra = snap.clusters.map((c) => c.orgs.filter((o) => o.startsWith('org_hydra')).length).sort((a, b) => b - a)[0] ?? 0;
const labelled = snap.orgs.filter((o) => o.org.startsWith('org_hydra') && o.activities.length).length;
const ck = d.checkpoint();
console.log(`population: ${ORGS.toLocaleString()} orgs x ${PER} requests + a ${HYDRA}-account hydra: ${n.toLocaleString()} events`);
console.log(`throughput: ${Math.round((total - held) / ((cpu.user + cpu.system) / 1e6)).toLocaleString()} events/s (CPU time, one core)`);
console.log(`memory: ${((after - before) / 1e6).toFixed(0)} MB heap for ${snap.orgs.length.toLocaleString()} orgs = ${((after - before) / snap.orgs.length / 1024).toFixed(1)} KiB per org${global.gc ? '' : ' [run with --expose-gc]'}`);
console.log(`linkage state: ${ck.linkage.orgs.length.toLocaleString()} orgs, ${ck.linkage.values.length.toLocaleString()} values, ${snap.clusters.length} clusters (${snap.clusters.filter((c) => !c.orgs.some((o) => o.startsWith('org_hydra'))).length} without hydra accounts)`);
console.log(`hydra: ${hydra}/${HYDRA} accounts in one cluster, ${labelled}/${HYDRA} labelled`);
const ckOrgs = ck.orgs.map((o) => Buffer.byteLength(JSON.stringify(o)));
console.log(`checkpoint: ${(Buffer.byteLength(JSON.stringify(ck.linkage)) / 1e6).toFixed(1)} MB linkage + ${(Buffer.byteLength(JSON.stringify(ck.global)) / 1e3).toFixed(1)} kB global + ${(ckOrgs.reduce((a, b) => a + b, 0) / 1e6).toFixed(1)} MB for ${ckOrgs.length.toLocaleString()} orgs (${(ckOrgs.reduce((a, b) => a + b, 0) / ckOrgs.length / 1024).toFixed(1)} KiB per org of ${PER} requests)`);
const mb = (b) => (b / 1e6).toFixed(b < 1e7 ? 2 : 0);
console.log(`worker checkpoints (bytes of hash fields and values written; CPU time: build = detector.checkpoint, encode = JSON):`);
for (const w of writes)
  console.log(`  ${w.label}: ${mb(w.bytes)} MB${w.full ? ' (full)' : ''}, of which linkage ${mb(w.linkBytes)} MB and global ${(w.global / 1e3).toFixed(1)} kB; CPU: build ${w.build.toFixed(0)} ms + encode ${w.encode.toFixed(0)} ms; ${w.orgs.toLocaleString()} org states, linkage entries ${w.links[0].toLocaleString()} orgs / ${w.links[1].toLocaleString()} values / ${w.links[2].toLocaleString()} clusters (${w.gone} removals)`);
