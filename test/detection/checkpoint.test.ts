// Detector checkpoints: a detector restored from a checkpoint taken mid-trace and fed the rest of the trace ends
// exactly where one uninterrupted detector does (labels, clusters, every feature value).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type Detector, type DetectorCheckpoint } from '../../src/detection/detector.js';
import type { OrgState } from '../../src/detection/org-record.js';
import type { TraceLine } from '../../src/events/trace-format.js';
import { simulate } from '../../src/simulator/scenarios.js';

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

test('checkpoint: incremental (dirty orgs only) checkpoints overwrite per org and restore the same state', () => {
  const { lines } = simulate({ scenario: 'mixed', seed: 12, split: 'tune', scale: 0.2 });
  const whole = createDetector({ ...assets });
  for (const l of lines) whole.ingest(l);

  const d = createDetector({ ...assets });
  const store = new Map<string, OrgState>();
  let global: DetectorCheckpoint['global'] | undefined;
  const cut = Math.floor(lines.length * 0.6);
  let written = 0;
  lines.slice(0, cut).forEach((l: TraceLine, i) => {
    d.ingest(l);
    if (i % 500 === 499) {
      const ck = roundTrip(d.checkpoint({ dirtyOnly: true }));
      for (const o of ck.orgs) store.set(o.id, o);
      written += ck.orgs.length;
      global = ck.global;
    }
  });
  const last = roundTrip(d.checkpoint({ dirtyOnly: true }));
  for (const o of last.orgs) store.set(o.id, o);
  global = last.global;
  assert.ok(written < store.size * Math.ceil(cut / 500), 'incremental checkpoints skip unchanged orgs');

  const resumed = createDetector({ ...assets, restore: { global: global!, orgs: [...store.values()] } });
  for (const l of lines.slice(cut)) resumed.ingest(l);
  assert.deepEqual(verdicts(resumed), verdicts(whole));
});

test('checkpoint: raw prompt snippets are kept only for flagged orgs; size per org is bounded', () => {
  const { lines, labels } = simulate({ scenario: 'mixed', seed: 13, split: 'tune', scale: 0.2 });
  const d = createDetector({ ...assets });
  for (const l of lines) d.ingest(l);
  const ck = d.checkpoint();
  const legit = new Set(labels.actors.filter((a) => a.kind === 'legit' && a.actor !== 'vendor_eval').flatMap((a) => a.orgs));
  for (const o of ck.orgs) {
    if (o.activities.length === 0) assert.deepEqual(o.samples, [], o.id);
    if (legit.has(o.id)) assert.deepEqual(o.samples, [], o.id);
  }
  const biggest = Math.max(...ck.orgs.map((o) => JSON.stringify(o).length));
  assert.ok(biggest < 64_000, `largest org state ${biggest} bytes`);
});
