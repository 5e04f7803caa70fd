import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashSecret } from '../../src/keys/api-key-format.js';
import { BOOTSTRAP, startAdminHarness, type AdminHarness } from './admin-harness.js';
import { runMoatCli } from '../support/cli-output.js';

describe('moat orgs/keys/tokens/audit CLI against a real admin API', () => {
  let h: AdminHarness & { url?: string };
  let dir: string;
  before(async () => {
    h = await startAdminHarness({ listen: true });
    dir = mkdtempSync(join(tmpdir(), 'moat-cli-'));
  });
  after(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function moat(...args: string[]): Promise<string> {
    return runMoatCli([...args]);
  }
  const conn = () => ['--url', h.url as string, '--token', BOOTSTRAP];

  test('orgs create/list/get/update/status', async () => {
    const created = await moat('orgs', 'create', 'cli-org', '--attr', 'competitor=true', '--label', 'lab', '--tier', 'pro', ...conn());
    assert.match(created, /name:\s+cli-org/);
    assert.match(created, /"competitor":true/);
    assert.match(await moat('orgs', 'list', ...conn()), /cli-org\s+active\s+pro/);
    const st = await moat('orgs', 'status', 'cli-org', 'restricted', '--reason', 'benchmarking', '--clause', 'ToS 2.3', '--case', 'C-9', ...conn());
    assert.match(st, /status:\s+restricted/);
    assert.match(st, /benchmarking \(clause: ToS 2.3\) \[case C-9\] by bootstrap/);
    const json = JSON.parse(await moat('orgs', 'get', 'cli-org', '--json', ...conn()));
    assert.equal(json.status, 'restricted');
    assert.equal(h.view.current().orgs.get(json.id)?.status, 'restricted');
    const upd = JSON.parse(await moat('orgs', 'update', 'cli-org', '--label', 'eu', '--json', ...conn()));
    assert.deepEqual(upd.labels, ['eu']);
  });

  test('keys create prints the secret once; list shows prefixes; disable/expire/delete', async () => {
    const out = await moat('keys', 'create', '--org', 'cli-org', '--name', 'ci', '--env', 'test', ...conn());
    const secret = /^(moat_test_\S+)$/m.exec(out)?.[1];
    assert.ok(secret, out);
    const rec = h.view.current().keyByHash.get(hashSecret(secret));
    assert.ok(rec);
    const list = await moat('keys', 'list', '--org', 'cli-org', ...conn());
    assert.ok(list.includes(rec.prefix) && !list.includes(secret));
    assert.match(await moat('keys', 'disable', rec.id, '--reason', 'rotated', ...conn()), /disabled/);
    assert.equal(h.view.current().keyByHash.get(hashSecret(secret))?.status, 'disabled');
    assert.match(await moat('keys', 'expire', rec.id, '2032-01-01T00:00:00Z', ...conn()), /2032-01-01T00:00:00.000Z/);
    assert.match(await moat('keys', 'enable', rec.id, ...conn()), /active/);
    const rotated = await moat('keys', 'rotate', rec.id, '--grace', '1h', ...conn());
    const fresh = /^(moat_test_\S+)$/m.exec(rotated)?.[1];
    assert.ok(fresh && fresh !== secret, rotated);
    assert.match(rotated, new RegExp(`the old secret \\(${rec.prefix}\\) keeps working until \\d{4}-`));
    assert.equal(h.view.current().keyByHash.get(hashSecret(fresh))?.id, rec.id);
    assert.ok(h.view.current().keyByHash.get(hashSecret(secret))?.rotatedUntil, 'the old secret is held with its grace end');
    assert.match(await moat('keys', 'list', '--org', 'cli-org', ...conn()), new RegExp(`${rec.prefix} \\d{4}-`));
    await moat('keys', 'end-rotation', rec.id, ...conn());
    assert.equal(h.view.current().keyByHash.get(hashSecret(secret)), undefined);
    await moat('keys', 'delete', rec.id, ...conn());
    assert.equal(h.view.current().keyByHash.get(hashSecret(fresh)), undefined);
  });

  test('tokens: create a viewer, which is then refused changes; token from <data-dir>/admin-token', async () => {
    const out = await moat('tokens', 'create', 'auditor', '--role', 'viewer', ...conn());
    const viewer = /^(moat_admin_\S+)$/m.exec(out)?.[1] as string;
    assert.ok(viewer);
    assert.match(await moat('tokens', 'list', ...conn()), /auditor\s+viewer/);
    writeFileSync(join(dir, 'admin-token'), viewer + '\n');
    assert.match(await moat('orgs', 'list', '--url', h.url as string, '--data-dir', dir), /cli-org/);
    await assert.rejects(moat('orgs', 'create', 'nope', '--url', h.url as string, '--data-dir', dir), /admin_forbidden/);
  });

  test('audit export + offline verify catches tampering (exit 1 via the real entry point)', async () => {
    const file = join(dir, 'export.jsonl');
    assert.match(await moat('audit', 'export', '--out', file, ...conn()), /wrote \d+ entries/);
    assert.match(await moat('audit', 'verify', '--file', file), /^ok: \d+ entries/);
    assert.match(await moat('audit', 'verify', ...conn()), /^ok:/);
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const e = JSON.parse(lines[1] as string);
    e.data.reason = 'quietly changed';
    lines[1] = JSON.stringify(e);
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lines.join('\n') + '\n');
    await assert.rejects(moat('audit', 'verify', '--file', tampered), /audit log tampered: edited at line 2/);
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/cli/main.ts').then((m) => m.main(['node', 'moat', ...process.argv.slice(1)]))", '--', 'audit', 'verify', '--file', tampered], {
      cwd: new URL('../..', import.meta.url).pathname,
      encoding: 'utf8',
    });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /edited at line 2/);
    assert.match(run.stderr, /quietly changed/);
  });
});
