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
    assert.equal(await runDiff(EXAMPLE, opts, diff), 2, 'changes: exit code 2');
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
    writeFileSync(file, 'manage:\n  admins: ["*"]\nadmins:\n  - { name: viewer1, role: viewer }\n');
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
    assert.equal(await runDiff(EXAMPLE, { env: { MOAT_URL: fake.url, MOAT_DATA_DIR: dataDir } }, capture()), 2);
    assert.equal(await runDiff(EXAMPLE, { env: { MOAT_URL: fake.url, MOAT_ADMIN_TOKEN: TOKEN } }, capture()), 2);
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
  assert.ok(policy?.commands[2]?.options.some((o) => o.long === '--prune'));
  assert.ok(policy?.commands[1]?.options.some((o) => o.long === '--json'));
});

/** A store with one org made by the file and one made through the API (key and grant included). */
function storeWithApiOrg(): PolicyState {
  return {
    ...emptyPolicyState(),
    rules: { tiers: { free: {} } },
    orgs: [
      { id: 'org_file', name: 'File', tier: 'free', attributes: {}, labels: [], status: 'active' },
      { id: 'team-api', name: 'Made by API', tier: 'free', attributes: {}, labels: [], status: 'active' },
    ],
    grants: [{ id: 'team-api:eval', orgId: 'team-api', purpose: 'eval', models: ['claude-*'] }],
    keys: [{ orgId: 'team-api', name: 'ci', status: 'active', prefix: 'moat_ab12' }],
    admins: [{ name: 'root', role: 'admin' }],
  };
}

function policyFile(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'moat-policy-')), 'policy.yaml');
  writeFileSync(file, text);
  return file;
}

const FILE_ORG_ONLY = 'tiers:\n  free: {}\norgs:\n  - { id: org_file, name: File, tier: free }\n';

test('diff exits 0 when the store matches, 2 when it drifted, 1 on an invalid file; --json is the plan for CI', async () => {
  const fake = await fakeAdmin(storeWithApiOrg());
  try {
    const opts = { url: fake.url, token: TOKEN };
    const same = capture();
    assert.equal(await runDiff(policyFile(FILE_ORG_ONLY), opts, same), 0);
    assert.match(same.stdout, /^No changes\./);

    const drift = policyFile(FILE_ORG_ONLY.replace('name: File', 'name: Renamed'));
    const text = capture();
    assert.equal(await runDiff(drift, opts, text), 2);
    assert.match(text.stdout, /~ org org_file\n {4}name: "File" -> "Renamed"/);

    const json = capture();
    assert.equal(await runDiff(drift, { ...opts, json: true }, json), 2);
    const plan = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.equal(plan.changes, true);
    assert.equal(plan.storeVersion, 1);
    assert.deepEqual(plan.summary, { create: 0, update: 1, delete: 0 });
    assert.deepEqual((plan.steps as Array<Record<string, unknown>>).map((s) => [s.kind, s.action, s.id, s.fields]), [['org', 'update', 'org_file', ['name']]]);
    assert.deepEqual(plan.unmanaged, [
      { kind: 'org', id: 'team-api' },
      { kind: 'grant', id: 'team-api:eval' },
      { kind: 'key', id: 'team-api/ci' },
      { kind: 'admin', id: 'root' },
    ]);

    const clean = capture();
    assert.equal(await runDiff(policyFile(FILE_ORG_ONLY), { ...opts, json: true }, clean), 0);
    assert.equal((JSON.parse(clean.stdout) as { changes: boolean }).changes, false);

    const bad = capture();
    assert.equal(await runDiff(policyFile('orgs:\n  - { id: x }\n'), { ...opts, json: true }, bad), 1);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /nothing was changed/);
  } finally {
    fake.server.close();
  }
});

test('apply keeps objects made through the API unless the file owns them (manage:) or --prune is given', async () => {
  const fake = await fakeAdmin(storeWithApiOrg());
  try {
    const opts = { url: fake.url, token: TOKEN };
    const kept = capture();
    assert.equal(await runApply(policyFile(FILE_ORG_ONLY), opts, kept), 0);
    assert.match(kept.stdout, /^No changes\. The store matches the policy file\.\nKept 4 objects not in the file and not owned by it/);
    assert.equal(fake.applyCalls, 0);
    assert.deepEqual(fake.state.orgs.map((o) => o.id), ['org_file', 'team-api']);

    // Owning `team-*` deletes that org with its grant and key; the admin token is still not owned.
    const owned = capture();
    assert.equal(await runApply(policyFile(`manage:\n  orgs: ["team-*"]\n${FILE_ORG_ONLY}`), opts, owned), 0);
    assert.match(owned.stdout, /- key team-api\/ci\n- grant team-api:eval\n- org team-api\n/);
    assert.deepEqual(fake.state.orgs.map((o) => o.id), ['org_file']);
    assert.deepEqual(fake.state.keys, []);
    assert.deepEqual(fake.state.admins, [{ name: 'root', role: 'admin' }]);
  } finally {
    fake.server.close();
  }

  const pruned = await fakeAdmin(storeWithApiOrg());
  try {
    const file = policyFile(`${FILE_ORG_ONLY}admins:\n  - { name: root, role: admin }\n`);
    assert.equal(await runDiff(file, { url: pruned.url, token: TOKEN }, capture()), 0, 'unowned objects are not drift');
    assert.equal(await runDiff(file, { url: pruned.url, token: TOKEN, prune: true }, capture()), 2);
    assert.equal(await runApply(file, { url: pruned.url, token: TOKEN, prune: true }, capture()), 0);
    assert.deepEqual(pruned.state.orgs.map((o) => o.id), ['org_file']);
    assert.deepEqual(pruned.state.grants, []);
  } finally {
    pruned.server.close();
  }
});

test('an enforcement throttle on an org is not drift, and an apply that updates the org keeps it', async () => {
  const throttle = { 'moat.throttle.factor': 0.25, 'moat.throttle.until': '2030-01-01T00:00:00.000Z', 'moat.throttle.case': 'case-7' };
  const state = storeWithApiOrg();
  state.orgs[0] = { ...state.orgs[0]!, attributes: { plan: 'gold', ...throttle } };
  const fake = await fakeAdmin(state);
  try {
    const opts = { url: fake.url, token: TOKEN };
    const file = FILE_ORG_ONLY.replace('tier: free }', 'tier: free, attributes: { plan: gold } }');
    assert.equal(await runDiff(policyFile(file), opts, capture()), 0);
    const apply = capture();
    assert.equal(await runApply(policyFile(file.replace('plan: gold', 'plan: silver')), opts, apply), 0);
    assert.match(apply.stdout, /attributes: .*"plan":"gold".* -> .*"plan":"silver"/);
    assert.deepEqual(fake.state.orgs[0]?.attributes, { plan: 'silver', ...throttle });
    // A file cannot set (or clear) the throttle itself.
    const io = capture();
    assert.equal(await runDiff(policyFile(file.replace('plan: gold', '"moat.throttle.factor": 1')), opts, io), 1);
    assert.match(io.stderr, /set by enforcement, not by policy files/);
  } finally {
    fake.server.close();
  }
});
