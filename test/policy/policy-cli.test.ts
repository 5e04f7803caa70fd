// `moat policy validate|diff|apply`: validate offline; diff/apply against a fake admin API that holds a
// PolicyState in memory and applies steps with the reference semantics (applyPlanToState).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { register, runApply, runDiff, runValidate } from '../../src/cli/commands/policy.js';
import { applyPlanToState } from '../../src/policy/apply-plan-to-state.js';
import { PolicyApplyRequestSchema, POLICY_APPLY_PATH, POLICY_STATE_PATH } from '../../src/policy/policy-api.js';
import { emptyPolicyState, type PolicyState } from '../../src/policy/policy-state.js';
import { planGuards } from '../../src/policy/plan-policy.js';
import { captureIo } from '../support/cli-output.js';

const EXAMPLE = join(import.meta.dirname, '../../examples/policy.yaml');
const TOKEN = 'test-admin-token-0123456789';

const capture = captureIo;

interface Fake {
  url: string;
  state: PolicyState;
  version: number;
  applyCalls: number;
  server: Server;
}

async function fakeAdmin(initial: PolicyState): Promise<Fake> {
  const fake = { state: initial, version: 1, applyCalls: 0 } as Fake;
  fake.server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.headers.authorization !== `Bearer ${TOKEN}`) return send(401, { error: { code: 'admin_unauthorized', message: 'Missing or unknown admin token.' } });
    if (req.method === 'GET' && req.url === POLICY_STATE_PATH) return send(200, { version: fake.version, state: fake.state });
    if (req.method === 'POST' && req.url === POLICY_APPLY_PATH) {
      fake.applyCalls++;
      let raw = '';
      for await (const chunk of req) raw += chunk;
      const parsed = PolicyApplyRequestSchema.safeParse(JSON.parse(raw));
      if (!parsed.success) return send(400, { error: { code: 'invalid_request', message: parsed.error.message } });
      const { steps, force, expectedVersion } = parsed.data;
      if (expectedVersion !== undefined && expectedVersion !== fake.version) return send(409, { error: { code: 'admin_conflict', message: 'policy changed since it was read' } });
      const next = applyPlanToState(fake.state, steps);
      if (planGuards(fake.state, next).length && !force) return send(409, { error: { code: 'admin_conflict', message: 'guarded change needs force' } });
      fake.state = next;
      fake.version++;
      const secrets = steps.filter((s) => s.action === 'create' && (s.kind === 'key' || s.kind === 'admin')).map((s) => ({ kind: s.kind, id: s.id, secret: `secret-for-${s.id}` }));
      return send(200, { version: fake.version, applied: steps.length, secrets });
    }
    send(404, { error: { code: 'not_found', message: 'no route' } });
  });
  await new Promise<void>((r) => fake.server.listen(0, '127.0.0.1', r));
  const addr = fake.server.address();
  assert.ok(addr && typeof addr === 'object');
  fake.url = `http://127.0.0.1:${addr.port}`;
  return fake;
}

test('validate accepts the shipped example and reports bad files with file:line:col and changes nothing', () => {
  const ok = capture();
  assert.equal(runValidate(EXAMPLE, ok), 0);
  assert.match(ok.stdout, /policy\.yaml: valid \(1 orgs, 0 grants, 1 keys, 1 admins, 8 features\)/);

  const dir = mkdtempSync(join(tmpdir(), 'moat-policy-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'tiers:\n  free: {}\norgs:\n  - id: a\n    name: A\n    tier: gold\n');
  const io = capture();
  assert.equal(runValidate(bad, io), 1);
  assert.equal(io.stderr, `${bad}:6:11: orgs[0].tier: unknown tier "gold" (defined: free)\n${bad}: 1 problem; nothing was changed.\n`);
});

test('diff prints the plan; apply applies it once; a second apply has nothing to do', async () => {
  const fake = await fakeAdmin(emptyPolicyState());
  try {
    const opts = { url: fake.url, token: TOKEN };
    const diff = capture();
    assert.equal(await runDiff(EXAMPLE, opts, diff), 0);
    assert.match(diff.stdout, /\+ org org_example\n/);
    assert.equal(fake.applyCalls, 0, 'diff must not apply');

    const apply = capture();
    assert.equal(await runApply(EXAMPLE, opts, apply), 0);
    assert.match(apply.stdout, /Applied 4 changes \(store version 2\)/);
    assert.match(apply.stdout, /New API key org_example\/default: secret-for-org_example\/default/);
    assert.equal(fake.state.orgs[0]?.id, 'org_example');

    const again = capture();
    assert.equal(await runApply(EXAMPLE, opts, again), 0);
    assert.equal(again.stdout, 'No changes. The store matches the policy file.\n');
    assert.equal(fake.applyCalls, 1);
  } finally {
    fake.server.close();
  }
});

test('apply refuses a guarded plan without --force and sends nothing; with --force it applies', async () => {
  const fake = await fakeAdmin({ ...emptyPolicyState(), admins: [{ name: 'root', role: 'admin' }] });
  try {
    const dir = mkdtempSync(join(tmpdir(), 'moat-policy-'));
    const file = join(dir, 'no-admins.yaml');
    writeFileSync(file, 'admins:\n  - { name: viewer1, role: viewer }\n');
    const io = capture();
    assert.equal(await runApply(file, { url: fake.url, token: TOKEN }, io), 1);
    assert.match(io.stdout, /Refused: this plan would remove the last admin/);
    assert.equal(io.stderr, 'Nothing was changed.\n');
    assert.equal(fake.applyCalls, 0);
    assert.deepEqual(fake.state.admins, [{ name: 'root', role: 'admin' }]);

    assert.equal(await runApply(file, { url: fake.url, token: TOKEN, force: true }, capture()), 0);
    assert.deepEqual(fake.state.admins, [{ name: 'viewer1', role: 'viewer' }]);
  } finally {
    fake.server.close();
  }
});

test('token comes from --token, MOAT_ADMIN_TOKEN, or <dataDir>/admin-token; a bad token is a clear error', async () => {
  const fake = await fakeAdmin(emptyPolicyState());
  try {
    const dataDir = mkdtempSync(join(tmpdir(), 'moat-data-'));
    writeFileSync(join(dataDir, 'admin-token'), `${TOKEN}\n`);
    assert.equal(await runDiff(EXAMPLE, { env: { MOAT_URL: fake.url, MOAT_DATA_DIR: dataDir } }, capture()), 0);
    assert.equal(await runDiff(EXAMPLE, { env: { MOAT_URL: fake.url, MOAT_ADMIN_TOKEN: TOKEN } }, capture()), 0);
    await assert.rejects(runDiff(EXAMPLE, { url: fake.url, token: 'wrong-token-000000000' }, capture()), /HTTP 401 admin_unauthorized: Missing or unknown admin token/);
    await assert.rejects(runDiff(EXAMPLE, { env: { MOAT_URL: fake.url, MOAT_DATA_DIR: join(dataDir, 'missing') } }, capture()), /no admin token/);
  } finally {
    fake.server.close();
  }
});

test('apply fails cleanly when the store changed between diff and apply', async () => {
  const fake = await fakeAdmin(emptyPolicyState());
  try {
    const origListeners = fake.server.listeners('request');
    // Bump the version after the state read, as a concurrent admin change would.
    fake.server.prependListener('request', (req) => {
      if (req.url === POLICY_APPLY_PATH) fake.version += 1;
    });
    assert.ok(origListeners.length > 0);
    await assert.rejects(runApply(EXAMPLE, { url: fake.url, token: TOKEN }, capture()), /HTTP 409 admin_conflict: policy changed since it was read/);
    assert.deepEqual(fake.state, emptyPolicyState());
  } finally {
    fake.server.close();
  }
});

test('the policy command group is registered with validate, diff and apply', () => {
  const program = new Command('moat');
  register(program);
  const policy = program.commands.find((c) => c.name() === 'policy');
  assert.deepEqual(policy?.commands.map((c) => c.name()), ['validate', 'diff', 'apply']);
  assert.ok(policy?.commands[2]?.options.some((o) => o.long === '--force'));
});
