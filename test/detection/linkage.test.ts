import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { coActivity } from '../../src/detection/linkage/co-activity.js';
import { Linker, memberReasons, type Cluster } from '../../src/detection/linkage/linker.js';
import type { LinkRecord } from '../../src/detection/linkage/link-record.js';
import { LINK_KINDS } from '../../src/detection/rules/rule-schema.js';
import { Rng } from '../../src/simulator/rng.js';

const spec = loadDetectionAssets().linkage;
const HOUR = 3_600_000;
const BUCKET = spec.bucket_minutes * 60_000;
const PER_HOUR = 60 / spec.bucket_minutes;
const T0 = Date.parse('2026-08-03T00:00:00Z');

function buckets(times: number[]): number[] {
  return [...new Set(times.map((t) => Math.floor(t / BUCKET)))].sort((a, b) => a - b);
}

test('co-activity: two independent developers with the same working hours get no more than chance gives', () => {
  // 3,000 pairs, each account active at random moments of 09:00-17:00 on days of two weeks. The score is a
  // Chernoff bound, so P(nats >= x) <= e^-x for independent accounts: a few pairs reach 3 nats by chance
  // (and co-activity alone never links: a link needs two kinds of evidence), none the link threshold.
  const pairs = 3000;
  let atLeast3 = 0;
  let atLeast6 = 0;
  let max = 0;
  for (let seed = 1; seed <= pairs; seed++) {
    const rng = new Rng(seed);
    const n = rng.int(10, 80);
    const when = () => T0 + rng.int(0, 13) * 24 * HOUR + (9 + rng.next() * 8) * HOUR;
    const a = buckets(Array.from({ length: n }, when));
    const b = buckets(Array.from({ length: n }, when));
    const c = coActivity(a, a.length, b, b.length, PER_HOUR);
    if (c.nats >= 3) atLeast3++;
    if (c.nats >= 6) atLeast6++;
    max = Math.max(max, c.nats);
  }
  assert.ok(atLeast3 / pairs <= Math.exp(-3), `${atLeast3} of ${pairs} pairs at >= 3 nats`);
  assert.ok(atLeast6 / pairs <= Math.exp(-6) * 2, `${atLeast6} of ${pairs} pairs at >= 6 nats`);
  assert.ok(max < spec.link_threshold, `max ${max.toFixed(2)} nats`);
});

test('co-activity: accounts driven by one orchestrator share its bursts far beyond their hours', () => {
  const rng = new Rng(7);
  const sessions = Array.from({ length: 6 }, () => T0 + rng.next() * 3 * 24 * HOUR);
  const member = () => buckets(Array.from({ length: 40 }, () => rng.pick(sessions) + rng.next() * 45 * 60_000));
  const a = member();
  const b = member();
  const c = coActivity(a, a.length, b, b.length, PER_HOUR);
  assert.ok(c.shared > c.expected * 2 && c.nats >= 5, JSON.stringify(c));
});

let seq = 0;
function record(org: string, extra: Partial<LinkRecord> = {}): LinkRecord {
  return {
    org, ts: T0 + seq++ * 1000, systemHash: 0, prefixHash: 0, suffixHash: 0, shapeHash: 0, templateHash: 0,
    flags: 0, cues: 0, topic: -1, harmCategory: -1, script: 0, novelty: 0, outputRatio: -1, promptLog: 5, ...extra,
  };
}

function linker(s = spec): { l: Linker; joins: Array<{ cluster: string; joined: string[] }> } {
  const joins: Array<{ cluster: string; joined: string[] }> = [];
  return { l: new Linker(s, (c: Cluster, joined) => joins.push({ cluster: c.id, joined })), joins };
}

test('linkage: one shared network (a /24 and the /16 around it) never links two orgs on its own', () => {
  const { l } = linker();
  for (let i = 0; i < 20; i++) {
    l.observe(record('org_a', { ip24: '45.12.33.0/24', ip16: '45.12.0.0/16' }));
    l.observe(record('org_b', { ip24: '45.12.33.0/24', ip16: '45.12.0.0/16' }));
  }
  assert.equal(l.clusterOf('org_a'), undefined);
  const e = l.explainPair('org_a', 'org_b')!;
  assert.equal(e.linked, false);
  assert.equal(e.reasons.filter((r) => r.kind === 'ip24' || r.kind === 'ip16').length, 1, 'network prefixes count as one kind');
});

test('linkage: two evaluators running one public harness (same system prompt, wrapper and parameters) do not link', () => {
  // Harness text and parameters are copied from public sources: however rare here, they say nothing about who
  // runs them. Each org connects from its own network with its own client.
  // A lower threshold than the shipped one, so the shared harness alone would be enough to link.
  const lenient = { ...spec, link_threshold: 6 };
  const l = new Linker(lenient, () => {});
  const harness = { systemHash: 0x5151, prefixHash: 0x7272, suffixHash: 0x7373, shapeHash: 0x9494 };
  for (let i = 0; i < 20; i++) {
    l.observe(record('org_vendor', { ...harness, ip24: '34.1.2.0/24', ip16: '34.1.0.0/16', userAgent: 'vendor-evals/2.0' }));
    l.observe(record('org_lab', { ...harness, ip24: '81.9.8.0/24', ip16: '81.9.0.0/16', userAgent: 'lab-runner/0.3' }));
  }
  const e = l.explainPair('org_vendor', 'org_lab')!;
  assert.equal(e.linked, false, JSON.stringify(e));
  assert.ok(e.strength >= lenient.link_threshold && e.kinds >= spec.min_kinds, `the shared harness alone is strong (${e.strength} nats, ${e.kinds} kinds) but says nothing about the actor`);
  assert.equal(e.reasons.filter((r) => r.kind === 'system_prompt' || r.kind === 'wrapper').length, 1, 'system prompt and wrapper count as one piece of evidence');
  // The same pair from one proxy subnet is one actor's: the link forms.
  for (let i = 0; i < 5; i++) {
    l.observe(record('org_vendor', { ...harness, ip24: '193.7.7.0/24', ip16: '193.7.0.0/16', userAgent: 'vendor-evals/2.0' }));
    l.observe(record('org_lab', { ...harness, ip24: '193.7.7.0/24', ip16: '193.7.0.0/16', userAgent: 'lab-runner/0.3' }));
  }
  assert.ok(l.clusterOf('org_vendor') && l.clusterOf('org_vendor') === l.clusterOf('org_lab'));
});

test('linkage: early in a population, a value already common among the orgs seen is not rare evidence', () => {
  // 30 orgs seen, 8 of them on one cloud range. Judged against the population floor without scaling, 6 other
  // users of 200 would make the range rare; 6 of about 30 is not, and the pair's evidence from it is discounted.
  const { l } = linker();
  for (let k = 0; k < 22; k++) for (let i = 0; i < 3; i++) l.observe(record(`org_other${k}`, { ip24: `52.${k}.1.0/24`, ip16: `52.${k}.0.0/16` }));
  for (let k = 0; k < 6; k++) for (let i = 0; i < 3; i++) l.observe(record(`org_cloud${k}`, { ip24: '35.228.110.0/24', ip16: '35.228.0.0/16', shapeHash: 0x200 + k }));
  for (const org of ['org_dev', 'org_app']) for (let i = 0; i < 3; i++) l.observe(record(org, { ip24: '35.228.110.0/24', ip16: '35.228.0.0/16', shapeHash: 0x42 }));
  const e = l.explainPair('org_dev', 'org_app')!;
  const ip = e.reasons.find((r) => r.kind === 'ip24')!;
  assert.equal(ip.detail, '6 other orgs use it');
  const unscaled = Math.log(spec.population_floor / (6 + spec.rarity_prior));
  // 30 orgs seen count as 32 (rounded up to a power of two: workers and replay see records in slightly
  // different orders).
  const scaled = Math.log(spec.population_floor / (6 * Math.sqrt(spec.population_floor / 32) + spec.rarity_prior));
  assert.ok(Math.abs(ip.nats - scaled) < 0.01 && ip.nats < unscaled - 0.5, `${ip.nats} nats (unscaled ${unscaled.toFixed(2)})`);
});

test('linkage: a network of accounts sharing a harness, a proxy pool and a request shape links, with reasons', () => {
  const { l, joins } = linker();
  // 40 unrelated orgs on the same cloud range and stock client, each at its own hours; 30 hydra accounts over 3
  // proxy subnets, driven by one orchestrator in hourly rounds over half a day.
  for (let round = 0; round < 12; round++) {
    for (let i = 0; i < 40; i++) l.observe(record(`org_dev${i}`, { ts: T0 + (round * 24 + (i % 24)) * HOUR, ip24: '3.4.5.0/24', ip16: '3.4.0.0/16', userAgent: 'sdk:openai/python', shapeHash: 100 + i, suffixHash: 0 }));
    for (let i = 0; i < 30; i++) {
      const net = `91.200.${14 + (i % 3)}`;
      l.observe(record(`org_h${i}`, { ts: T0 + round * HOUR + i * 1000, ip24: `${net}.0/24`, ip16: '91.200.0.0/16', userAgent: 'sdk:openai/python', shapeHash: 7777, suffixHash: 4242 }));
    }
  }
  const c = l.clusterOf('org_h0')!;
  assert.ok(c, 'hydra clustered');
  assert.equal(c.members.filter((m) => m.startsWith('org_h')).length, 30);
  assert.equal(c.members.filter((m) => m.startsWith('org_dev')).length, 0);
  for (const m of memberReasons(c).filter((x) => x.via)) {
    assert.ok(m.via!.strength >= spec.link_threshold);
    assert.ok(new Set(m.via!.reasons.filter((r) => r.nats >= spec.min_kind_nats).map((r) => r.kind)).size >= spec.min_kinds, JSON.stringify(m.via));
  }
  assert.ok(joins.length >= 1);
});

test('linkage: an org using many clients, shapes and wrappers shares some with a developer by chance, and that says less', () => {
  // A competitor's sweep runs ten clients, ten request shapes and twenty wrappers from a cloud range many
  // developers use. One developer on that range happens to use one client, one shape and one wrapper the sweep
  // also uses. Summed as if each coincidence were the only chance, the four values look like one actor; the
  // sweep had ten to twenty chances for each.
  const population = (l: Linker) => {
    // Ten developers on the cloud range; elsewhere, a few orgs with the client, the shape or the wrapper.
    for (let k = 0; k < 60; k++) {
      const cloud = k < 10;
      const rec = { ip24: cloud ? '13.236.69.0/24' : `52.${k}.1.0/24`, ip16: cloud ? '13.236.0.0/16' : `52.${k}.0.0/16`, userAgent: k >= 10 && k < 12 ? 'sdk:custom' : 'sdk:openai/python', shapeHash: k === 20 ? 0x77 : 0x1000 + k, suffixHash: k === 30 ? 0x55 : 0x2000 + k };
      for (let i = 0; i < 3; i++) l.observe(record(`org_other${k}`, rec));
    }
  };
  const net = { ip24: '13.236.69.0/24', ip16: '13.236.0.0/16' };
  const dev = (l: Linker) => {
    for (let i = 0; i < 3; i++) l.observe(record('org_dev', { ...net, userAgent: 'sdk:custom', shapeHash: 0x77, suffixHash: 0x55 }));
  };
  const sweep = (l: Linker, variety: number) => {
    for (let v = 0; v < variety; v++)
      for (let i = 0; i < 3; i++)
        l.observe(record('org_rival', { ...net, userAgent: v === 0 ? 'sdk:custom' : `runner-${v}/1.0`, shapeHash: v === 0 ? 0x77 : 0x3000 + v, suffixHash: v === 0 ? 0x55 : 0x4000 + v, prefixHash: variety > 1 ? 0x5000 + v : 0 }));
  };
  // One client, shape and wrapper each: the same four shared values are one actor's.
  const single = new Linker(spec, () => {});
  population(single);
  sweep(single, 1);
  dev(single);
  assert.ok(single.clusterOf('org_dev') && single.clusterOf('org_dev') === single.clusterOf('org_rival'), JSON.stringify(single.explainPair('org_dev', 'org_rival')));
  // Ten of each: the same coincidences, with ten times the chances.
  const { l } = linker();
  population(l);
  sweep(l, 10);
  dev(l);
  const e = l.explainPair('org_dev', 'org_rival')!;
  assert.equal(e.linked, false, JSON.stringify(e));
  assert.equal(l.clusterOf('org_dev'), undefined);
  // Without the correction the pair would link.
  const naive = new Linker({ ...spec, multiplicity: 0 }, () => {});
  population(naive);
  sweep(naive, 10);
  dev(naive);
  assert.ok(naive.explainPair('org_dev', 'org_rival')!.linked, JSON.stringify(naive.explainPair('org_dev', 'org_rival')));
});

test('linkage: a proxy pool\'s adjacent /24s are one chance, networks spread over many /16s are many', () => {
  const { l } = linker();
  for (let k = 0; k < 40; k++) for (let i = 0; i < 3; i++) l.observe(record(`org_other${k}`, { ip24: `52.${k}.1.0/24`, ip16: `52.${k}.0.0/16` }));
  // Two accounts rotating over the same five /24s of one proxy pool.
  for (let i = 0; i < 10; i++)
    for (const org of ['org_pool_a', 'org_pool_b']) l.observe(record(org, { ip24: `91.200.${10 + (i % 5)}.0/24`, ip16: '91.200.0.0/16' }));
  // Two orgs each spread over five regions, which happen to share one /24.
  for (let i = 0; i < 10; i++)
    for (const [n, org] of ['org_spread_a', 'org_spread_b'].entries()) {
      const shared = i % 5 === 0;
      l.observe(record(org, { ip24: shared ? '34.9.9.0/24' : `${60 + n}.${i % 5}.1.0/24`, ip16: shared ? '34.9.0.0/16' : `${60 + n}.${i % 5}.0.0/16` }));
    }
  const pool = l.explainPair('org_pool_a', 'org_pool_b')!.reasons.find((r) => r.kind === 'ip24')!;
  const spread = l.explainPair('org_spread_a', 'org_spread_b')!.reasons.find((r) => r.kind === 'ip24' || r.kind === 'ip16')!;
  assert.doesNotMatch(pool.detail, /such values/, JSON.stringify(pool));
  assert.match(spread.detail, /the two use 5 and 5 such values \(counted as ip16\)/, JSON.stringify(spread));
  assert.ok(pool.nats > spread.nats + 2, `${pool.nats} vs ${spread.nats}`);
});

test('linkage: state is bounded per org, and idle orgs are evicted', () => {
  const { l } = linker();
  for (let i = 0; i < 200; i++) l.observe(record('org_busy', { ip24: `10.0.${i}.0/24`, ip16: `10.${i}.0.0/16`, userAgent: `agent-${i}`, systemHash: 1000 + i }));
  const st = l.checkpoint().entries.orgs.find(([id]) => id === 'org_busy')![1]!.link!;
  assert.ok(st.values.length <= spec.max_values_per_org);
  assert.ok(st.buckets.length <= spec.activity_buckets);
  // Far later, enough traffic from others triggers eviction of the idle org.
  const later = T0 + (spec.idle_eviction_hours + 1) * HOUR;
  for (let i = 0; i < 2048; i++) l.observe({ ...record(`org_new${i % 50}`), ts: later + i });
  assert.equal(l.checkpoint().entries.orgs.some(([id]) => id === 'org_busy'), false);
});

test('linkage: checkpoint state round-trips through JSON', () => {
  const { l } = linker();
  for (let i = 0; i < 200; i++) l.observe(record(`org_${i % 7}`, { ip24: `91.200.${i % 3}.0/24`, ip16: '91.200.0.0/16', shapeHash: 5, suffixHash: 9 }));
  const st = JSON.parse(JSON.stringify(l.checkpoint())) as ReturnType<Linker['checkpoint']>;
  const { l: r } = linker();
  r.restore(st.head, st.entries);
  assert.deepEqual(r.checkpoint(), l.checkpoint());
});

test('linkage: a checkpoint restores into settings whose kinds differ: each value keeps its kind, values of a kind turned off are dropped', () => {
  const { l } = linker();
  for (let i = 0; i < 60; i++) l.observe(record(`org_${i % 3}`, { ip24: `91.200.${i % 3}.0/24`, ip16: '91.200.0.0/16', userAgent: 'harness/1.0', shapeHash: 5, itemKey: 0xfe }));
  const st = JSON.parse(JSON.stringify(l.checkpoint())) as ReturnType<Linker['checkpoint']>;
  const kindsOf = (x: Linker, org: string) => new Map(x.checkpoint().entries.orgs).get(org)!.link!.values;
  // The same kinds listed in another order, and without user_agent: indices written before point elsewhere.
  const { user_agent: _off, ...rest } = spec.kinds;
  const reordered = { ...spec, kinds: Object.fromEntries(Object.entries(rest).reverse()) };
  const { l: r } = linker(reordered);
  r.restore(st.head, st.entries);
  const before = new Map(kindsOf(l, 'org_0'));
  const after = kindsOf(r, 'org_0');
  assert.ok(after.length > 0 && !after.some(([k]) => k.startsWith('user_agent:')), JSON.stringify(after));
  assert.deepEqual(after.map(([k]) => k), [...before.keys()].filter((k) => !k.startsWith('user_agent:')));
  // Each value's index names its own kind among the kinds now on.
  const on = LINK_KINDS.filter((k) => k in reordered.kinds);
  for (const [key, ki] of after) assert.equal(on[ki], key.slice(0, key.indexOf(':')), key);
  assert.ok(r.explainPair('org_0', 'org_1'), 'pairs are judged after the restore');
});

/** A store that incremental checkpoints are applied to in turn, as the detection store does. */
function checkpointStore() {
  const store = { orgs: new Map<string, unknown>(), values: new Map<string, unknown>(), clusters: new Map<string, unknown>() };
  const removed = { orgs: 0, values: 0, clusters: 0 };
  const apply = (ck: ReturnType<Linker['checkpoint']>) => {
    const e = JSON.parse(JSON.stringify(ck.entries)) as typeof ck.entries;
    for (const part of ['orgs', 'values', 'clusters'] as const) {
      if (e.full) store[part].clear();
      for (const [id, v] of e[part] as Array<[string, unknown]>)
        if (v !== null) store[part].set(id, v);
        else if (store[part].delete(id)) removed[part]++;
    }
  };
  const sorted = (entries: Iterable<[string, unknown]>) => [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const matches = (l: Linker, what: string) => {
    const full = l.checkpoint().entries;
    assert.deepEqual([sorted(store.orgs), sorted(store.values), sorted(store.clusters)], [sorted(full.orgs), sorted(full.values), sorted(full.clusters)], what);
  };
  // `reversed`: clusters come back in another order than they were written (a Redis hash has its own order).
  const restoreInto = (r: Linker, from: Linker, reversed = false) =>
    r.restore(from.checkpoint().head, { orgs: [...store.orgs], values: [...store.values], clusters: reversed ? [...store.clusters].reverse() : [...store.clusters] } as Parameters<Linker['restore']>[1]);
  return { store, removed, apply, matches, restoreInto };
}

test('linkage: incremental checkpoints applied in turn equal the full state, through merges and evictions', () => {
  const { l } = linker();
  const { removed, apply, matches, restoreInto } = checkpointStore();
  const rng = new Rng(5);
  const records: LinkRecord[] = [];
  // Six groups of five accounts, each group on its own subnet and request shape; later, pairs of groups take up a
  // shared harness and client (their clusters merge), then the first groups fall idle for over a week (evicted).
  for (let i = 0; i < 3000; i++) {
    const late = i >= 1500;
    // For a while only even groups send: a merge then absorbs clusters that saw no traffic since the last checkpoint.
    const g = late ? 2 + rng.int(0, 3) : i >= 900 && i < 1000 ? 2 * rng.int(0, 2) : rng.int(0, 5);
    const bridge = i >= 900;
    records.push(record(`org_g${g}_${rng.int(0, 4)}`, {
      ts: T0 + i * 60_000 + (late ? (spec.idle_eviction_hours + 2) * HOUR : 0),
      ip24: `10.0.${g}.0/24`, ip16: '10.0.0.0/16', shapeHash: 100 + g, userAgent: bridge ? `custom-${g >> 1}` : 'sdk:openai/python', suffixHash: bridge ? 900 + (g >> 1) : 0,
    }));
  }
  const cut = 2200;
  for (let i = 0; i < cut; ) {
    const n = rng.int(1, 6);
    for (const r of records.slice(i, i + n)) l.observe(r);
    i += n;
    apply(l.checkpoint({ dirtyOnly: true }));
    if (i % 7 === 0) matches(l, `after ${i} records`);
  }
  assert.ok(removed.orgs > 0 && removed.values > 0 && removed.clusters > 0, JSON.stringify(removed));
  // Restored from the store, a linker goes on exactly like the one that wrote it.
  const { l: r } = linker();
  restoreInto(r, l);
  for (const rec of records.slice(cut)) {
    l.observe(rec);
    r.observe(rec);
  }
  assert.deepEqual(r.checkpoint(), l.checkpoint());
  assert.deepEqual(r.allClusters().map((c) => c.members), l.allClusters().map((c) => c.members));
});

test('linkage: a network that is most of the population links by what its accounts use together; developers on shared ranges do not', () => {
  // 50 developers on three cloud /24s, each with a stock client and one of four common request shapes picked
  // independently of its range; then 120 accounts that all start at once on two proxy subnets, each with its own
  // stock client version, one request shape, at jittered times. Every value the network uses is soon used by a
  // hundred orgs of 170, so no single value is rare: what links them is that the orgs on those subnets are the
  // orgs with that shape, far more of them than the two counts predict.
  const rng = new Rng(7);
  const { l } = linker();
  const devs = Array.from({ length: 50 }, (_, i) => ({ org: `org_dev${i}`, ip24: `3.4.${5 + (i % 3)}.0/24`, userAgent: `OpenAI/Python 1.${40 + rng.int(0, 20)}.0`, shapeHash: 100 + rng.int(0, 3) }));
  for (let day = 0; day < 3; day++) for (const d of devs) for (let k = 0; k < 4; k++) l.observe(record(d.org, { ts: T0 + day * 24 * HOUR + (9 + rng.next() * 8) * HOUR, ip24: d.ip24, ip16: '3.4.0.0/16', userAgent: d.userAgent, shapeHash: d.shapeHash, suffixHash: 0 }));
  const hydra = Array.from({ length: 120 }, (_, i) => ({ org: `org_h${i}`, userAgent: `OpenAI/JS 4.${50 + rng.int(0, 50)}.${rng.int(0, 9)}` }));
  const start = T0 + 3 * 24 * HOUR;
  const events: Array<{ ts: number; org: string; userAgent: string }> = [];
  for (const h of hydra) for (let k = 0; k < rng.int(10, 40); k++) events.push({ ts: start + rng.next() * 20 * HOUR, ...h });
  events.sort((a, b) => a.ts - b.ts);
  for (const e of events) l.observe(record(e.org, { ts: e.ts, ip24: `77.88.${rng.int(1, 2)}.0/24`, ip16: '77.88.0.0/16', userAgent: e.userAgent, shapeHash: 9001, suffixHash: 0 }));
  const c = l.clusterOf('org_h0');
  assert.ok(c, `the network is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h1'))}`);
  assert.ok(c.members.filter((m) => m.startsWith('org_h')).length >= 0.9 * hydra.length, `${c.members.length} members`);
  const linkedDevs = devs.filter((d) => l.clusterOf(d.org));
  assert.equal(linkedDevs.length, 0, `no developer is linked: ${JSON.stringify(linkedDevs.map((d) => memberReasons(l.clusterOf(d.org)!).find((m) => m.org === d.org)))}`);
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'co_usage')), 'co-usage is among the reasons');
});

test('linkage: a public harness and a stock SDK that a dozen other orgs use do not make one actor; a client few use does', () => {
  // Two evaluators on their own networks run one harness (its system prompt and parameter shape) through the same
  // stock SDK, which twelve other orgs also use: the only evidence about the actor is that SDK, worth about a nat.
  const pair = (agent: string) => {
    const { l } = linker();
    for (let k = 0; k < 40; k++) for (let i = 0; i < 3; i++) l.observe(record(`org_other${k}`, { ip24: `52.${k}.1.0/24`, ip16: `52.${k}.0.0/16`, userAgent: k < 12 ? 'sdk:anthropic/python' : `sdk:other${k}`, shapeHash: 0x100 + k }));
    const harness = { systemHash: 0x5151, shapeHash: 0x9494 };
    for (let i = 0; i < 20; i++) {
      l.observe(record('org_course', { ...harness, ip24: '130.239.15.0/24', ip16: '130.239.0.0/16', userAgent: agent }));
      l.observe(record('org_rival', { ...harness, ip24: '81.9.8.0/24', ip16: '81.9.0.0/16', userAgent: agent }));
    }
    return l.explainPair('org_course', 'org_rival')!;
  };
  const stock = pair('sdk:anthropic/python');
  const ua = stock.reasons.find((r) => r.kind === 'user_agent')!;
  assert.ok(ua.nats >= spec.min_kind_nats && ua.nats < spec.min_actor_nats!, JSON.stringify(ua));
  assert.equal(stock.linked, false, JSON.stringify(stock));
  const rare = pair('course-notebook/1.2');
  assert.equal(rare.linked, true, JSON.stringify(rare));
});

test('linkage: accounts behind a rotating residential pool link by that habit and their harness; fixed-network users of the harness do not', () => {
  // 300 developers on six cloud ranges; 10 evaluators, each on its own network, run the same public harness (its
  // wrapper and request shape) as the network does; 8 mobile-heavy apps whose requests also come from many
  // networks, each with its own shape. Then 30 accounts of one operation, each request from a new /16 of a
  // residential pool, so no two accounts ever share a subnet, with the harness and a stock SDK, at jittered times.
  const rng = new Rng(11);
  const { l } = linker();
  const anyNet = () => {
    const a = rng.pick([24, 67, 71, 73, 86, 98, 174, 189]);
    const b = rng.int(0, 255);
    return { ip24: `${a}.${b}.${rng.int(0, 255)}.0/24`, ip16: `${a}.${b}.0.0/16` };
  };
  const harness = { suffixHash: 0x4242, shapeHash: 0x7777 };
  for (let day = 0; day < 3; day++) {
    for (let i = 0; i < 300; i++)
      for (let k = 0; k < 3; k++) l.observe(record(`org_dev${i}`, { ts: T0 + day * 24 * HOUR + (9 + rng.next() * 8) * HOUR, ip24: `3.4.${5 + (i % 6)}.0/24`, ip16: '3.4.0.0/16', userAgent: 'sdk:openai/python', shapeHash: 100 + (i % 7) }));
    for (let i = 0; i < 10; i++)
      for (let k = 0; k < 4; k++) l.observe(record(`org_eval${i}`, { ts: T0 + day * 24 * HOUR + rng.next() * 24 * HOUR, ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'sdk:openai/python', ...harness }));
    for (let i = 0; i < 8; i++)
      for (let k = 0; k < 4; k++) l.observe(record(`org_mobile${i}`, { ts: T0 + day * 24 * HOUR + rng.next() * 24 * HOUR, ...anyNet(), userAgent: `app-${i}/2.1`, shapeHash: 0x500 + i }));
  }
  const events: Array<{ ts: number; org: string }> = [];
  for (let h = 0; h < 30; h++) for (let k = 0; k < rng.int(12, 30); k++) events.push({ ts: T0 + 3 * 24 * HOUR + rng.next() * 20 * HOUR, org: `org_h${h}` });
  // A new mobile app opens its account in the same hours as the network (so it shares their cohort), and rotates.
  for (let k = 0; k < 20; k++) events.push({ ts: T0 + 3 * 24 * HOUR + (k === 0 ? 0 : rng.next() * 20 * HOUR), org: 'org_mobile_new' });
  events.sort((a, b) => a.ts - b.ts);
  for (const e of events) l.observe(record(e.org, { ts: e.ts, ...anyNet(), ...(e.org === 'org_mobile_new' ? { userAgent: 'app-new/1.0', shapeHash: 0x5ff } : { userAgent: 'sdk:openai/python', ...harness }) }));
  const c = l.clusterOf('org_h0');
  assert.ok(c, `the network is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h1'))}`);
  assert.ok(c.members.filter((m) => m.startsWith('org_h')).length >= 27, `${c.members.length} members`);
  assert.deepEqual(c.members.filter((m) => !m.startsWith('org_h')), [], 'no evaluator, developer or app joins the network (nor the app first seen with it)');
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'address_rotation' || (r.kind === 'co_usage' && /address_rotation/.test(r.detail)))), 'rotation is among the reasons');
  // Every address is a new value, yet the harness's wrapper and shape still registered beside them.
  const entries = new Map(l.checkpoint().entries.orgs);
  for (const h of ['org_h0', 'org_h7']) {
    const values = entries.get(h)!.link!.values.map(([k]) => k);
    assert.ok(values.includes('wrapper:s4242') && values.includes('shape:7777') && values.includes('address_rotation:rotating'), values.join(' '));
    assert.ok(values.filter((k) => k.startsWith('ip16:')).length <= spec.max_values_per_kind!, 'no kind holds more than its share');
  }
  // Rotation alone is one kind of network evidence: two apps rotating addresses with nothing else in common stay apart.
  assert.equal(l.explainPair('org_mobile0', 'org_mobile1')!.linked, false);
  assert.ok(l.explainPair('org_mobile0', 'org_mobile1')!.reasons.some((r) => r.kind === 'address_rotation'));
  assert.equal(l.clusterOf('org_mobile0'), undefined);
});

test('linkage: the users of a request shape all running its API\'s stock SDK are not one actor; all on one proxy range are', () => {
  // 400 orgs: 40 on the stock Anthropic Python SDK, the rest on other clients, spread over cloud ranges. 20
  // developers send one common Anthropic request shape; 18 of them run that SDK (a shape names its API), each from
  // its own cloud /24. Their shape's users are inside the SDK's as any API's shape is inside its SDK's: no bundle.
  const rng = new Rng(5);
  const build = (onProxy: boolean) => {
    const { l } = linker();
    for (let k = 0; k < 400; k++) {
      const ua = k < 40 ? 'sdk:anthropic/python' : `sdk:other${k % 40}`;
      for (let i = 0; i < 3; i++) l.observe(record(`org_bg${k}`, { ts: T0 + rng.int(0, 72) * HOUR, ip24: `52.${k % 200}.${k >> 3}.0/24`, ip16: `52.${k % 200}.0.0/16`, userAgent: ua, shapeHash: 0x1000 + (k % 60) }));
    }
    for (let d = 0; d < 20; d++)
      for (let i = 0; i < 4; i++)
        l.observe(record(`org_dev${d}`, { ts: T0 + rng.int(0, 72) * HOUR, ...(onProxy ? { ip24: `91.200.${d % 4}.0/24`, ip16: '91.200.0.0/16' } : { ip24: `13.${d}.7.0/24`, ip16: `13.${d}.0.0/16` }), userAgent: d < 18 ? 'sdk:anthropic/python' : `sdk:other${d}`, shapeHash: 0xabc }));
    return l;
  };
  const sdk = build(false);
  const e = sdk.explainPair('org_dev1', 'org_dev2')!;
  assert.equal(e.reasons.some((r) => r.kind === 'co_usage'), false, JSON.stringify(e));
  assert.equal(sdk.clusterOf('org_dev1'), undefined);
  // The same shape's users all on one proxy range's /16 (a range nobody else uses): a network habit contains them.
  const proxy = build(true);
  const p = proxy.explainPair('org_dev1', 'org_dev2')!;
  assert.ok(p.reasons.some((r) => r.kind === 'co_usage' && /ip16:91\.200/.test(r.detail)), JSON.stringify(p));
});

/**
 * A deployment starts: 300 developers are all first seen in its first hours, on six cloud ranges, with stock SDKs
 * and one of a few common shapes; 12 evaluators (each its own network) run a public harness over three days. On
 * day 3, 40 accounts of one operation (with `operation`) open within half an hour: each on its own static residential
 * address (no shared subnet, no rotation), the stock SDK, jittered times, and the harness's wrapper and shape.
 */
function firstDays(rng: Rng, operation: boolean, s = spec): Linker {
  const { l } = linker(s);
  for (const r of firstDaysRecords(rng, operation)) l.observe(r);
  return l;
}

function firstDaysRecords(rng: Rng, operation: boolean): LinkRecord[] {
  const harness = { suffixHash: 0x4243, shapeHash: 0x7778 };
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  for (let day = 0; day < 4; day++) {
    for (let i = 0; i < 300; i++)
      for (let k = 0; k < 3; k++) events.push({ ts: T0 + day * 24 * HOUR + (0.2 + rng.next() * 8) * HOUR, org: `org_dev${i}`, r: { ip24: `3.${4 + (i % 6)}.${i % 5}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: i % 7 < 5 ? 'sdk:openai/python' : 'sdk:openai/node', shapeHash: 100 + (i % 4) } });
    for (let i = 0; i < 12; i++)
      for (let k = 0; k < 4; k++) events.push({ ts: T0 + day * 24 * HOUR + rng.next() * 24 * HOUR, org: `org_eval${i}`, r: { ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'sdk:openai/python', ...harness } });
  }
  if (operation)
    for (let h = 0; h < 40; h++) {
      const own = { ip24: `${rng.pick([24, 67, 71, 73, 86])}.${rng.int(0, 255)}.${rng.int(0, 255)}.0/24` };
      const born = T0 + 3 * 24 * HOUR + 10 * HOUR + rng.next() * 0.5 * HOUR;
      const n = rng.int(10, 30);
      for (let k = 0; k < n; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 20 * HOUR, org: `org_h${h}`, r: { ...own, ip16: own.ip24.replace(/\.\d+\.0\/24$/, '.0.0/16'), userAgent: 'sdk:openai/python', ...harness } });
    }
  events.sort((a, b) => a.ts - b.ts);
  return events.map((e) => record(e.org, { ts: e.ts, ...e.r }));
}

test('linkage: accounts first seen together that share a harness link; developers first seen together at a deployment\'s start do not', () => {
  const rng = new Rng(17);
  const build = (operation: boolean, s = spec) => firstDays(rng, operation, s);
  const l = build(true);
  const c = l.clusterOf('org_h0');
  assert.ok(c, `the operation is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h1'))}`);
  assert.ok(c.members.filter((m) => m.startsWith('org_h')).length >= 36, `${c.members.length} members`);
  assert.deepEqual(c.members.filter((m) => !m.startsWith('org_h')), [], 'no evaluator or developer joins the operation');
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'co_usage' && /cohort:/.test(r.detail))), 'the cohort is among the reasons');
  // Without the operation: the developers first seen together at the start share stock SDKs, cloud ranges and
  // common shapes, yet no cohort makes a link: they were first seen in the linker's first day, so they have none
  // (without that warm-up, the first 26 developers, all on one SDK, were one bundle with their first hour). The
  // harness's evaluators, first seen at random, stay apart.
  const byCohort = (x: Linker) => x.allClusters().flatMap((c) => c.links).filter((k) => k.reasons.some((r) => r.kind === 'cohort' && r.nats > 0) || k.reasons.some((r) => r.kind === 'co_usage' && /cohort:/.test(r.detail)));
  const quiet = build(false);
  const entries = new Map(quiet.checkpoint().entries.orgs);
  assert.equal(entries.get('org_dev0')!.link!.values.some(([k]) => k.startsWith('cohort:')), false, 'no cohort in the first day');
  assert.deepEqual(byCohort(quiet), []);
  assert.equal(quiet.clusterOf('org_eval0'), undefined);
  const noWarmup = build(false, { ...spec, cohort: { ...spec.cohort!, warmup_hours: 0 } });
  assert.ok(byCohort(noWarmup).length > 0, 'without the warm-up, the first hour is a bundle');
});

test('linkage: links made on evidence that later proves common are cut when judged again; an operation\'s hold', () => {
  // Without the first day's warm-up, the first developers, nearly all on one SDK, are one bundle with their first
  // hour, on the evidence of that hour. Judged again once hundreds use that SDK and were first seen in the same
  // hours, those links no longer hold and the developers leave; the operation's links rest on what its own accounts
  // use together, and hold.
  const noWarmup = { ...spec, cohort: { ...spec.cohort!, warmup_hours: 0 } };
  const once = firstDays(new Rng(17), true, { ...noWarmup, revise_every: 0 });
  const revised = firstDays(new Rng(17), true, { ...noWarmup, revise_every: 512 });
  const developers = (x: Linker) => x.allClusters().flatMap((c) => c.members).filter((m) => m.startsWith('org_dev'));
  const byFirstHour = (x: Linker) => x.allClusters().flatMap((c) => c.links).filter((k) => k.org.startsWith('org_dev') && k.reasons.some((r) => r.kind === 'co_usage' && /cohort:/.test(r.detail)));
  assert.ok(byFirstHour(once).length > 0 && developers(once).length > 100, 'developers are linked on their first hour when links are never judged again');
  assert.deepEqual(byFirstHour(revised), []);
  // What may remain is a pair linked later on evidence that still holds (a /24 eight others use, shared hours).
  assert.ok(developers(revised).length <= 2, `${developers(revised).length} developers still linked`);
  const c = revised.clusterOf('org_h0');
  assert.ok(c && c.members.filter((m) => m.startsWith('org_h')).length >= 36, `operation: ${c?.members.length ?? 0} members`);
});

test('linkage: incremental checkpoints and a restore carry clusters split when their links were judged again', () => {
  const s = { ...spec, cohort: { ...spec.cohort!, warmup_hours: 0 }, revise_every: 512 };
  const records = firstDaysRecords(new Rng(17), true);
  // Where the splits fall: the restore is cut between the first and the last, so both linkers split after it too.
  const at: number[] = [];
  const probe = new Linker(s, () => {}, false, () => at.push(seen));
  let seen = 0;
  for (const r of records) {
    probe.observe(r);
    seen++;
  }
  assert.ok(at.length >= 2 && at[0]! < at[at.length - 1]!, `splits at ${at.join(', ')}`);
  const cut = at[0]! + 1;
  const splits: string[] = [];
  const l = new Linker(s, () => {}, false, (id) => splits.push(id));
  const { apply, matches, restoreInto } = checkpointStore();
  for (let i = 0; i < cut; i += 40) {
    for (const r of records.slice(i, Math.min(i + 40, cut))) l.observe(r);
    apply(l.checkpoint({ dirtyOnly: true }));
    matches(l, `after ${Math.min(i + 40, cut)} records`);
  }
  assert.ok(splits.length > 0, 'a cluster was split before the checkpoint');
  const later: string[] = [];
  const r = new Linker(s, () => {}, false, (id) => later.push(id));
  restoreInto(r, l, true);
  splits.length = 0;
  for (const rec of records.slice(cut)) {
    l.observe(rec);
    r.observe(rec);
  }
  assert.ok(later.length > 0, 'the restored linker splits clusters too');
  assert.deepEqual(later, splits);
  assert.deepEqual(r.checkpoint(), l.checkpoint());
  assert.deepEqual(r.allClusters().map((c) => [c.id, c.members]), l.allClusters().map((c) => [c.id, c.members]));
});

test('linkage: an org that sends many request shapes gets less from a bundle one of them is in', () => {
  // Five developers on one proxy range (a range nobody else uses) send one shape that five other orgs also send: a
  // bundle. A sixth org on that range pools many customers' traffic in 16 shapes, that one among them: it is in the
  // bundle by one of its 16 chances.
  const rng = new Rng(31);
  const { l } = linker();
  for (let k = 0; k < 300; k++)
    for (let i = 0; i < 3; i++) l.observe(record(`org_bg${k}`, { ts: T0 + rng.int(0, 72) * HOUR, ip24: `52.${k % 200}.${k >> 3}.0/24`, ip16: `52.${k % 200}.0.0/16`, userAgent: `sdk:other${k % 40}`, shapeHash: k < 5 ? 0xabc : 0x1000 + (k % 60) }));
  const proxy = (d: number) => ({ ip24: `91.200.${d % 4}.0/24`, ip16: '91.200.0.0/16', userAgent: `sdk:other${d}` });
  for (let d = 0; d < 5; d++) for (let i = 0; i < 4; i++) l.observe(record(`org_dev${d}`, { ts: T0 + rng.int(0, 72) * HOUR, ...proxy(d), shapeHash: 0xabc }));
  for (let i = 0; i < 64; i++) l.observe(record('org_pool', { ts: T0 + rng.int(0, 72) * HOUR, ...proxy(9), shapeHash: i % 16 === 0 ? 0xabc : 0x2000 + (i % 16) }));
  const bundle = (a: string, b: string) => l.explainPair(a, b)!.reasons.find((r) => r.kind === 'co_usage')?.nats ?? 0;
  const few = bundle('org_dev0', 'org_dev1');
  const many = bundle('org_dev0', 'org_pool');
  assert.ok(few > 0, 'the developers share the bundle');
  assert.ok(many < few - 1.5, `the pool's bundle evidence (${many}) is lowered by its many shapes (developers: ${few})`);
});

test('linkage: a harness whose users nearly all opened their accounts in one busy stretch is one operation\'s, though they are a minority of it', () => {
  // Day 3 is a launch day: 60 developers open accounts between 09:00 and 12:00, beside 40 accounts of one operation
  // (static residential addresses, the stock SDK, a public harness's wrapper, two request shapes, jittered times).
  // No value is used by 70% of any bucket's newcomers, so a cohort inside a value finds nothing; but the wrapper's
  // users lie inside that stretch's newcomers (all but the four evaluators who run the harness at random times).
  const rng = new Rng(29);
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  const wrapper = { suffixHash: 0x4243 };
  const dev = (i: number, born: number) => {
    const r = { ip24: `3.${4 + (i % 6)}.${i % 5}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: i % 7 < 5 ? 'sdk:openai/python' : 'sdk:openai/node', shapeHash: 100 + (i % 4) };
    for (let k = 0; k < 4; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 30 * HOUR, org: `org_dev${i}`, r });
  };
  for (let i = 0; i < 200; i++) dev(i, T0 + rng.next() * 3 * 24 * HOUR);
  for (let i = 200; i < 260; i++) dev(i, T0 + 3 * 24 * HOUR + (9 + rng.next() * 3) * HOUR);
  for (let i = 0; i < 4; i++)
    for (let k = 0; k < 6; k++) events.push({ ts: T0 + rng.next() * 4 * 24 * HOUR, org: `org_eval${i}`, r: { ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'sdk:openai/python', ...wrapper, shapeHash: 0x7778 } });
  for (let h = 0; h < 40; h++) {
    const net16 = `${rng.pick([24, 67, 71, 73, 86])}.${rng.int(0, 255)}`;
    const own = { ip24: `${net16}.${rng.int(0, 255)}.0/24`, ip16: `${net16}.0.0/16`, userAgent: 'sdk:openai/python', ...wrapper, shapeHash: h % 2 ? 0x7778 : 0x7779 };
    const born = T0 + 3 * 24 * HOUR + (9 + rng.next() * 3) * HOUR;
    for (let k = 0; k < 15; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 20 * HOUR, org: `org_h${h}`, r: own });
  }
  events.sort((a, b) => a.ts - b.ts);
  const { l } = linker();
  for (const e of events) l.observe(record(e.org, { ts: e.ts, ...e.r }));
  const c = l.clusterOf('org_h0') ?? l.clusterOf('org_h1');
  assert.ok(c, `the operation is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h2'))}`);
  assert.ok(c.members.filter((m) => m.startsWith('org_h')).length >= 36, `${c.members.length} members`);
  assert.deepEqual(c.members.filter((m) => !m.startsWith('org_h')), [], 'no developer of the launch day and no evaluator joins it');
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'co_usage' && /wrapper:.*also use cohort:/.test(r.detail))), 'the wrapper inside the cohort is among the reasons');
  assert.equal(l.clusterOf('org_eval0'), undefined);
});

test('linkage: accounts whose org lines say they were opened together are a cohort even in the linker\'s first day; customers opened over years are not', () => {
  // The linker starts with a deployment: 300 developers (opened over the past two years) are all first seen in its
  // first hours, and 12 evaluators run a public harness. Six hours in, 40 accounts of one operation start, each on
  // its own static residential address with the stock SDK and the harness: they were opened in one half hour two
  // days before. First seen in the warm-up, they would have no cohort; their creation time gives them one.
  const rng = new Rng(37);
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  const harness = { suffixHash: 0x4243, shapeHash: 0x7778 };
  for (let i = 0; i < 300; i++) {
    const created = T0 - rng.next() * 700 * 24 * HOUR;
    for (let k = 0; k < 3; k++) events.push({ ts: T0 + (0.2 + rng.next() * 20) * HOUR, org: `org_dev${i}`, r: { created, ip24: `3.${4 + (i % 6)}.${i % 5}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: i % 7 < 5 ? 'sdk:openai/python' : 'sdk:openai/node', shapeHash: 100 + (i % 4) } });
  }
  for (let i = 0; i < 12; i++) {
    const created = T0 - rng.next() * 700 * 24 * HOUR;
    for (let k = 0; k < 4; k++) events.push({ ts: T0 + rng.next() * 24 * HOUR, org: `org_eval${i}`, r: { created, ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'sdk:openai/python', ...harness } });
  }
  const batch = T0 - 2 * 24 * HOUR;
  for (let h = 0; h < 40; h++) {
    const net16 = `${rng.pick([24, 67, 71, 73, 86])}.${rng.int(0, 255)}`;
    const own = { created: batch + rng.next() * 0.5 * HOUR, ip24: `${net16}.${rng.int(0, 255)}.0/24`, ip16: `${net16}.0.0/16`, userAgent: 'sdk:openai/python', ...harness };
    const born = T0 + (6 + rng.next() * 4) * HOUR;
    for (let k = 0; k < 15; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 20 * HOUR, org: `org_h${h}`, r: own });
  }
  events.sort((a, b) => a.ts - b.ts);
  const run = (withCreated: boolean, s = spec) => {
    const { l } = linker(s);
    for (const e of events) {
      const { created, ...r } = e.r;
      l.observe(record(e.org, { ts: e.ts, ...r, ...(withCreated ? { created } : {}) }));
    }
    return l;
  };
  const l = run(true);
  const c = l.clusterOf('org_h0') ?? l.clusterOf('org_h1');
  assert.ok(c, `the operation is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h2'))}`);
  assert.ok(c.members.filter((m) => m.startsWith('org_h')).length >= 36, `${c.members.length} members`);
  assert.deepEqual(c.members.filter((m) => !m.startsWith('org_h')), [], 'no developer or evaluator joins it');
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'co_usage' && /cohort:/.test(r.detail))), 'the cohort is among the reasons');
  assert.deepEqual(l.allClusters().filter((x) => x.members.some((m) => !m.startsWith('org_h'))).map((x) => x.members.length), [], 'no cluster of customers');
  // The same trace without creation times, or with them switched off (customers imported in batches): first seen
  // in the warm-up, the operation has no cohort and nothing else.
  assert.equal(run(false).clusterOf('org_h0'), undefined);
  assert.equal(run(true, { ...spec, cohort: { ...spec.cohort!, opened: false } }).clusterOf('org_h0'), undefined);
});

test('linkage: a network\'s late accounts join its cluster though other operations\' accounts joined it since', () => {
  // Day 0: 200 developers on cloud ranges with stock SDKs. Day 1 from 10:00: nine accounts of a network (its proxy
  // range's /24s, a harness's wrapper and shape, a browser's user agent few others send) start, and twenty of a
  // second operation (its own range and wrapper, the same browser) start in the same hour: the two link through that
  // hour and client, the second's accounts last. Day 2: three more of the network's accounts start on its range,
  // with its harness. They link with each other at once; joining the network's cluster needs a second pair to bear
  // it out, which its most recent members (the second operation's) cannot.
  const rng = new Rng(47);
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  for (let i = 0; i < 200; i++)
    for (let k = 0; k < 3; k++) events.push({ ts: T0 + rng.next() * 20 * HOUR, org: `org_dev${i}`, r: { ip24: `3.${4 + (i % 6)}.${i % 5}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: i % 7 < 5 ? 'sdk:openai/python' : 'sdk:openai/node', shapeHash: 100 + (i % 4) } });
  const network = (i: number) => ({ ip24: `127.155.${137 + (i % 6)}.0/24`, ip16: '127.155.0.0/16', userAgent: 'browser', suffixHash: 0x4243, shapeHash: 0x7778 });
  const day1 = T0 + 34 * HOUR;
  for (let n = 0; n < 9; n++) {
    const born = day1 + rng.next() * 0.2 * HOUR;
    for (let k = 0; k < 20; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 30 * HOUR, org: `org_n${n}`, r: network(n) });
  }
  for (let o = 0; o < 20; o++) {
    const born = day1 + (0.4 + rng.next() * 0.4) * HOUR;
    for (let k = 0; k < 20; k++) events.push({ ts: k === 0 ? born : born + 10 * HOUR + rng.next() * 30 * HOUR, org: `org_o${o}`, r: { ip24: `45.9.${o % 4}.0/24`, ip16: '45.9.0.0/16', userAgent: 'browser', suffixHash: 0x5353, shapeHash: 0x8888 } });
  }
  for (let n = 9; n < 12; n++) {
    const born = T0 + 62 * HOUR + rng.next() * 2 * HOUR;
    for (let k = 0; k < 20; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 10 * HOUR, org: `org_n${n}`, r: network(5) });
  }
  events.sort((a, b) => a.ts - b.ts);
  const { l } = linker();
  for (const e of events) l.observe(record(e.org, { ts: e.ts, ...e.r }));
  const c = l.clusterOf('org_n0');
  assert.ok(c, 'the network is clustered');
  for (let n = 9; n < 12; n++) assert.equal(l.clusterOf(`org_n${n}`)?.id, c.id, `org_n${n} is in the network's cluster: ${JSON.stringify(l.explainPair(`org_n${n}`, 'org_n0')?.reasons)}`);
  assert.deepEqual(c.members.filter((m) => m.startsWith('org_dev')), [], 'no developer joins');
});

test('linkage: customers imported in two batches are no cohort with a value most of the first batch uses', () => {
  // 1,000 customers, 220 of them created by an import in one hour and 780 in the next (the orgs' creation times say
  // nothing of their owners); a legacy request shape is used by 200 of them, 160 from the first batch (80%, where
  // the batch is 43% of the orgs the linker weighs shares against). Each on its own cloud address, a stock SDK.
  // (A value concentrated so in one batch is a bundle by any tail bound; only its share being far above the
  // batch's tells it from an operation. Imports in small batches need `opened: false`: docs/detection.md.)
  const rng = new Rng(41);
  const { l } = linker();
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  for (let i = 0; i < 1000; i++) {
    const first = i < 220;
    const created = T0 - 5 * 24 * HOUR + (first ? 0 : 3 * HOUR) + rng.next() * HOUR;
    const legacy = first ? i < 160 : i < 260;
    const r = { created, ip24: `34.${i % 250}.${i >> 2}.0/24`, ip16: `34.${i % 250}.0.0/16`, userAgent: i % 3 ? 'sdk:openai/python' : 'sdk:openai/node', shapeHash: legacy ? 0xbad : 0x100 + (i % 9) };
    // Every customer is seen on the first day; the legacy shape comes into use from the second (so its users are
    // judged against the whole population, not the first few dozen orgs seen).
    events.push({ ts: T0 + rng.next() * 24 * HOUR, org: `org_c${i}`, r: { ...r, shapeHash: 0x100 + (i % 9) } });
    for (let k = 0; k < 4; k++) events.push({ ts: T0 + (1 + rng.next() * 2) * 24 * HOUR, org: `org_c${i}`, r });
  }
  events.sort((a, b) => a.ts - b.ts);
  for (const e of events) l.observe(record(e.org, { ts: e.ts, ...e.r }));
  const clustered = l.allClusters().reduce((n, c) => n + c.members.length, 0);
  assert.ok(clustered <= 4, `${clustered} customers clustered: ${JSON.stringify(l.allClusters()[0]?.links.slice(0, 3))}`);
});

test('linkage: one account sharing a network\'s evidence by chance does not bring its own cluster into the network', () => {
  // A course: 30 students on one campus range with the course's system prompt, first seen over its first three days.
  // On day 3, 20 accounts of one operation open within half an hour, each on its own static residential address,
  // with the stock SDK and a harness ending prompts with a chain-of-thought phrase that three other orgs also use.
  // One student, first seen in that half hour, ends some prompts with the same phrase: alone, it shares the
  // network's cohort and wrapper. Its links into the network are the only ones between the course and the network.
  const rng = new Rng(23);
  const events: Array<{ ts: number; org: string; r: Partial<LinkRecord> }> = [];
  const phrase = { suffixHash: 0x6161 };
  const campus = { ip24: '128.32.5.0/24', ip16: '128.32.0.0/16', userAgent: 'sdk:openai/python', systemHash: 0x5151 };
  for (let i = 0; i < 200; i++)
    for (let k = 0; k < 3; k++) events.push({ ts: T0 + rng.next() * 4 * 24 * HOUR, org: `org_dev${i}`, r: { ip24: `3.${4 + (i % 6)}.${i % 5}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: 'sdk:openai/node', shapeHash: 100 + (i % 4) } });
  for (let i = 0; i < 3; i++)
    for (let k = 0; k < 5; k++) events.push({ ts: T0 + rng.next() * 4 * 24 * HOUR, org: `org_cot${i}`, r: { ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'sdk:openai/python', ...phrase } });
  const opens = T0 + 3 * 24 * HOUR + 10 * HOUR;
  for (let s = 0; s < 30; s++) {
    const born = s === 0 ? opens + 0.25 * HOUR : T0 + (1.1 + rng.next() * 1.8) * 24 * HOUR;
    for (let k = 0; k < 20; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 20 * HOUR, org: `org_s${s}`, r: { ...campus, ...(s === 0 && k % 2 === 1 ? phrase : {}) } });
  }
  for (let h = 0; h < 20; h++) {
    const net16 = `${rng.pick([24, 67, 71, 73, 86])}.${rng.int(0, 255)}`;
    const own = { ip24: `${net16}.${rng.int(0, 255)}.0/24`, ip16: `${net16}.0.0/16` };
    const born = opens + rng.next() * 0.5 * HOUR;
    for (let k = 0; k < 20; k++) events.push({ ts: k === 0 ? born : born + rng.next() * 20 * HOUR, org: `org_h${h}`, r: { ...own, userAgent: 'sdk:openai/python', ...phrase, shapeHash: 0x7778 } });
  }
  events.sort((a, b) => a.ts - b.ts);
  const run = (s = spec) => {
    const { l } = linker(s);
    for (const e of events) l.observe(record(e.org, { ts: e.ts, ...e.r }));
    return l;
  };
  const l = run();
  const net = l.clusterOf('org_h0');
  assert.ok(net && net.members.filter((m) => m.startsWith('org_h')).length >= 18, `the network is clustered: ${JSON.stringify(l.explainPair('org_h0', 'org_h1'))}`);
  assert.ok(l.explainPair('org_s0', 'org_h1')!.linked, 'the student and a network account share enough to link as a pair');
  const course = l.clusterOf('org_s1');
  assert.ok(course && course.members.filter((m) => m.startsWith('org_s')).length >= 29, 'the course is clustered');
  assert.notEqual(course.id, net.id, 'the course is not joined to the network');
  assert.deepEqual(net.members.filter((m) => !m.startsWith('org_h')), [], 'no student, developer or phrase user is in the network');
  // With one link enough to join (single linkage), that student brings the course in.
  const single = run({ ...spec, corroborate_members: 0 });
  assert.equal(single.clusterOf('org_s1')?.id, single.clusterOf('org_h0')?.id);
});

test('linkage: a cluster whose other members went idle is joined through the one still active', () => {
  const { l } = linker();
  const op = (org: string, ts: number) => record(org, { ts, ip24: '91.200.14.0/24', ip16: '91.200.0.0/16', userAgent: 'harvester/0.3', shapeHash: 7777, suffixHash: 4242 });
  for (let k = 0; k < 6; k++) for (const o of ['org_a', 'org_b', 'org_c']) l.observe(op(o, T0 + k * HOUR));
  assert.equal(l.clusterOf('org_a')?.members.length, 3);
  // A week later only org_c is still sending; the others leave the linkage state, and a new account of the operation
  // links to org_c, the one member left to link to.
  const later = T0 + (spec.idle_eviction_hours + 12) * HOUR;
  for (let k = 0; k < 3; k++) l.observe(op('org_c', later - k * HOUR));
  for (let i = 0; i < 2048; i++) l.observe({ ...record(`org_new${i % 50}`), ts: later + i * 10 });
  for (let k = 0; k < 6; k++) for (const o of ['org_c', 'org_d']) l.observe(op(o, later + 3 * HOUR + k * HOUR));
  assert.equal(l.explainPair('org_a', 'org_d'), undefined, 'org_a left the linkage state');
  assert.equal(l.clusterOf('org_d')?.id, l.clusterOf('org_a')?.id);
});

test('linkage: a co-usage count follows the users a value gains after it was counted', () => {
  // 300 developers on cloud ranges; 12 accounts on one proxy /16 each send a harness shape three times. The pair's
  // co-usage is counted, then 6 more accounts of the range take up the shape: asked again, the count has them.
  const { l } = linker();
  const rng = new Rng(23);
  for (let i = 0; i < 300; i++)
    for (let k = 0; k < 3; k++) l.observe(record(`org_dev${i}`, { ts: T0 + rng.next() * 24 * HOUR, ip24: `3.${4 + (i % 6)}.${i % 9}.0/24`, ip16: `3.${4 + (i % 6)}.0.0/16`, userAgent: 'sdk:openai/python', shapeHash: 100 + (i % 5) }));
  const proxy = (i: number) => ({ ip24: `91.200.${i % 4}.0/24`, ip16: '91.200.0.0/16', userAgent: `sdk:other${i}` });
  for (let i = 0; i < 20; i++) l.observe(record(`org_p${i}`, { ts: T0 + 25 * HOUR, ...proxy(i), shapeHash: 0x900 + i }));
  for (let i = 0; i < 12; i++) for (let k = 0; k < 3; k++) l.observe(record(`org_p${i}`, { ts: T0 + 26 * HOUR + k * 1000, ...proxy(i), shapeHash: 0xabc }));
  const before = l.explainPair('org_p0', 'org_p1')!.reasons.find((r) => r.kind === 'co_usage');
  assert.ok(before, 'a bundle of the range and the shape');
  assert.match(before.detail, /^12 of the 12 orgs using shape:abc/);
  for (let i = 12; i < 18; i++) for (let k = 0; k < 3; k++) l.observe(record(`org_p${i}`, { ts: T0 + 27 * HOUR + k * 1000, ...proxy(i), shapeHash: 0xabc }));
  assert.match(l.explainPair('org_p0', 'org_p1')!.reasons.find((r) => r.kind === 'co_usage')!.detail, /^18 of the 18 orgs using shape:abc/);
});

test("linkage: accounts on a residential pool sending one operation's few fixed prompts link by them; common greetings and one-off items do not", () => {
  // 300 developers on three cloud ranges, on their SDK's versions; 60 of them also send "hello" again and again, 20 "say this is a test".
  // 60 mobile apps whose users call from everywhere (rotating addresses). 12 applications (each on its own
  // network) send the same request shape as the operation, each its own fixed prompts. Then 15 accounts of one operation, each request from a new /16 of a residential pool, a stock
  // SDK, that shape, and the operation's 4 prompts over and over; and one harvest (on its own network, first seen
  // earlier) sending every item once, taking up a request shape after its 70th.
  const without = { ...spec, kinds: Object.fromEntries(Object.entries(spec.kinds).filter(([k]) => k !== 'prompt')) };
  const run = (s: typeof spec) => {
    const rng = new Rng(5);
    const { l } = linker(s);
    const anyNet = () => {
      const a = rng.pick([24, 67, 71, 73, 86, 98, 174, 189]);
      const b = rng.int(0, 255);
      return { ip24: `${a}.${b}.${rng.int(0, 255)}.0/24`, ip16: `${a}.${b}.0.0/16` };
    };
    const shape = 0x9999;
    const devAgents = Array.from({ length: 300 }, () => `OpenAI/Python 1.${40 + rng.int(0, 20)}.0`);
    for (let day = 0; day < 3; day++) {
      for (let i = 0; i < 300; i++)
        for (let k = 0; k < 4; k++) {
          const greet = (i < 60 && k % 2 === 0 ? 0x4e110 : i >= 60 && i < 80 && k % 2 === 0 ? 0x7e57 : 0) || rng.int(1 << 20, 1 << 30);
          l.observe(record(`org_dev${i}`, { ts: T0 + day * 24 * HOUR + (9 + rng.next() * 8) * HOUR, ip24: `3.4.${5 + (i % 3)}.0/24`, ip16: '3.4.0.0/16', userAgent: devAgents[i]!, shapeHash: 100 + (i % 7), itemKey: greet }));
        }
      for (let i = 0; i < 60; i++)
        for (let k = 0; k < 4; k++) l.observe(record(`org_mobile${i}`, { ts: T0 + day * 24 * HOUR + rng.next() * 24 * HOUR, ...anyNet(), userAgent: `app-${i}/2.1`, shapeHash: 0x500 + i }));
      for (let i = 0; i < 12; i++)
        for (let k = 0; k < 6; k++) l.observe(record(`org_app${i}`, { ts: T0 + day * 24 * HOUR + rng.next() * 24 * HOUR, ip24: `81.${i}.9.0/24`, ip16: `81.${i}.0.0/16`, userAgent: 'OpenAI/Python 1.50.0', shapeHash: shape, itemKey: 0xa000 + i * 16 + (k % 3) }));
    }
    const prompts = [0xe1, 0xe2, 0xe3, 0xe4];
    const events: Array<{ ts: number; org: string }> = [];
    // Opened over two days, a few hours apart: no cohort holds most of them.
    for (let h = 0; h < 15; h++) for (let k = 0; k < rng.int(20, 40); k++) events.push({ ts: T0 + 3 * 24 * HOUR + h * 3.3 * HOUR + rng.next() * 20 * HOUR, org: `org_x${h}` });
    for (let k = 0; k < 120; k++) events.push({ ts: T0 + 3 * 24 * HOUR + (k === 0 ? -12 * HOUR : rng.next() * 20 * HOUR), org: 'org_harvest' });
    events.sort((a, b) => a.ts - b.ts);
    let item = 1 << 24;
    for (const e of events)
      l.observe(
        e.org === 'org_harvest'
          ? record(e.org, { ts: e.ts, ip24: '90.1.1.0/24', ip16: '90.1.0.0/16', userAgent: 'OpenAI/Python 1.50.0', shapeHash: item - (1 << 24) >= 70 ? 0x1234 : 0, itemKey: item++ })
          : record(e.org, { ts: e.ts, ...anyNet(), userAgent: 'OpenAI/Python 1.50.0', shapeHash: shape, itemKey: rng.pick(prompts) }),
      );
    // An account that chats for a while (a hundred one-off prompts), then sends one prompt again and again.
    for (let k = 0; k < 106; k++) l.observe(record('org_warm', { ts: T0 + 4 * 24 * HOUR + k * 60_000, ip24: '90.2.1.0/24', ip16: '90.2.0.0/16', itemKey: k < 100 ? (1 << 28) + k : 0xbeef }));
    return l;
  };
  const l = run(spec);
  const c = l.clusterOf('org_x0');
  assert.ok(c && c.members.filter((m) => m.startsWith('org_x')).length >= 13, `the operation is clustered: ${JSON.stringify(l.explainPair('org_x0', 'org_x1'))}`);
  assert.deepEqual(c.members.filter((m) => !m.startsWith('org_x')), [], 'no developer, application or harvest joins it');
  assert.ok(memberReasons(c).some((m) => m.via?.reasons.some((r) => r.kind === 'prompt')), 'a shared prompt is among the reasons');
  // Sixty developers sending "hello" from one cloud range are not one operation, nor twenty testing the SDK.
  assert.equal(l.explainPair('org_dev0', 'org_dev1')!.linked, false, JSON.stringify(l.explainPair('org_dev0', 'org_dev1')));
  assert.equal(l.explainPair('org_dev60', 'org_dev61')!.linked, false, JSON.stringify(l.explainPair('org_dev60', 'org_dev61')));
  // A harvest's items are each sent once: none registers, and a shape it takes up after 70 of them still does.
  const valuesOf = (org: string) => new Map(l.checkpoint().entries.orgs).get(org)!.link!.values.map(([k]) => k);
  const values = valuesOf('org_harvest');
  assert.deepEqual(values.filter((k) => k.startsWith('prompt:')), []);
  assert.ok(values.includes('shape:1234'), values.join(' '));
  // One-off prompts sent before do not keep a fixed prompt from registering.
  assert.ok(valuesOf('org_warm').includes('prompt:beef'), valuesOf('org_warm').join(' '));
  // Without the kind, shape and rotation alone leave the operation apart.
  const lw = run(without);
  const before = lw.clusterOf('org_x0');
  assert.ok(!before || before.members.length < 8, `without shared prompts: ${before?.members.length}`);
});
