// Label events -> Detections for enforcement (src/enforcement/detection-tracker.ts), and evidence retention.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LabelEvent } from '../../src/detection/detector.js';
import type { Case } from '../../src/enforcement/case-model.js';
import { DetectionTracker } from '../../src/enforcement/detection-tracker.js';
import { emptyEvidence, mergeEvidence } from '../../src/enforcement/case-evidence.js';
import { ERASED, eraseExpiredExcerpts, scheduleEvidenceRetention } from '../../src/enforcement/evidence-retention.js';
import { MemoryCaseStore } from '../../src/enforcement/case-store.js';

const label = (org: string, extra: Partial<LabelEvent> = {}): LabelEvent => ({
  org, label: 'distillation', confidence: 0.9, first_detected: { request: 7, ts: '2026-08-01T10:00:00.000Z' }, rules: ['distill.linked-cluster'],
  evidence: { samples: ['Think step by step. my key is sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA'], links: { cluster: 'cl_1' } }, ...extra,
});

test('a cluster verdict becomes one detection per member, each naming every member; samples redacted with request metadata', () => {
  const t = new DetectionTracker();
  t.noteRequest('org_a', { keyPrefix: 'moat_live_abc', model: 'gpt-moat-1', endpoint: '/v1/chat/completions' });
  t.onLabel(label('org_a', { cluster: 'cl_1' }));
  t.onLabel(label('org_b', { cluster: 'cl_1' }));
  const ds = t.drain();
  assert.deepEqual(ds.map((d) => d.org), ['org_a', 'org_b']);
  for (const d of ds) assert.deepEqual(d.cluster, { id: 'cl_1', orgs: ['org_a', 'org_b'] });
  const s = ds[0]!.samples![0]!;
  assert.equal(s.keyPrefix, 'moat_live_abc');
  assert.equal(s.model, 'gpt-moat-1');
  assert.doesNotMatch(s.text, /sk-ant/);
  assert.equal(ds[0]!.activities[0]!.evidence.samples, undefined, 'raw samples do not travel twice');
  assert.equal(ds[0]!.requests, 7);
  assert.deepEqual(t.drain(), [], 'drained');
  // A later org-level label of a member still knows its cluster, and carries all the org's activities.
  t.onLabel(label('org_b', { label: 'benchmarking', rules: ['bench.known-items'], evidence: {}, cluster: undefined }));
  const [d] = t.drain();
  assert.deepEqual(d!.cluster, { id: 'cl_1', orgs: ['org_a', 'org_b'] });
  assert.deepEqual(d!.activities.map((a) => a.label), ['distillation', 'benchmarking']);
});

test('an org labelled in a part split off its cluster is no longer one of the members the first cluster\'s action reaches', () => {
  const t = new DetectionTracker();
  for (const org of ['org_a', 'org_b', 'org_c']) t.onLabel(label(org, { cluster: 'cl_1' }));
  t.drain();
  // cl_1 was split: org_c's part is cl_7, where it is labelled again.
  t.onLabel(label('org_c', { label: 'benchmarking', cluster: 'cl_7' }));
  t.onLabel(label('org_a', { label: 'benchmarking', cluster: 'cl_1' }));
  const byOrg = new Map(t.drain().map((d) => [d.org, d.cluster]));
  assert.deepEqual(byOrg.get('org_a'), { id: 'cl_1', orgs: ['org_a', 'org_b'] });
  assert.deepEqual(byOrg.get('org_c'), { id: 'cl_7', orgs: ['org_c'] });
});

test('each sample reaches the case with the rule that kept it and what it matched', () => {
  const t = new DetectionTracker();
  t.noteRequest('org_a', { keyPrefix: 'moat_live_abc', model: 'gpt-moat-1', endpoint: '/v1/chat/completions' });
  t.onLabel(label('org_a', { evidence: { samples: ['What is 2+2? (A) 3 (B) 4', 'hello'], sampleSignals: [['benchmark:mmlu', 'w.eval_share'], []] } }));
  const [d] = t.drain();
  assert.deepEqual(d!.samples!.map((s) => [s.rule, s.matched]), [['distill.linked-cluster', ['benchmark:mmlu', 'w.eval_share']], ['distill.linked-cluster', []]]);
  assert.equal(d!.activities[0]!.evidence.sampleSignals, undefined, 'per-sample signals travel with the samples only');
  const ev = mergeEvidence(emptyEvidence(), d!, { attributes: {}, grants: [], affiliates: [] });
  assert.deepEqual(ev.sampleRequests.map((s) => [s.excerpt, s.rule, s.matched]), [['What is 2+2? (A) 3 (B) 4', 'distill.linked-cluster', ['benchmark:mmlu', 'w.eval_share']], ['hello', 'distill.linked-cluster', []]]);
});

test('evidence retention erases prompt excerpts of cases untouched for the retention period, nothing else', () => {
  const c = {
    id: 'case_1', updatedAt: '2026-08-01T00:00:00.000Z',
    evidence: { sampleRequests: [{ at: 'x', orgId: 'o', keyPrefix: 'k', model: 'm', endpoint: 'e', excerpt: 'secret prompt' }], matchedBenchmarks: [], features: [], linkedAccounts: [] },
  } as unknown as Case;
  const day = 86_400_000;
  assert.equal(eraseExpiredExcerpts(c, Date.parse(c.updatedAt) + 29 * day, 30), undefined);
  const erased = eraseExpiredExcerpts(c, Date.parse(c.updatedAt) + 31 * day, 30)!;
  assert.equal(erased.evidence.sampleRequests[0]!.excerpt, ERASED);
  assert.equal(erased.evidence.sampleRequests[0]!.keyPrefix, 'k');
  assert.equal(c.evidence.sampleRequests[0]!.excerpt, 'secret prompt', 'input untouched');
  assert.equal(eraseExpiredExcerpts(erased, Date.parse(c.updatedAt) + 40 * day, 30), undefined, 'already erased');
});

test('the scheduled retention sweep reads the injected clock, not the system clock', async () => {
  const store = new MemoryCaseStore();
  // Updated in the far future: only a clock that says it is 40 days later can find it expired.
  const c = {
    id: 'case_f', key: 'org:o', version: 0, updatedAt: '2090-01-01T00:00:00.000Z', orgIds: ['o'], status: 'open', severity: 'low',
    evidence: { sampleRequests: [{ at: 'x', orgId: 'o', keyPrefix: 'k', model: 'm', endpoint: 'e', excerpt: 'secret prompt' }], matchedBenchmarks: [], features: [], linkedAccounts: [] },
  } as unknown as Case;
  await store.save(c, []);
  const now = Date.parse('2090-02-10T00:00:00.000Z');
  const stop = scheduleEvidenceRetention(store, { now: () => now }, 30, (err) => assert.fail(String(err)), { firstMs: 1, everyMs: 60_000 });
  for (let i = 0; i < 100 && (await store.get('case_f'))!.evidence.sampleRequests[0]!.excerpt !== ERASED; i++) await new Promise((r) => setTimeout(r, 10));
  await stop();
  assert.equal((await store.get('case_f'))!.evidence.sampleRequests[0]!.excerpt, ERASED);
});
