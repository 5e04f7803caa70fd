// `GET /v1/moat/terms`: a key reads the line before crossing it — its org's status and why, grants with the
// header to send, denied features with their clauses, limits and windows with current use — in the caller's
// format (both auth styles), and what it says is what the gateway then does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

let t: TestMoat;

const POLICY = {
  clauses: {
    'tos-2.3a': { text: 'ToS §2.3(a): no building, training or benchmarking competing models', url: 'https://example.com/tos#2.3a' },
    'aup-4': { text: 'Usage Policy §4: coding tools are not licensed to competitors' },
  },
  purposes: { safety_evaluation: { description: 'Evaluating the safety of the provider\'s models under a signed evaluation agreement.' } },
  tiers: { standard: {} },
  features: { coding_tools: { description: 'Agentic coding tools', match: [{ toolTypes: ['bash_*'] }, { toolNames: ['*shell*'] }] } },
  denials: [{ feature: 'coding_tools', subject: { attributes: { competitor: true } }, clause: 'aup-4', exceptPurposes: ['safety_evaluation'] }],
  limits: { tiers: { standard: { key: { requestsPerMinute: 100, windows: [{ name: '5h', mode: 'anchored', duration: '5h', requests: 50 }] } } } },
  orgs: [
    { id: 'org_lab', name: 'Lab', tier: 'standard', attributes: { competitor: true } },
    {
      id: 'org_rival',
      name: 'Rival AI',
      tier: 'standard',
      attributes: { competitor: true },
      status: { value: 'restricted', reason: 'benchmarking to train a competing model', clause: 'tos-2.3a', caseId: 'case-2025-081' },
    },
  ],
  grants: [{ id: 'rival-safety', org: 'org_rival', purpose: 'safety_evaluation', models: ['claude-*'], expires: '2099-12-31T00:00:00Z' }],
  keys: [
    { name: 'e2e', org: 'org_lab' },
    { name: 'e2e', org: 'org_rival' },
  ],
};

before(async () => {
  t = await startTestMoat({ name: 'terms' });
  const r = await t.applyPolicy(POLICY, { force: true });
  assert.equal(r.code, 0, r.stderr + r.stdout);
});
after(() => t?.close());

async function terms(headers: Record<string, string>) {
  const r = await fetch(`${t.url}/v1/moat/terms`, { headers });
  return { status: r.status, headers: r.headers, body: (await r.json()) as any };
}

test('an active org with a denied feature: the feature, its clause and exception, limits with current use (OpenAI auth style)', async () => {
  const key = t.keyOf('org_lab', 'e2e');
  await t.openai(key).client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
  const r = await terms({ authorization: `Bearer ${key}` });
  assert.equal(r.status, 200);
  assert.equal(r.body.object, 'moat.terms');
  assert.deepEqual([r.body.org.id, r.body.org.status, r.body.org.reason], ['org_lab', 'active', null]);
  assert.match(r.body.org.access, /active/);
  assert.equal(r.body.key.name, 'e2e');
  const [denied] = r.body.denied_features;
  assert.deepEqual([denied.feature, denied.clause.text, denied.except_purposes], ['coding_tools', 'Usage Policy §4: coding tools are not licensed to competitors', ['safety_evaluation']]);
  assert.deepEqual(denied.matches, [{ toolTypes: ['bash_*'] }, { toolNames: ['*shell*'] }]);
  const window = r.body.limits.find((l: any) => l.metric === '5h-requests');
  assert.deepEqual([window.window.mode, window.limit, window.used], ['anchored', 50, 1]);
  assert.equal(r.headers.get('request-id'), null, 'OpenAI format');

  // What the terms say is what the gateway does.
  const refused = await fetch(`${t.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'function', function: { name: 'run_shell' } }] }),
  });
  const err = (await refused.json()) as any;
  assert.deepEqual([refused.status, err.error.code, err.error.clause], [403, 'feature_denied', denied.clause.text]);
});

test('a restricted org: why, the clause and case, its grants with the header to send (Anthropic auth style)', async () => {
  const key = t.keyOf('org_rival', 'e2e');
  const r = await terms({ 'x-api-key': key, 'anthropic-version': '2023-06-01' });
  assert.equal(r.status, 200);
  assert.match(String(r.headers.get('request-id')), /^req_/, 'Anthropic format');
  const o = r.body.org;
  assert.deepEqual([o.status, o.reason, o.case_id], ['restricted', 'benchmarking to train a competing model', 'case-2025-081']);
  assert.deepEqual(o.clause, { id: 'tos-2.3a', text: 'ToS §2.3(a): no building, training or benchmarking competing models', url: 'https://example.com/tos#2.3a' });
  assert.match(o.access, /moat-purpose/);
  assert.deepEqual(r.body.grants.map((g: any) => [g.purpose, g.models, g.header, g.active]), [['safety_evaluation', ['claude-*'], 'moat-purpose: safety_evaluation', true]]);
  assert.match(r.body.grants[0].description, /evaluation agreement/);
  assert.equal(r.body.purpose_header, 'moat-purpose');

  // Following the terms works; ignoring them is refused as they said.
  const client = t.anthropic(key).client;
  const ok = await client.messages.create({ model: 'claude-sonnet-4', max_tokens: 20, messages: [{ role: 'user', content: 'eval' }] }, { headers: { 'moat-purpose': 'safety_evaluation' } });
  assert.equal(ok.type, 'message');
  await assert.rejects(client.messages.create({ model: 'claude-sonnet-4', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] }), (e: any) => e.status === 403 && /tos-2\.3a|ToS §2\.3\(a\)/.test(e.message));
});

test('a bad key gets a 401 in its own format; other methods 405', async () => {
  const a = await terms({ 'x-api-key': 'moat_nope', 'anthropic-version': '2023-06-01' });
  assert.deepEqual([a.status, a.body.type, a.body.error.type], [401, 'error', 'authentication_error']);
  const o = await terms({ authorization: 'Bearer moat_nope' });
  assert.deepEqual([o.status, o.body.error.code], [401, 'malformed_api_key']);
  const post = await fetch(`${t.url}/v1/moat/terms`, { method: 'POST', headers: { authorization: `Bearer ${t.keyOf('org_lab', 'e2e')}` } });
  assert.equal(post.status, 405);
  await post.body?.cancel();
});
