// Detector checkpoints: a detector restored from a checkpoint taken mid-trace and fed the rest of the trace ends
// exactly where one uninterrupted detector does (labels, clusters, every feature value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type Detector, type DetectorCheckpoint, type DetectorGlobalState, type DetectorRestore } from '../../src/detection/detector.js';
import type { LinkClusterEntry, LinkOrgEntry, LinkValueEntry } from '../../src/detection/linkage/linker.js';
import type { OrgState } from '../../src/detection/org-record.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { simulate } from '../../src/simulator/scenarios.js';
import { mapTallies } from '../../src/detection/checkpoint/migrate.js';
import { FLAG_BITS } from '../../src/detection/tally.js';
import { conditionComparisons } from '../../src/detection/rules/condition.js';

const assets = loadDetectionAssets();

function verdicts(d: Detector) {
  const s = d.snapshot();
  return {
    requests: s.requests,
    orgs: s.orgs.map((o) => ({ org: o.org, requests: o.requests, cluster: o.cluster, activities: o.activities.map((a) => ({ label: a.label, rules: a.rules, first: a.first_detected, confidence: a.confidence })) })),
    clusters: s.clusters,
    features: Object.fromEntries(s.orgs.map((o) => [o.org, d.features(o.org)])),
  };
}

// Through JSON, as the worker stores it.
const roundTrip = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

test('checkpoint: restore mid-trace + the rest of the trace = one uninterrupted run', () => {
  const { lines } = simulate({ scenario: 'mixed', seed: 11, split: 'holdout', scale: 0.25 });
  const whole = createDetector({ ...assets });
  for (const l of lines) whole.ingest(l);

  for (const cut of [Math.floor(lines.length * 0.37), Math.floor(lines.length * 0.81)]) {
    const first = createDetector({ ...assets });
    for (const l of lines.slice(0, cut)) first.ingest(l);
    const resumed = createDetector({ ...assets, restore: roundTrip(first.checkpoint()) });
    for (const l of lines.slice(cut)) resumed.ingest(l);
    assert.deepEqual(verdicts(resumed), verdicts(whole), `cut at line ${cut}`);
  }
  assert.ok(verdicts(whole).orgs.some((o) => o.activities.some((a) => a.label === 'distillation')), 'the trace exercises clusters');
});

/** A store as the worker keeps it in Redis: the latest global state and the latest entry per key. */
class Store {
  global: DetectorGlobalState | undefined;
  orgs = new Map<string, OrgState>();
  linkage = { orgs: new Map<string, LinkOrgEntry>(), values: new Map<string, LinkValueEntry>(), clusters: new Map<string, LinkClusterEntry>() };
  removed = { orgs: 0, values: 0, clusters: 0 };

  apply(ck: DetectorCheckpoint): void {
    if (ck.full) {
      this.orgs.clear();
      for (const m of Object.values(this.linkage)) m.clear();
    }
    this.global = ck.global;
    for (const o of ck.orgs) this.orgs.set(o.id, o);
    this.removed.orgs += applyEntries(this.linkage.orgs, ck.linkage.orgs);
    this.removed.values += applyEntries(this.linkage.values, ck.linkage.values);
    this.removed.clusters += applyEntries(this.linkage.clusters, ck.linkage.clusters);
  }

  restore(): DetectorRestore {
    const list = <T>(m: Map<string, T>) => [...m];
    return { global: this.global!, orgs: [...this.orgs.values()], linkage: { orgs: list(this.linkage.orgs), values: list(this.linkage.values), clusters: list(this.linkage.clusters) } };
  }
}

function applyEntries<T>(m: Map<string, T>, entries: Array<[string, T | null]>): number {
  let removed = 0;
  for (const [id, e] of entries)
    if (e !== null) m.set(id, e);
    else if (m.delete(id)) removed++;
  return removed;
}

const sortedEntries = <T>(entries: Array<[string, T | null]> | Map<string, T>) => [...entries].sort((a, b) => (a[0] < b[0] ? -1 : 1));

test('checkpoint: incremental checkpoints (changed orgs and linkage entries) restore the same state as a full one', () => {
  const { lines } = simulate({ scenario: 'mixed', seed: 28, split: 'tune', scale: 0.2 });
  // Idle accounts leave the linkage state after 2 hours here, so evictions happen between checkpoints. Co-usage is
  // off: with it, this trace's hydra is linked in one piece, and the merges of clusters formed apart (which the
  // incremental checkpoints must carry) would not happen.
  const kinds = { ...assets.linkage.kinds, co_usage: { ...assets.linkage.kinds.co_usage!, weight: 0 } };
  const short = { ...assets, linkage: { ...assets.linkage, kinds, idle_eviction_hours: 2 } };
  const whole = createDetector({ ...short });
  for (const l of lines) whole.ingest(l);

  const d = createDetector({ ...short });
  const store = new Store();
  const cut = Math.floor(lines.length * 0.6);
  let writtenOrgs = 0;
  let unchangedLinks = 0;
  let fulls = 0;
  let dropped = false;
  lines.slice(0, cut).forEach((l: TraceLine, i) => {
    d.ingest(l);
    // Every 200 requests, so restores land mid-hour: the idle sweep's schedule must survive them.
    if (i % 200 !== 199) return;
    const ck = roundTrip(d.checkpoint({ dirtyOnly: true }));
    if (i === 2399) {
      // A failed write: what it carried is lost, and the next checkpoint must carry everything.
      d.markAllDirty();
      dropped = true;
      return;
    }
    store.apply(ck);
    if (ck.full) fulls++;
    else {
      writtenOrgs += ck.orgs.length;
      unchangedLinks += store.linkage.orgs.size - ck.linkage.orgs.filter(([, e]) => e).length;
    }
  });
  store.apply(roundTrip(d.checkpoint({ dirtyOnly: true })));
  assert.ok(dropped && fulls === 2, `the first checkpoint and the one after the failed write are full (${fulls})`);
  assert.ok(writtenOrgs < store.orgs.size * Math.ceil(cut / 200), 'incremental checkpoints skip unchanged orgs');
  assert.ok(unchangedLinks > 0, 'and unchanged linkage entries');
  assert.ok(store.removed.orgs > 0 && store.removed.values > 0, `evictions between checkpoints (${JSON.stringify(store.removed)})`);
  assert.ok(store.removed.clusters > 0, 'clusters merged between checkpoints');
  const full = roundTrip(d.checkpoint());
  // The stored entries are exactly the full state's.
  assert.deepEqual(sortedEntries(store.linkage.orgs), sortedEntries(full.linkage.orgs));
  assert.deepEqual(sortedEntries(store.linkage.values), sortedEntries(full.linkage.values));
  assert.deepEqual(sortedEntries(store.linkage.clusters), sortedEntries(full.linkage.clusters));

  const resumed = createDetector({ ...short, restore: store.restore() });
  for (const l of lines.slice(cut)) resumed.ingest(l);
  assert.deepEqual(verdicts(resumed), verdicts(whole));
  assert.ok(whole.snapshot().clusters.length > 0);
});

test('checkpoint: a checkpoint of a version this moat cannot read is refused', () => {
  const d = createDetector({ ...assets });
  for (const l of simulate({ scenario: 'mixed', seed: 14, split: 'tune', scale: 0.05 }).lines) d.ingest(l);
  const ck = roundTrip(d.checkpoint());
  const old = { ...ck, global: { ...ck.global, version: 2 } } as unknown as DetectorCheckpoint;
  assert.throws(() => createDetector({ ...assets, restore: old }), /version 2 is not supported \(this moat reads versions 3, 4, 5, 6, 7, 8 and 9/);
});

// Flags each earlier version lacks (each was added as the last flag), and the features reading them.
const ADDED_SINCE: Record<number, string[]> = {
  3: ['capability_work', 'long_reasoning', 'open_cot', 'new_tools', 'tools_offered', 'new_bias', 'reprobe'],
  4: ['long_reasoning', 'open_cot', 'new_tools', 'tools_offered', 'new_bias', 'reprobe'],
  5: ['open_cot', 'new_tools', 'tools_offered', 'new_bias', 'reprobe'],
  6: ['new_tools', 'tools_offered', 'new_bias', 'reprobe'],
  7: ['new_bias', 'reprobe'],
  8: ['reprobe'],
};
// Features named for something else that count an added flag.
/** Deletes the named fields wherever they occur in a checkpoint's state (what an older version did not write). */
function dropFields(state: unknown, names: readonly string[]): void {
  if (Array.isArray(state)) for (const x of state) dropFields(x, names);
  else if (state && typeof state === 'object') {
    for (const n of names) delete (state as Record<string, unknown>)[n];
    for (const x of Object.values(state)) dropFields(x, names);
  }
}

const READ_BY: Record<string, string[]> = { long_reasoning: ['top_member_reasoning_share'], open_cot: ['cot_llr'], new_tools: ['new_tools_rate'], tools_offered: ['new_tools_rate'], new_bias: ['new_bias_rate'], reprobe: ['reprobe_rate'] };

for (const [version, added] of Object.entries(ADDED_SINCE))
  test(`checkpoint: a version-${version} checkpoint (tallies without the ${added.join(' and ')} slot${added.length > 1 ? 's' : ''}) is carried over and the detector goes on as one that never stopped`, () => {
    const { lines } = simulate({ scenario: 'mixed', seed: 11, split: 'holdout', scale: 0.25 });
    const cut = Math.floor(lines.length * 0.5);
    const whole = createDetector({ ...assets });
    for (const l of lines) whole.ingest(l);
    const first = createDetector({ ...assets });
    for (const l of lines.slice(0, cut)) first.ingest(l);
    // What that moat wrote: the same state, every tally without the slots of the flags added since.
    const ck = roundTrip(first.checkpoint());
    let tallies = 0;
    mapTallies([ck.orgs, ck.linkage], (b64) => {
      tallies++;
      const b = Buffer.from(b64, 'base64');
      const at = (FLAG_BITS - added.length) * 8;
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 8 * added.length)]).toString('base64');
    });
    assert.ok(tallies > 100, `the checkpoint holds windows (${tallies} tallies)`);
    // Nor did it remember the tool names (before version 7), the biased tokens (before 8) or the contexts sent under
    // logit_bias (before 9) its windows saw.
    const v = Number(version);
    dropFields(ck.orgs, [...(v < 7 ? ['toolNames', 'toolN'] : []), ...(v < 8 ? ['biasTokens', 'biasN'] : []), 'biasContexts', 'biasContextN', 'biasProbes', 'biasProbeN']);
    // Nor the clusters' largest member's long-reasoning count (added later still, with no version of its own: absent
    // reads as none, and it counts from the upgrade like the tallies' new slots).
    dropFields(ck.linkage, ['largestReasoning']);
    // Nor the windows' turn column (added with no version of its own: such windows read every follow-up as
    // continuing until their requests have left), nor, before version 9, their conversation histories.
    for (const o of Object.values(ck.orgs) as Array<{ window?: { arrays: Record<string, string> } }>) {
      if (!o?.window) continue;
      delete o.window.arrays.turn;
      if (v < 9) delete o.window.arrays.history;
    }
    const old = { ...ck, global: { ...ck.global, version: Number(version) } };
    const resumed = createDetector({ ...assets, restore: old });
    for (const l of lines.slice(cut)) resumed.ingest(l);
    // Requests counted before the upgrade carry none of the added flags, so those shares (and the scores reading
    // them, and so which rules fire and when) may differ until the requests leave their windows; the labels, the
    // clusters, the counts and every other feature are as if the worker never stopped.
    const readsAdded = (k: string) => added.some((f) => k.includes(f) || (READ_BY[f] ?? []).some((r) => k.includes(r)));
    const reads = (k: string) => readsAdded(k) || k.includes('score.') || k.includes('single_turn');
    // A label every rule of which, in the uninterrupted run, is an org rule reading an added flag's feature (long reasoning decides
    // whether an evaluation-shaped harvest is one) may come later or not at all: the window's older requests lack
    // the flag. Only such a label may be missing after the upgrade; every label the resumed detector has is compared.
    const ruleReadsAdded = new Set(assets.rules.filter((r) => r.spec.scope === 'org' && conditionComparisons(r.spec.when).some((c) => readsAdded(c.feature))).map((r) => r.spec.id));
    const resumedLabels = new Set(verdicts(resumed).orgs.flatMap((o) => o.activities.map((a) => `${o.org} ${a.label}`)));
    const undecided = new Set(verdicts(whole).orgs.flatMap((o) => o.activities.filter((a) => a.rules.every((r) => ruleReadsAdded.has(r)) && !resumedLabels.has(`${o.org} ${a.label}`)).map((a) => `${o.org} ${a.label}`)));
    assert.ok(undecided.size <= 3, `labels missing after the upgrade: ${[...undecided].join(', ')}`);
    const without = (v: ReturnType<typeof verdicts>) =>
      roundTrip({
        ...v,
        orgs: v.orgs.map((o) => ({ ...o, activities: o.activities.map((a) => a.label).filter((l) => !undecided.has(`${o.org} ${l}`)).sort() })),
        features: Object.fromEntries(Object.entries(v.features).map(([org, f]) => [org, Object.fromEntries(Object.entries(f ?? {}).filter(([k]) => !reads(k)))])),
      });
    assert.deepEqual(without(verdicts(resumed)), without(verdicts(whole)));
    assert.equal(resumed.checkpoint().global.version, 9, 'written back in the current version');
  });

test('checkpoint: raw prompt snippets are kept only for flagged orgs; size per org is bounded', () => {
  const { lines, labels } = simulate({ scenario: 'mixed', seed: 13, split: 'tune', scale: 0.2 });
  const d = createDetector({ ...assets });
  for (const l of lines) d.ingest(l);
  const ck = d.checkpoint();
  // Legitimate orgs no label is allowed for (an evaluation's, allowed benchmarking, keeps evidence of it).
  const legit = new Set(labels.actors.filter((a) => a.kind === 'legit' && a.allowed.length === 0).flatMap((a) => a.orgs));
  for (const o of ck.orgs) {
    if (o.activities.length === 0) assert.deepEqual(o.samples, [], o.id);
    if (legit.has(o.id)) assert.deepEqual(o.samples, [], o.id);
  }
  const biggest = Math.max(...ck.orgs.map((o) => JSON.stringify(o).length));
  assert.ok(biggest < 64_000, `largest org state ${biggest} bytes`);
});
