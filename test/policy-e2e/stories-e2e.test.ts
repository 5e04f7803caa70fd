// The four cases Moat exists for, end to end: the story files are applied with `moat policy apply`
// to a real gateway (startMoat), and the official OpenAI and Anthropic SDK clients make the requests.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { caught, startE2eGateway, type E2eGateway } from './e2e-gateway.js';

const story = (name: string) => join(import.meta.dirname, '../policy/stories', `${name}.yaml`);
const TOS_23A = 'ToS §2.3(a): no building, training or benchmarking competing models';
const user = (content: string) => [{ role: 'user' as const, content }];

let g: E2eGateway;
before(async () => {
  g = await startE2eGateway();
});
after(async () => {
  await g?.close();
});

function assertDenied(e: unknown, sdk: 'openai' | 'anthropic', code: string, clause: string | undefined): string {
  if (sdk === 'openai') {
    assert.ok(e instanceof OpenAI.PermissionDeniedError, `expected 403 PermissionDeniedError, got ${String(e)}`);
    assert.equal(e.status, 403);
    assert.equal(e.type, 'permission_denied');
    assert.equal(e.code, code);
    assert.equal(e.headers.get('x-should-retry'), 'false');
    if (clause) assert.ok(e.message.includes(clause), `message names the clause: ${e.message}`);
    return e.message;
  }
  assert.ok(e instanceof Anthropic.PermissionDeniedError, `expected 403 PermissionDeniedError, got ${String(e)}`);
  assert.equal(e.status, 403);
  const body = e.error as { type: string; error: { type: string; message: string; code: string; clause?: string } };
  assert.equal(body.error.type, 'permission_error');
  assert.equal(body.error.code, code);
  assert.equal(e.headers.get('x-should-retry'), 'false');
  if (clause) {
    assert.equal(body.error.clause, clause);
    assert.ok(e.message.includes(clause), `message names the clause: ${e.message}`);
  }
  return body.error.message;
}

test('story 1: a restricted competitor keeps safety evaluation and nothing else', async () => {
  const r = await g.applyStory(story('competitor-safety-only'), ['org_rival']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\+ org org_rival/);
  const anthropic = g.anthropic('org_rival');
  const openai = g.openai('org_rival');

  // Under the safety-evaluation grant: admitted.
  const ok = await anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: user('evaluate refusal behaviour') }, { headers: { 'moat-purpose': 'safety_evaluation' } });
  assert.equal(ok.type, 'message');

  // Anything else: 403 naming the clause, and telling the caller what is still allowed.
  const msg = assertDenied(await caught(() => anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: user('benchmark this') })), 'anthropic', 'org_restricted', TOS_23A);
  assert.match(msg, /moat-purpose: safety_evaluation/);
  assertDenied(await caught(() => openai.chat.completions.create({ model: 'gpt-4o', messages: user('hi') })), 'openai', 'org_restricted', TOS_23A);
  // The grant covers claude-* only.
  const outOfScope = await caught(() => openai.chat.completions.create({ model: 'gpt-4o', messages: user('hi') }, { headers: { 'moat-purpose': 'safety_evaluation' } }));
  assert.match(assertDenied(outOfScope, 'openai', 'grant_out_of_scope', undefined), /"gpt-4o" is outside your grant/);
  // A malformed purpose is refused clearly (400), not silently ignored.
  const bad = await caught<InstanceType<typeof OpenAI.BadRequestError>>(() => openai.chat.completions.create({ model: 'gpt-4o', messages: user('hi') }, { headers: { 'moat-purpose': 'Safety Eval!' } }));
  assert.equal(bad.status, 400);
  assert.equal(bad.code, 'invalid_purpose');
});

test('story 2: coding tools are blocked while plain chat continues', async () => {
  const r = await g.applyStory(story('feature-blocked'), ['org_rival']);
  assert.equal(r.code, 0, r.stderr);
  // org_rival and its key keep their identities (no new secret); the grant from story 1 is deleted.
  assert.match(r.stdout, /- grant rival-safety/);
  assert.doesNotMatch(r.stdout, /New API key/);
  const AUP = 'Usage Policy §4: coding tools and creative features are not licensed to competitors';
  const anthropic = g.anthropic('org_rival');
  const openai = g.openai('org_rival');

  const plain = await anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: user('hello') });
  assert.equal(plain.type, 'message');
  const chat = await openai.chat.completions.create({ model: 'gpt-4o', messages: user('hello') });
  assert.ok(chat.choices[0]?.message.content);
  // An ordinary function tool is not a coding tool.
  await openai.chat.completions.create({ model: 'gpt-4o', messages: user('weather?'), tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] });

  const bash = await caught(() =>
    anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: user('run ls'), tools: [{ type: 'bash_20250124', name: 'bash' }] }),
  );
  assert.match(assertDenied(bash, 'anthropic', 'feature_denied', AUP), /"coding_tools"/);
  const cli = await caught(() => anthropic.messages.create({ model: 'claude-sonnet-4', max_tokens: 50, messages: user('hi') }, { headers: { 'user-agent': 'claude-cli/1.0.80 (external, cli)' } }));
  assertDenied(cli, 'anthropic', 'feature_denied', AUP);
});

test('story 3: an affiliate is cut off because its acquirer is revoked; a partner is not', async () => {
  const r = await g.applyStory(story('affiliate-cut-off'), ['org_startup', 'org_partner', 'org_bigrival']);
  assert.equal(r.code, 0, r.stderr);
  const TOS_AFF = 'ToS §2.3: restrictions extend to affiliates of a restricted party';
  const msg = assertDenied(await caught(() => g.openai('org_startup').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })), 'openai', 'affiliate_restricted', TOS_AFF);
  assert.match(msg, /acquirer BigRival is revoked/);
  assertDenied(await caught(() => g.anthropic('org_bigrival').messages.create({ model: 'claude-sonnet-4', max_tokens: 20, messages: user('hi') })), 'anthropic', 'org_revoked', TOS_23A);
  assert.ok((await g.openai('org_partner').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);

  // Reinstating the acquirer through the admin API lifts the propagated cut at once...
  await g.admin('POST', '/admin/orgs/org_bigrival/status', { status: 'active', reason: 'appeal granted' });
  assert.ok((await g.openai('org_startup').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);
  // ...and restricting it with its affiliates gives each the same status, reason, clause and case.
  const res = await g.admin('POST', '/admin/orgs/org_bigrival/status', { status: 'restricted', reason: 'acquisition under review', clause: 'tos-2.3a', caseId: 'case-7', includeAffiliates: true });
  assert.deepEqual(res.json.affiliates.map((o: { id: string }) => o.id), ['org_partner', 'org_startup']);
  for (const org of ['org_startup', 'org_partner', 'org_bigrival']) {
    const m = assertDenied(await caught(() => g.anthropic(org).messages.create({ model: 'claude-sonnet-4', max_tokens: 20, messages: user('hi') })), 'anthropic', 'org_restricted', TOS_23A);
    assert.match(m, /acquisition under review \(case case-7\)/);
  }
  const audit = await g.admin('GET', '/admin/audit?action=org.status&limit=100');
  const last3 = (audit.json.entries as Array<{ target: string; data: { reason: string; clause: string; caseId: string } }>).slice(-3);
  assert.deepEqual(last3.map((e) => e.target).sort(), ['org_bigrival', 'org_partner', 'org_startup']);
  for (const e of last3) assert.deepEqual([e.data.reason, e.data.clause, e.data.caseId], ['acquisition under review', 'tos-2.3a', 'case-7']);
  // Reinstating with affiliates restores everyone.
  await g.admin('POST', '/admin/orgs/org_bigrival/status', { status: 'active', reason: 'review closed', includeAffiliates: true });
  for (const org of ['org_startup', 'org_partner', 'org_bigrival']) assert.ok((await g.openai(org).chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);
});

test('story 4: the caller learns reason, case and clause from the error itself (both SDKs)', async () => {
  // Every org in this file is revoked: the guard refuses without --force and changes nothing.
  const refused = await g.applyStory(story('caller-learns-clause'), ['org_distiller']);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /Refused: this plan would leave no org with access/);
  const r = await g.applyStory(story('caller-learns-clause'), ['org_distiller'], { force: true });
  assert.equal(r.code, 0, r.stderr);
  const TOS_23B = 'ToS §2.3(b): no reverse engineering, extraction or distillation';
  for (const sdk of ['openai', 'anthropic'] as const) {
    const e = await caught(() =>
      sdk === 'openai'
        ? g.openai('org_distiller').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })
        : g.anthropic('org_distiller').messages.create({ model: 'claude-sonnet-4', max_tokens: 20, messages: user('hi') }),
    );
    const msg = assertDenied(e, sdk, 'org_revoked', TOS_23B);
    assert.match(msg, /revoked: systematic extraction of model outputs \(case case-2025-112\)/);
  }
});
