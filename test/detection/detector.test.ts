import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector, type Diagnostic, type LabelEvent } from '../../src/detection/detector.js';
import { renderExplain } from '../../src/detection/explain.js';
import { viewRequest } from '../../src/detection/request-view.js';
import { CUE_COT, harnessCues } from '../../src/detection/signals/harness-cues.js';
import type { TraceLine, TraceRequestLine } from '../../src/events/trace-format.js';
import { PERTURBATIONS } from '../../src/lab/eval/perturbations.js';
import { scoreModelsFrom } from '../../src/detection/scores/score-model.js';
import { fixtureLines, fixtureLabels } from './helpers.js';

const assets = loadDetectionAssets();

function run(lines: TraceLine[], extra: Partial<Parameters<typeof createDetector>[0]> = {}) {
  const labels: LabelEvent[] = [];
  const diags: Diagnostic[] = [];
  const d = createDetector({ ...assets, onLabel: (e) => labels.push(e), onDiagnostic: (x) => diags.push(x), ...extra });
  for (const l of lines) d.ingest(l);
  return { d, labels, diags, snap: d.snapshot() };
}

const RIVAL = 'org_rival_0';
const REDTEAM = 'org_redteam_0';
const LAB = 'org_safetylab_0';

test("online: a label at an org's k-th request is reproduced exactly from the first k requests (no look-ahead)", () => {
  const lines = fixtureLines('scope-drift.jsonl');
  const full = run(lines);
  const act = full.snap.orgs.find((o) => o.org === LAB)!.activities.find((a) => a.label === 'scope_violation')!;
  const k = act.first_detected.request;
  assert.ok(k > 30, `detected at ${k}`);
  let seen = 0;
  const cut = lines.findIndex((l) => l.type === 'request' && l.org === LAB && ++seen === k);
  const prefix = run(lines.slice(0, cut + 1));
  assert.deepEqual(prefix.snap.orgs.find((o) => o.org === LAB)!.activities.find((a) => a.label === 'scope_violation'), act);
  const before = run(lines.slice(0, cut));
  assert.equal(before.snap.orgs.find((o) => o.org === LAB)!.activities.some((a) => a.label === 'scope_violation'), false);
});

test('onLabel fires once per org and label; the evidence shows what each signal added to the score', () => {
  const { labels, snap } = run(fixtureLines('competitor.jsonl'));
  const rival = labels.filter((l) => l.org === RIVAL);
  assert.equal(rival.filter((l) => l.label === 'benchmarking').length, 1);
  assert.equal(new Set(rival.map((l) => l.label)).size, rival.length, 'one event per label');
  const act = snap.orgs.find((o) => o.org === RIVAL)!.activities.find((a) => a.label === 'benchmarking')!;
  assert.deepEqual(rival.find((l) => l.label === 'benchmarking')!.first_detected, act.first_detected);
  const scores = act.evidence.scores as Record<string, { score: number; bias: number; contributions: Array<{ feature: string; contribution: number }> }>;
  const s = scores['score.benchmarking']!;
  assert.ok(s.score >= 0.7, JSON.stringify(s));
  // The contributions and the bias add up to the score's logit.
  const z = s.bias + s.contributions.reduce((a, c) => a + c.contribution, 0);
  assert.ok(Math.abs(1 / (1 + Math.exp(-z)) - s.score) < 0.01);
  assert.ok(s.contributions.some((c) => c.feature === 'capability_topics' && c.contribution > 0), 'a sweep is broad');
});

test('out-of-order timestamps are reported and the virtual clock never goes backwards', () => {
  const shuffled = [...fixtureLines('safety-sweep.jsonl')];
  const i = shuffled.findIndex((l) => l.type === 'request');
  [shuffled[i + 5], shuffled[i + 6]] = [shuffled[i + 6]!, shuffled[i + 5]!];
  const d = createDetector({ ...assets });
  let last = -Infinity;
  for (const l of shuffled) {
    d.ingest(l);
    assert.ok(d.now() >= last);
    last = d.now();
  }
  assert.equal(d.snapshot().diagnostics.out_of_order, 1);
});

test('an org without an org line is created on the fly and reported; it has no grants', () => {
  const { snap, diags } = run(fixtureLines('safety-sweep.jsonl').filter((l) => l.type === 'request'));
  assert.equal(snap.diagnostics.unknown_orgs, 1);
  assert.ok(diags.some((x) => x.kind === 'unknown_org' && x.org === REDTEAM));
  assert.ok(snap.orgs.find((o) => o.org === REDTEAM)!.activities.some((a) => a.label === 'safety_probing'));
});

test("an org line's creation time reaches linkage with each request; an unreadable one is left out", () => {
  const req = fixtureLines('safety-sweep.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const recs: Array<{ org: string; created?: number }> = [];
  const d = createDetector({ ...assets, shareLinks: (r) => recs.push(r) });
  d.ingest({ type: 'org', id: 'org_a', created_at: '2026-07-01T10:00:00.000Z' });
  d.ingest({ type: 'org', id: 'org_b', created_at: 'last tuesday' });
  d.ingest({ ...req, org: 'org_a' });
  d.ingest({ ...req, id: `${req.id}b`, org: 'org_b' });
  assert.deepEqual(recs.map((r) => [r.org, r.created]), [['org_a', Date.parse('2026-07-01T10:00:00.000Z')], ['org_b', undefined]]);
});

test('safety_probing is only for orgs without a safety_evaluation grant', () => {
  const lines = fixtureLines('safety-sweep.jsonl').map((l) => (l.type === 'org' ? { ...l, grants: [{ purpose: 'safety_evaluation', models: ['*'] }] } : l));
  const { snap } = run(lines);
  assert.equal(snap.orgs.find((o) => o.org === REDTEAM)!.activities.some((a) => a.label === 'safety_probing'), false);
});

test('traffic under a granted purpose is judged apart from the org\'s ordinary traffic', () => {
  const { d } = run(fixtureLines('scope-drift.jsonl'));
  const f = d.features(LAB)!;
  assert.equal(f['w.requests'], 0, 'every request went to the purpose window');
  assert.equal(f['purpose.safety_evaluation.requests'], 50);
  // The scores a rule may read over the purpose's traffic are shown beside its features.
  for (const label of ['benchmarking', 'distillation', 'safety_probing']) {
    const v = f[`purpose.safety_evaluation.score.${label}`];
    assert.ok(typeof v === 'number' && v >= 0 && v <= 1, `purpose.safety_evaluation.score.${label} = ${String(v)}`);
  }
});

test('an org affiliated with a competitor counts as a competitor', () => {
  const lines: TraceLine[] = [
    { type: 'org', id: 'org_parent', attributes: { competitor: true } },
    { type: 'org', id: 'org_child', affiliates: [{ org: 'org_parent', relation: 'acquirer' }] },
    { type: 'org', id: 'org_partner', affiliates: [{ org: 'org_parent', relation: 'partner' }] },
  ];
  const base = fixtureLines('competitor.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const reqs = ['org_child', 'org_partner'].map((org, i) => ({ ...base, id: `r${i}`, org }));
  const { d, snap } = run([...lines, ...reqs]);
  assert.equal(d.features('org_child')!['org.competitor'], true);
  assert.equal(d.features('org_partner')!['org.competitor'], false);
  // Enforcement reads the affiliate's attributes from the snapshot.
  assert.deepEqual(snap.orgs.find((o) => o.org === 'org_child')!.facts.affiliates, [{ org: 'org_parent', relation: 'acquirer', attributes: { competitor: true } }]);
});

test('huge prompts are capped and counted', () => {
  const base = fixtureLines('safety-sweep.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const huge: TraceRequestLine = { ...base, id: 'huge', body: { messages: [{ role: 'user', content: 'lorem ipsum '.repeat(500_000) }] } };
  const { snap } = run([huge]);
  assert.equal(snap.diagnostics.capped_prompts, 1);
});

test('garbage bodies (non-objects, binary strings, wrong types) never throw', () => {
  const base = fixtureLines('safety-sweep.jsonl').find((l): l is TraceRequestLine => l.type === 'request')!;
  const bodies: unknown[] = [
    null, 42, 'text', [1, 2], { messages: 'nope' }, { input: [null, { role: 'user', content: 7 }] },
    { messages: [null, 5, { role: 'user', content: [{ type: 'image' }, { text: '\u0000\ufffd\ud800' }] }] }, { temperature: 'hot', max_tokens: {}, tools: 'x', logit_bias: [] },
  ];
  const { snap } = run(bodies.map((body, i) => ({ ...base, id: `g${i}`, ts: 'not a time', body, response: { status: 200, usage: { input_tokens: -1, output_tokens: NaN } } as never })));
  assert.equal(snap.requests, bodies.length);
  assert.equal(snap.diagnostics.bad_timestamps, bodies.length);
});

test('per-org state is bounded: the window holds 200 requests, keys are capped', () => {
  const { d } = run(fixtureLines('legit.jsonl'));
  const big = Object.entries(Object.fromEntries(d.snapshot().orgs.map((o) => [o.org, o.requests]))).sort((a, b) => b[1] - a[1])[0]!;
  assert.ok(big[1] > 200);
  const f = d.features(big[0])!;
  assert.equal(f['w.requests'], 200);
  assert.equal(f['org.requests'], big[1]);
});

test('raw prompts leave memory only as capped evidence of flagged orgs', () => {
  const { snap } = run(fixtureLines('legit.jsonl'));
  assert.ok(snap.orgs.every((o) => o.activities.length === 0), JSON.stringify(snap.orgs.filter((o) => o.activities.length).map((o) => [o.org, o.activities.map((a) => a.label)])));
  assert.ok(!JSON.stringify(snap).includes('Summarize'), 'no prompt text for unflagged orgs');
  const flagged = run(fixtureLines('competitor.jsonl'), { evidence: { samples: 2, maxChars: 40 } }).snap;
  const samples = flagged.orgs.find((o) => o.org === RIVAL)!.activities[0]!.evidence.samples as string[];
  assert.equal(samples.length, 2);
  assert.ok(samples.every((s) => s.length <= 41));
  const none = run(fixtureLines('competitor.jsonl'), { evidence: { samples: 0, maxChars: 40 } }).snap;
  assert.deepEqual(none.orgs.find((o) => o.org === RIVAL)!.activities[0]!.evidence.samples, []);
});

test('each kept sample says what it showed that the rule reads: the score\'s positive features, a benchmark, a harm category', () => {
  const flagged = run(fixtureLines('competitor.jsonl'), { evidence: { samples: 3, maxChars: 40 } }).snap;
  const activity = flagged.orgs.find((o) => o.org === RIVAL)!.activities[0]!;
  const samples = activity.evidence.samples as string[];
  const signals = activity.evidence.sampleSignals as string[][];
  assert.equal(signals.length, samples.length);
  // What a sample shows counts only where the rule reads it: a feature it compares, or one feeding a score it compares.
  const scores = activity.evidence.scores as Record<string, { contributions: Array<{ feature: string; contribution: number }> }>;
  const compared = (activity.evidence.thresholds as Array<{ feature: string }>).map((t) => t.feature);
  const read = new Set([...compared, ...Object.values(scores).flatMap((s) => s.contributions.filter((c) => c.contribution > 0).map((c) => `w.${c.feature}`))]);
  assert.ok(read.size > 0);
  for (const tags of signals) for (const t of tags) assert.ok(t.startsWith('benchmark:') || t.startsWith('harm:') || read.has(t), `${t} is not read by the rule`);
  assert.ok(signals.some((tags) => tags.length > 0), `some sample shows what the rule reads: ${JSON.stringify(signals)}`);
});

test('a red-team sweep sent in encodings is flagged, and its samples show each request as it reads, marked as disguised', () => {
  // One of nine encodings per request (base64, ciphers, look-alike letters, Morse...), as a red-team harness sends.
  const lines = fixtureLines('safety-sweep.jsonl').map((l) => (l.type === 'request' && l.org === REDTEAM ? PERTURBATIONS.encode!.apply(l) : l));
  const encoded = lines.filter((l): l is TraceRequestLine => l.type === 'request' && l.org === REDTEAM);
  assert.ok(encoded.some((l) => /^[A-Za-z0-9+/=]{40,}$/.test(JSON.stringify(l.body).match(/"content":"([^"]*)"/)?.[1] ?? '')), 'some request went as base64');
  const { snap } = run(lines, { evidence: { samples: 9, maxChars: 300 } });
  const act = snap.orgs.find((o) => o.org === REDTEAM)!.activities.find((a) => a.label === 'safety_probing');
  assert.ok(act, 'the sweep is labelled');
  const samples = act.evidence.samples as string[];
  const signals = act.evidence.sampleSignals as string[][];
  const disguised = samples.filter((_, i) => signals[i]!.includes('obfuscated'));
  assert.ok(disguised.length >= 3, JSON.stringify(signals));
  // Each disguised sample is kept as it reads: words, not base64, Morse or look-alike letters.
  for (const t of disguised) {
    assert.match(t, /^[\x20-\x7e\n…]+$/, t);
    assert.ok((t.match(/\b[a-z]*[aeiou][a-z]*\b/gi) ?? []).length >= 3, t);
  }
});

test('a hydra is gathered into one cluster, with the reasons each member joined; developers beside it are not', () => {
  const lines = fixtureLines('hydra.jsonl');
  const truth = fixtureLabels('hydra.jsonl');
  const hydra = new Set(truth.actors.find((a) => a.actor === 'hydra')!.orgs);
  const devs = new Set(truth.actors.find((a) => a.actor === 'small_developers')!.orgs);
  const { snap } = run(lines);
  const cluster = snap.clusters.find((c) => c.orgs.some((o) => hydra.has(o)))!;
  assert.ok(cluster.orgs.filter((o) => hydra.has(o)).length >= 0.9 * hydra.size, `${cluster.orgs.length} in the cluster of ${hydra.size}`);
  assert.equal(cluster.orgs.filter((o) => devs.has(o)).length, 0, 'no developer linked into the hydra');
  const joined = cluster.members.filter((m) => m.via);
  assert.equal(joined.length, cluster.orgs.length - 1, 'every member but the first has the link that brought it');
  for (const m of joined) assert.ok(m.via!.strength >= assets.linkage.link_threshold && m.via!.reasons.length >= 2);
  for (const o of snap.orgs.filter((x) => hydra.has(x.org) && cluster.orgs.includes(x.org))) {
    const a = o.activities.find((x) => x.label === 'distillation');
    assert.ok(a, `${o.org} labelled`);
    assert.ok(a.first_detected.request >= 1 && a.first_detected.request <= o.requests);
  }
  for (const o of snap.orgs.filter((x) => devs.has(x.org))) assert.deepEqual(o.activities, []);
});

test('a hydra whose harvest reads as an evaluation (temperature 0, scored as a sweep) is labelled distillation as a network: many accounts, long answers', () => {
  const lines = fixtureLines('hydra-eval.jsonl');
  const truth = fixtureLabels('hydra-eval.jsonl');
  const hydra = new Set(truth.actors.find((a) => a.actor === 'hydra')!.orgs);
  const devs = new Set(truth.actors.find((a) => a.actor === 'small_developers')!.orgs);
  // The fixture's premise: its reasoning requests are worded so that no cue knows them.
  const asks = lines.filter((l): l is TraceRequestLine => l.type === 'request' && hydra.has(l.org)).map((l) => viewRequest(l.body).prompt);
  assert.ok(asks.filter((p) => harnessCues(p, '') & CUE_COT).length < 0.02 * asks.length, 'the hydra words its reasoning requests in phrases the cues do not match');
  const { snap } = run(lines);
  const members = snap.orgs.filter((o) => hydra.has(o.org));
  const labelled = members.filter((o) => o.activities.some((a) => a.label === 'distillation' && a.rules.includes('distill.networked-sweep')));
  assert.ok(labelled.length >= 0.9 * hydra.size, `${labelled.length} of ${hydra.size} labelled by the network rule`);
  const ev = labelled[0]!.activities.find((a) => a.label === 'distillation')!.evidence as { thresholds: Array<{ feature: string; actual: number }>; links?: unknown };
  const actual = Object.fromEntries(ev.thresholds.map((t) => [t.feature, t.actual]));
  assert.ok(actual['cluster.orgs']! >= 10 && actual['cluster.network_score.benchmarking']! >= 0.9 && actual['cluster.long_output_share']! >= 0.25, JSON.stringify(actual));
  assert.ok(ev.links, 'the label shows the links that make the network');
  for (const o of snap.orgs.filter((x) => devs.has(x.org))) assert.deepEqual(o.activities, []);
});

test('cluster.network_score reads the cluster fit of a score, cluster.score the org fit', () => {
  const lines = fixtureLines('hydra-eval.jsonl');
  const hydra = new Set(fixtureLabels('hydra-eval.jsonl').actors.find((a) => a.actor === 'hydra')!.orgs);
  // The org fit never reads a sweep, the cluster fit always does: only the network rule, which reads the cluster fit, can fire.
  const never = { label: 'benchmarking' as const, features: ['novelty'], weights: [0], bias: -20 };
  const always = { ...never, bias: 20 };
  const scores = new Map(assets.scores);
  scores.set('benchmarking', scoreModelsFrom({ version: 1, models: [never], clusterModels: [always], fitted: {} }).get('benchmarking')!);
  const { d, snap } = run(lines, { scores });
  const members = snap.orgs.filter((o) => hydra.has(o.org) && o.activities.some((a) => a.rules.includes('distill.networked-sweep')));
  assert.ok(members.length >= 0.9 * hydra.size, `${members.length} of ${hydra.size} labelled by the network rule`);
  const act = members[0]!.activities.find((a) => a.rules.includes('distill.networked-sweep'))!;
  const s = (act.evidence.scores as Record<string, { score: number; bias: number }>)['cluster.network_score.benchmarking']!;
  assert.equal(s.bias, 20, 'the evidence explains the cluster fit');
  const f = d.features(members[0]!.org) as Record<string, number>;
  assert.ok(f['cluster.network_score.benchmarking']! > 0.99 && f['cluster.score.benchmarking']! < 0.01, JSON.stringify(f));
  assert.ok(snap.orgs.every((o) => !o.activities.some((a) => a.label === 'benchmarking')), 'no org labelled by the org fit');
  // Without a cluster fit, the network score is the org fit's, and the network rule does not fire.
  scores.set('benchmarking', scoreModelsFrom({ version: 1, models: [never], fitted: {} }).get('benchmarking')!);
  const without = run(lines, { scores }).snap.orgs.flatMap((o) => o.activities.filter((a) => a.rules.includes('distill.networked-sweep')));
  assert.deepEqual(without, []);
});

test("a key-level label's evidence explains the key's score, and that score is the label's confidence", () => {
  const rules = assets.rules.filter((r) => r.spec.id === 'distill.key-harvest');
  assert.equal(rules.length, 1);
  const { snap } = run(fixtureLines('distiller.jsonl'), { rules });
  const act = snap.orgs.find((o) => o.org === 'org_distill_0')!.activities.find((a) => a.label === 'distillation')!;
  const s = (act.evidence.scores as Record<string, { score: number; contributions: unknown[] }>)['key.score.distillation']!;
  assert.ok(s.score >= 0.9 && s.contributions.length > 0, JSON.stringify(s));
  assert.equal(act.confidence, Math.round(s.score * 1000) / 1000);
});

test("explain shows the top key's own score with each signal's contribution, beside the window's", () => {
  const d = createDetector({ ...assets, explain: new Set(['org_distill_0']) });
  for (const l of fixtureLines('distiller.jsonl')) d.ingest(l);
  const t = d.explain('org_distill_0')!;
  const late = t.timeline.filter((e) => e.request >= 30 && !e.event).at(-1)!;
  const key = late.scores['key.score.distillation'] as { score: number; contributions: Array<{ feature: string }> };
  assert.ok(key, 'a key with 30 requests is explained');
  assert.equal(key.score, late.features['key.score.distillation']);
  assert.ok(key.contributions.some((c) => c.feature === 'long_output_share'));
  assert.ok(late.scores.distillation, "the window's score is still there");
  const early = t.timeline.find((e) => e.request < 30)!;
  assert.equal(early.scores['key.score.distillation'], undefined, 'no key score before the key has 30 requests');
  assert.match(renderExplain(t), /key\.score\.distillation = [\d.]+ {2}\[bias/);
});

test('an org idle for longer than idle_eviction_hours keeps its labels but drops its windows; back, it starts afresh', () => {
  const lines = fixtureLines('safety-sweep.jsonl');
  const d = createDetector({ ...assets });
  for (const l of lines) d.ingest(l);
  const before = d.snapshot().orgs.find((o) => o.org === REDTEAM)!;
  assert.ok(before.activities.some((a) => a.label === 'safety_probing'));
  assert.ok((d.features(REDTEAM)!['w.requests'] as number) > 20);
  const reqs = lines.filter((l): l is TraceRequestLine => l.type === 'request');
  const last = reqs.at(-1)!;
  const later = (days: number, org: string, id: string): TraceRequestLine => ({ ...last, id, org, ts: new Date(Date.parse(last.ts) + days * 86_400_000).toISOString() });
  // Another org's request a week and a day later: the sweep compacts the idle org (its checkpoint holds no window).
  d.ingest(later(8, 'org_other', 'r_other'));
  assert.equal(d.checkpoint().orgs.find((o) => o.id === REDTEAM)!.window, null);
  assert.deepEqual(d.snapshot().orgs.find((o) => o.org === REDTEAM)!.activities, before.activities, 'labels are kept');
  d.ingest(later(8.1, REDTEAM, 'r_back'));
  assert.equal(d.features(REDTEAM)!['w.requests'], 1);
  assert.equal(d.snapshot().orgs.find((o) => o.org === REDTEAM)!.requests, before.requests + 1);
  assert.equal(assets.linkage.idle_eviction_hours, 168);
});

test('embedding and token-counting requests are not read as prompts: a red-team sweep sent there labels nothing', () => {
  const sweep = fixtureLines('competitor.jsonl').filter((l): l is TraceRequestLine => l.type === 'request' && l.org === RIVAL);
  assert.ok(sweep.length > 100);
  const orgs = fixtureLines('competitor.jsonl').filter((l) => l.type === 'org');
  const at = (endpoint: string | undefined) => run([...orgs, ...sweep.map((l) => (endpoint === undefined ? l : { ...l, endpoint }))]);
  assert.ok(at(undefined).labels.some((l) => l.org === RIVAL), 'the same traffic as prompts is labelled');
  assert.ok(at('/v1/responses').labels.some((l) => l.org === RIVAL), 'a generating door is read like any other');
  for (const endpoint of ['/v1/embeddings', '/v1/messages/count_tokens']) {
    const r = at(endpoint);
    assert.equal(r.labels.filter((l) => l.org === RIVAL).length, 0, endpoint);
    assert.equal(r.d.features(RIVAL)?.['w.requests'] ?? 0, 0, `${endpoint}: no window traffic`);
  }
});
