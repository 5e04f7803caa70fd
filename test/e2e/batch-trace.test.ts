// A batch through `moat start`: its items reach the gateway's trace as request lines of their own door, marked
// with the batch, and `moat replay` of that trace counts them as the org's requests — detection sees a sweep sent
// as a batch like the same sweep sent as calls. A feature on the batch endpoints (examples/policy.yaml's `batch`)
// applies to every item, and revoking an org cancels its running batches upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { toFile } from 'openai';
import { replayTrace } from '../../src/detection/replay.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

let t: TestMoat;
let traceFile = '';
before(async () => {
  t = await startTestMoat({ name: 'batch-trace', config: (dir) => ((traceFile = join(dir, 'trace.jsonl')), { 'events.traceFile': traceFile }) });
  const policy = {
    clauses: { 'aup-4': { text: 'Usage Policy §4: feature access is limited by plan and agreement' } },
    tiers: { default: {}, free: {} },
    // As in examples/policy.yaml: the batch APIs are a feature, denied to the free tier.
    features: { batch: { description: 'Batch APIs.', match: [{ endpoints: ['/v1/batches*', '/v1/messages/batches*'] }] } },
    denials: [{ feature: 'batch', subject: { tier: 'free' }, clause: 'aup-4' }],
    orgs: [{ id: 'org_sweep', name: 'Sweep', tier: 'default' }, { id: 'org_free', name: 'Free', tier: 'free' }, { id: 'org_cut', name: 'Cut', tier: 'default' }],
    keys: [{ name: 'k', org: 'org_sweep' }, { name: 'k', org: 'org_free' }, { name: 'k', org: 'org_cut' }],
  };
  const applied = await t.applyPolicy(policy);
  assert.equal(applied.code, 0, applied.stderr);
});
after(() => t.close());

test('every item of a batch is a request line in the trace (its own endpoint, marked with the batch) and replays as a request', async () => {
  const { client } = t.openai(t.keyOf('org_sweep', 'k'));
  const n = 25;
  const lines = Array.from({ length: n }, (_, i) =>
    JSON.stringify({ custom_id: `q${i}`, method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: `Benchmark question ${i}: what is ${i} + ${i}?` }] } }),
  );
  const file = await client.files.create({ file: await toFile(Buffer.from(lines.join('\n')), 'sweep.jsonl'), purpose: 'batch' });
  const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const requestLines = () =>
    existsSync(traceFile)
      ? readFileSync(traceFile, 'utf8').split('\n').filter((l) => l.startsWith('{"type":"request"')).map((l) => JSON.parse(l) as { endpoint: string; org: string; batch?: { id: string; custom_id: string } })
      : [];
  for (let i = 0; i < 400 && requestLines().length < n; i++) await new Promise((r) => setTimeout(r, 10));
  const got = requestLines();
  assert.equal(got.length, n);
  assert.ok(got.every((l) => l.endpoint === '/v1/chat/completions' && l.org === 'org_sweep' && l.batch?.id === batch.id));
  assert.deepEqual(got.map((l) => l.batch?.custom_id), lines.map((_, i) => `q${i}`));
  const report = await replayTrace([readFileSync(traceFile, 'utf8')]);
  assert.equal(report.orgs.find((o) => o.org === 'org_sweep')?.requests, n);
});

test('a feature matching the batch endpoints applies to the items: the free tier\'s `batch` denial refuses the batch with its clause', async () => {
  const { client } = t.openai(t.keyOf('org_free', 'k'));
  const line = JSON.stringify({ custom_id: 'f1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } });
  const err = await client.files.create({ file: await toFile(Buffer.from(line), 'f.jsonl'), purpose: 'batch' }).then(
    () => assert.fail('expected a refusal'),
    (e: { status: number; error: { code: string; message: string } }) => e,
  );
  assert.equal(err.status, 403);
  assert.equal(err.error.code, 'feature_denied');
  assert.match(err.error.message, /line 1 \(custom_id "f1"\)/);
  assert.match(err.error.message, /Usage Policy §4/);
  // The same item sent as a call is not a batch: allowed.
  const ok = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  assert.ok(ok.choices.length > 0);
});

test('revoking an org through the admin API cancels its running batches upstream', async () => {
  t.demo.setBehavior({ batchesComplete: false });
  try {
    const key = t.keyOf('org_cut', 'k');
    const line = JSON.stringify({ custom_id: 'c1', method: 'POST', url: '/v1/chat/completions', body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'long job' }] } });
    const { client } = t.openai(key);
    const file = await client.files.create({ file: await toFile(Buffer.from(line), 'c.jsonl'), purpose: 'batch' });
    const b1 = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
    const b2 = await t.anthropic(key).client.messages.batches.create({ requests: [{ custom_id: 'c2', params: { model: 'claude-sonnet-4', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } }] });
    await t.admin('POST', '/admin/orgs/org_cut/status', { status: 'revoked', reason: 'distillation', clause: 'tos-2.3b' });
    for (let i = 0; i < 500 && t.demo.batches.cancelled.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([...t.demo.batches.cancelled].sort(), [b1.id, b2.id].sort());
    const after = await client.batches.retrieve(b1.id).then(
      () => assert.fail('a revoked org reads nothing'),
      (e: { status: number }) => e.status,
    );
    assert.equal(after, 403);
  } finally {
    t.demo.setBehavior({ batchesComplete: true });
  }
});
