import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type Diagnostic, type LabelEvent } from '../../src/detection/detector.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { fixtureLines } from './helpers.js';

const assets = loadDetectionAssets();

function run(lines: TraceLine[], extra: Partial<Parameters<typeof createDetector>[0]> = {}) {
  const labels: LabelEvent[] = [];
  const diags: Diagnostic[] = [];
  const d = createDetector({ ...assets, onLabel: (e) => labels.push(e), onDiagnostic: (x) => diags.push(x), ...extra });
  for (const l of lines) d.ingest(l);
  return { d, labels, diags, snap: d.snapshot() };
}

test('online: a label at an org\'s k-th request is reproduced exactly from the first k requests (no look-ahead)', () => {
  const lines = fixtureLines('scope-drift.jsonl');
  const full = run(lines);
  const act = full.snap.orgs.find((o) => o.org === 'org_safetylab')!.activities.find((a) => a.label === 'scope_violation')!;
  const k = act.first_detected.request;
  assert.ok(k > 30 && k < 150, `detected at ${k}`);
  // Cut the trace right after the org's k-th request: the same label, same request, same evidence.
  let seen = 0;
  const cut = lines.findIndex((l) => l.type === 'request' && l.org === 'org_safetylab' && ++seen === k);
  const prefix = run(lines.slice(0, cut + 1));
  const again = prefix.snap.orgs.find((o) => o.org === 'org_safetylab')!.activities.find((a) => a.label === 'scope_violation');
  assert.deepEqual(again, act);
  // One request earlier, it has not been attached yet.
  const before = run(lines.slice(0, cut));
  assert.equal(before.snap.orgs.find((o) => o.org === 'org_safetylab')!.activities.some((a) => a.label === 'scope_violation'), false);
});

test('onLabel fires once per org and label, with the same data as the snapshot', () => {
  const { labels, snap } = run(fixtureLines('competitor.jsonl'));
  const rival = labels.filter((l) => l.org === 'org_rival');
  assert.deepEqual(rival.map((l) => l.label), ['benchmarking']);
  const act = snap.orgs.find((o) => o.org === 'org_rival')!.activities[0]!;
  assert.deepEqual(rival[0]!.first_detected, act.first_detected);
  assert.ok((act.evidence.benchmarks as Record<string, number>).humaneval! > 0, 'evidence names the matched benchmark');
});

test('out-of-order timestamps are reported and the virtual clock never goes backwards', () => {
  const lines = fixtureLines('safety-probe.jsonl');
  const shuffled = [...lines];
  // Swap two requests so one arrives with an earlier timestamp.
  const i = shuffled.findIndex((l) => l.type === 'request');
  [shuffled[i + 5], shuffled[i + 6]] = [shuffled[i + 6]!, shuffled[i + 5]!];
  const labels: LabelEvent[] = [];
  const d = createDetector({ ...assets, onLabel: (e) => labels.push(e) });
  let last = -Infinity;
  for (const l of shuffled) {
    d.ingest(l);
    assert.ok(d.now() >= last);
    last = d.now();
  }
  assert.equal(d.snapshot().diagnostics.out_of_order, 1);
});

test('an org without an org line is created on the fly and reported; it has no grants', () => {
  const lines = fixtureLines('safety-probe.jsonl').filter((l) => l.type === 'request');
  const { snap, diags } = run(lines);
  assert.equal(snap.diagnostics.unknown_orgs, 1);
  assert.ok(diags.some((x) => x.kind === 'unknown_org' && x.org === 'org_prober'));
  assert.ok(snap.orgs.find((o) => o.org === 'org_prober')!.activities.some((a) => a.label === 'safety_probing'));
});

test('safety_probing is only for orgs without a safety_evaluation grant', () => {
  const lines = fixtureLines('safety-probe.jsonl').map((l) =>
    l.type === 'org' ? { ...l, grants: [{ purpose: 'safety_evaluation', models: ['*'] }] } : l,
  );
  const { snap } = run(lines);
  assert.deepEqual(snap.orgs.find((o) => o.org === 'org_prober')!.activities, []);
});

test('huge prompts are capped and counted; processing stays fast', () => {
  const base = fixtureLines('safety-probe.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const huge: TraceRequestLine = { ...base, id: 'huge', body: { messages: [{ role: 'user', content: 'lorem ipsum '.repeat(500_000) }] } };
  const t = performance.now();
  const { snap } = run([huge]);
  assert.ok(performance.now() - t < 500, 'a 6 MB prompt costs no more than a capped one');
  assert.equal(snap.diagnostics.capped_prompts, 1);
});

test('garbage bodies (non-objects, binary strings, wrong types) never throw', () => {
  const base = fixtureLines('safety-probe.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const bodies: unknown[] = [null, 42, 'text', [1, 2], { messages: 'nope' }, { messages: [null, 5, { role: 'user', content: [{ type: 'image' }, { text: '\u0000\ufffd\ud800' }] }] }, { temperature: 'hot', max_tokens: {} }];
  const { snap } = run(bodies.map((body, i) => ({ ...base, id: `g${i}`, ts: 'not a time', body })));
  assert.equal(snap.requests, bodies.length);
  assert.equal(snap.diagnostics.bad_timestamps, bodies.length);
});

test('per-org state is bounded: the window holds 200 requests however many arrive', () => {
  const lines = fixtureLines('legit.jsonl');
  const { d } = run(lines);
  const f = d.features('org_batch')!;
  assert.equal(f['w.requests'], 200);
  assert.ok((f['total.requests'] as number) > 200);
});

test('raw prompts leave memory only as capped evidence of flagged orgs', () => {
  const { snap } = run(fixtureLines('legit.jsonl'));
  assert.ok(snap.orgs.every((o) => o.activities.length === 0));
  assert.ok(!JSON.stringify(snap).includes('Summarize the following document'), 'no prompt text for unflagged orgs');
  const flagged = run(fixtureLines('competitor.jsonl'), { evidence: { samples: 2, maxChars: 40 } }).snap;
  const samples = flagged.orgs[0]!.activities[0]!.evidence.samples as string[];
  assert.equal(samples.length, 2);
  assert.ok(samples.every((s) => s.length <= 41));
  const none = run(fixtureLines('competitor.jsonl'), { evidence: { samples: 0, maxChars: 40 } }).snap;
  assert.deepEqual(none.orgs[0]!.activities[0]!.evidence.samples, []);
});

test('linked accounts form one cluster judged on combined traffic; members are labelled at their own count', () => {
  const { snap } = run(fixtureLines('hydra.jsonl'));
  assert.equal(snap.clusters.length, 1);
  const c = snap.clusters[0]!;
  assert.equal(c.orgs.length, 8);
  assert.ok(c.signals.some((s) => s.kind === 'ip24') && c.signals.some((s) => s.kind === 'system_prompt'));
  for (const o of snap.orgs) {
    const a = o.activities.find((x) => x.label === 'distillation');
    assert.ok(a, `${o.org} labelled`);
    assert.ok(a.first_detected.request >= 1 && a.first_detected.request <= o.requests);
    assert.equal(o.cluster, c.id);
  }
});
