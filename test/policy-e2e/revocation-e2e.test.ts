// Revocation and reinstatement through the real gateway: the CLI (`moat orgs revoke|suspend|reinstate`,
// `moat keys disable|enable`) and the admin API change the policy, the official SDKs see the effect as soon
// as the call returns, and a stream already running for a revoked org ends at its next chunk with an SSE error.
import { after, before, test } from 'node:test';
import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import { planPolicy } from '../../src/policy/plan-policy.js';
import { ADMIN_TOKEN, caught, startE2eGateway, type E2eGateway } from './e2e-gateway.js';
import { runMoatCli } from '../support/cli-output.js';
import { until } from '../support/until.js';

const POLICY = `
clauses:
  tos-2.3b: { text: "ToS §2.3(b): no reverse engineering, extraction or distillation" }
tiers:
  standard: {}
orgs:
  - { id: org_acme, name: acme, tier: standard }
  - { id: org_other, name: other, tier: standard }
keys:
  - { name: e2e, org: org_acme }
  - { name: e2e, org: org_other }
`;
const CLAUSE = 'ToS §2.3(b): no reverse engineering, extraction or distillation';
const user = (content: string) => [{ role: 'user' as const, content }];

let g: E2eGateway;
before(async () => {
  g = await startE2eGateway();
});
after(async () => {
  await g?.close();
});

async function moat(...args: string[]): Promise<string> {
  return runMoatCli([...args, '--url', g.url, '--token', ADMIN_TOKEN]);
}

test('POST /admin/policy/apply is effective in the gateway before it returns', async () => {
  const desired = loadPolicyFile({ text: POLICY, file: 'inline.yaml' });
  const state = await g.admin('GET', '/admin/policy/state');
  const plan = planPolicy(state.json.state, desired);
  const res = await g.admin('POST', '/admin/policy/apply', { steps: plan.steps, expectedVersion: state.json.version });
  assert.equal(res.json.applied, plan.steps.length);
  // The view already holds the applied version: no wait between the reply and the next request.
  assert.equal(g.moat.view.current().version, res.json.version);
  for (const s of res.json.secrets as Array<{ id: string; secret: string }>) g.keys.set(s.id, s.secret);
  const reply = await g.openai('org_acme').chat.completions.create({ model: 'gpt-4o', messages: user('hello') });
  assert.ok(reply.choices[0]?.message.content);
  // Applying the same plan again is refused as stale; planning again finds nothing to do.
  const stale = await g.admin('POST', '/admin/policy/apply', { steps: plan.steps, expectedVersion: state.json.version }, { allowError: true });
  assert.equal(stale.status, 409);
  assert.equal(stale.json.error.code, 'admin_conflict');
  assert.deepEqual(planPolicy((await g.admin('GET', '/admin/policy/state')).json.state, desired).steps, []);
});

test('moat orgs revoke / reinstate: denied callers learn reason, clause and case; reinstated callers get through', async () => {
  const out = await moat('orgs', 'revoke', 'acme', '--reason', 'distillation of outputs', '--clause', 'tos-2.3b', '--case', 'case-99');
  assert.match(out, /status:\s+revoked/);
  const oe = await caught(() => g.openai('org_acme').chat.completions.create({ model: 'gpt-4o', messages: user('hi') }));
  assert.ok(oe instanceof OpenAI.PermissionDeniedError);
  assert.equal(oe.code, 'org_revoked');
  assert.equal(oe.headers.get('x-should-retry'), 'false');
  assert.match(oe.message, /distillation of outputs \(case case-99\)/);
  assert.ok(oe.message.includes(CLAUSE));
  const ae = await caught(() => g.anthropic('org_acme').messages.create({ model: 'claude-sonnet-4', max_tokens: 10, messages: user('hi') }));
  assert.ok(ae instanceof Anthropic.PermissionDeniedError);
  assert.equal((ae.error as { error: { type: string; clause: string } }).error.type, 'permission_error');
  assert.equal((ae.error as { error: { clause: string } }).error.clause, CLAUSE);
  // Another org is untouched.
  assert.ok((await g.openai('org_other').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);

  await moat('orgs', 'reinstate', 'acme', '--reason', 'appeal granted');
  assert.ok((await g.openai('org_acme').chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);

  const until = new Date(Date.now() + 3_600_000).toISOString();
  await moat('orgs', 'suspend', 'acme', '--until', until, '--reason', 'rate abuse', '--clause', 'tos-2.3b');
  const se = await caught(() => g.openai('org_acme').chat.completions.create({ model: 'gpt-4o', messages: user('hi') }));
  assert.ok(se instanceof OpenAI.PermissionDeniedError);
  assert.equal(se.code, 'org_suspended');
  assert.ok(se.message.includes(until), se.message);
  await moat('orgs', 'reinstate', 'acme', '--reason', 'suspension lifted');

  // The policy file still declares acme active: the reinstated org plans to "no changes".
  assert.deepEqual(planPolicy((await g.admin('GET', '/admin/policy/state')).json.state, loadPolicyFile({ text: POLICY })).steps, []);
});

test('moat orgs revoke --with-affiliates reaches directly affiliated orgs, each audited', async () => {
  await g.admin('POST', '/admin/affiliations', { org: 'other', affiliate: 'acme', relation: 'parent' });
  const out = await moat('orgs', 'revoke', 'acme', '--reason', 'group-wide breach', '--clause', 'tos-2.3b', '--with-affiliates');
  assert.match(out, /also revoked: other \(org_other\)/);
  for (const org of ['org_acme', 'org_other']) {
    const e = await caught(() => g.openai(org).chat.completions.create({ model: 'gpt-4o', messages: user('hi') }));
    assert.ok(e instanceof OpenAI.PermissionDeniedError && e.code === 'org_revoked' && e.message.includes('group-wide breach'));
  }
  const audit = await g.admin('GET', '/admin/audit?action=org.status&limit=100');
  const last = (audit.json.entries as Array<{ target: string; actor: string; data: { to: string; reason: string } }>).slice(-2);
  assert.deepEqual(last.map((e) => [e.target, e.data.to, e.data.reason]).sort(), [['org_acme', 'revoked', 'group-wide breach'], ['org_other', 'revoked', 'group-wide breach']]);
  await moat('orgs', 'reinstate', 'acme', '--reason', 'resolved', '--with-affiliates');
  for (const org of ['org_acme', 'org_other']) assert.ok((await g.openai(org).chat.completions.create({ model: 'gpt-4o', messages: user('hi') })).choices.length);
});

test('moat keys disable / enable', async () => {
  const keys = JSON.parse(await moat('keys', 'list', '--org', 'acme', '--json')) as Array<{ id: string; name: string }>;
  const id = keys.find((k) => k.name === 'e2e')?.id;
  assert.ok(id);
  await moat('keys', 'disable', id, '--reason', 'leaked', '--clause', 'tos-2.3b');
  const e = await caught(() => g.anthropic('org_acme').messages.create({ model: 'claude-sonnet-4', max_tokens: 10, messages: user('hi') }));
  assert.ok(e instanceof Anthropic.AuthenticationError);
  assert.equal((e.error as { error: { code: string } }).error.code, 'key_disabled');
  await moat('keys', 'enable', id);
  assert.equal((await g.anthropic('org_acme').messages.create({ model: 'claude-sonnet-4', max_tokens: 10, messages: user('hi') })).type, 'message');
});

// A long answer (a minute at 40 ms a chunk) so that a slow revocation on a loaded machine still lands mid-stream.
const STREAM = { chunkDelayMs: 40, replyWords: 1_500 };
const CHUNK_MS = STREAM.chunkDelayMs;
const LONG = 'tell me a long story';

/** Revokes acme; returns how long the call took (chunks go on arriving, and queue in the client, meanwhile). */
async function revokeTimed(): Promise<number> {
  const t0 = performance.now();
  await g.admin('POST', '/admin/orgs/acme/status', { status: 'revoked', reason: 'stream cut', clause: 'tos-2.3b' });
  return performance.now() - t0;
}

/**
 * Chunks the client may still read after the revocation returned: those the upstream sent while the call ran
 * (queued in the client), and the one the gateway was relaying when the view changed.
 */
const allowedAfter = (revokeMs: number) => Math.ceil(revokeMs / CHUNK_MS) + 2;

test('a running OpenAI stream of a revoked org ends at its next chunk with an error event naming the clause', async () => {
  g.demo.setBehavior(STREAM);
  const aborted = g.demo.stats.abortedStreams;
  try {
    const stream = await g.openai('org_acme').chat.completions.create({ model: 'gpt-4o', stream: true, messages: user(LONG) });
    let chunks = 0;
    let revokedAt = -1;
    let revokeMs = 0;
    const err = await caught(async () => {
      for await (const _c of stream) {
        chunks++;
        if (chunks === 3) {
          revokeMs = await revokeTimed();
          revokedAt = chunks;
        }
      }
    });
    assert.ok(err instanceof OpenAI.APIError, `expected the SDK to raise the SSE error event, got ${String(err)}`);
    assert.ok(err.message.includes(CLAUSE), err.message);
    assert.ok(chunks - revokedAt <= allowedAfter(revokeMs), `${chunks - revokedAt} chunks arrived after a revocation that took ${Math.round(revokeMs)} ms`);
    // The gateway also hung up on the upstream rather than reading the rest of the answer.
    await until(() => g.demo.stats.abortedStreams > aborted, 'the gateway to end the upstream stream', 5_000);
  } finally {
    g.demo.setBehavior({ chunkDelayMs: 0, replyWords: 0 });
    await g.admin('POST', '/admin/orgs/acme/status', { status: 'active', reason: 'test over' });
  }
});

test('a running Anthropic stream of a revoked org ends with an `event: error` naming the clause', async () => {
  g.demo.setBehavior(STREAM);
  try {
    const stream = g.anthropic('org_acme').messages.stream({ model: 'claude-sonnet-4', max_tokens: 4_000, messages: user(LONG) });
    let deltas = 0;
    let revokedAt = -1;
    let revokeMs = 0;
    const err = await caught(async () => {
      for await (const ev of stream) {
        if (ev.type !== 'content_block_delta') continue;
        deltas++;
        if (deltas === 3) {
          revokeMs = await revokeTimed();
          revokedAt = deltas;
        }
      }
      // The SDK's iterator ends quietly when the error event arrives while nothing is reading from it (here, while
      // the revocation call runs, which is when the gateway cuts the stream); the stream's outcome carries it.
      await stream.done();
    });
    assert.ok(err instanceof Anthropic.APIError, `expected the SDK to raise the SSE error event, got ${String(err)}`);
    assert.ok(String(err.message).includes(CLAUSE), err.message);
    assert.ok(deltas - revokedAt <= allowedAfter(revokeMs), `${deltas - revokedAt} deltas arrived after a revocation that took ${Math.round(revokeMs)} ms`);
  } finally {
    g.demo.setBehavior({ chunkDelayMs: 0, replyWords: 0 });
    await g.admin('POST', '/admin/orgs/acme/status', { status: 'active', reason: 'test over' });
  }
});

test('roles: a viewer reads the policy state and the console view but cannot apply; bad sections are refused with their path', async () => {
  const viewer = (await g.admin('POST', '/admin/tokens', { name: 'e2e-viewer', role: 'viewer' })).json.secret as string;
  const state = await g.admin('GET', '/admin/policy/state', undefined, { token: viewer });
  assert.equal(state.status, 200);
  const view = await g.admin('GET', '/admin/policy', undefined, { token: viewer });
  assert.equal(view.json.version, state.json.version);
  // Every shipped detection rule is listed with its status, and with no `playbooks:` section the shipped
  // default playbook (the one in force) is shown.
  const shipped = readdirSync(new URL('../../rules/', import.meta.url)).filter((f) => f.endsWith('.yaml')).map((f) => f.replace(/\.yaml$/, ''));
  assert.deepEqual((view.json.rules as Array<{ id: string; status: string }>).map((r) => r.id).sort(), shipped.sort());
  assert.ok((view.json.rules as Array<{ status: string }>).every((r) => r.status === 'stable' || r.status === 'experimental'));
  const defaultIds = (parse(readFileSync(new URL('../../rules/playbooks/default.yaml', import.meta.url), 'utf8')) as { rules: Array<{ id: string }> }).rules.map((r) => r.id);
  assert.deepEqual((view.json.playbooks as Array<{ rules: Array<{ id: string }> }>)[0]!.rules.map((r) => r.id), defaultIds);
  // The document is a policy file: planning it against the state finds nothing to change.
  const doc = loadPolicyFile({ text: view.json.document, file: 'document.yaml' });
  assert.deepEqual(planPolicy(state.json.state, doc).steps, []);
  assert.doesNotMatch(view.json.document, /moat_live_/, 'no key secrets or prefixes in the document');

  const steps = planPolicy(state.json.state, { ...state.json.state, orgs: [...state.json.state.orgs, { ...emptyOrg('org_new'), name: 'new' }] }).steps;
  const forbidden = await g.admin('POST', '/admin/policy/apply', { steps }, { token: viewer, allowError: true });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.json.error.code, 'admin_forbidden');

  const badLimits = planPolicy(state.json.state, { ...state.json.state, rules: { ...state.json.state.rules, limits: { tiers: { standard: { key: { requestsPerMinute: -5 } } } } } }).steps;
  const bad = await g.admin('POST', '/admin/policy/apply', { steps: badLimits }, { allowError: true });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
  assert.match(bad.json.error.message, /body\.steps\[0\]\.after\.limits\.tiers\.standard\.key\.requestsPerMinute/);
  assert.equal((await g.admin('GET', '/admin/policy/state')).json.version, state.json.version, 'nothing was written');
});

function emptyOrg(id: string) {
  return { id, name: id, tier: 'standard', attributes: {}, labels: [], status: 'active' as const };
}
