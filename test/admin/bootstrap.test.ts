import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveBootstrapAdminToken } from '../../src/admin/bootstrap-token.js';
import { ensureDemoOrg } from '../../src/admin/demo-org.js';
import { checkApiKey, hashSecret } from '../../src/keys/api-key-format.js';
import { findKeyByHash, listKeys } from '../../src/store/keys-repo.js';
import { listOrgs } from '../../src/store/orgs-repo.js';
import { openStore } from '../../src/store/open-store.js';

test('bootstrap admin token: config wins; else generated once into <dataDir>/admin-token (0600) and reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-boot-'));
  try {
    assert.deepEqual(resolveBootstrapAdminToken({ dataDir: dir, adminToken: 'from-config-0123456789' }), { token: 'from-config-0123456789', source: 'config' });
    const first = resolveBootstrapAdminToken({ dataDir: dir });
    assert.equal(first.source, 'generated');
    assert.equal(checkApiKey(first.token).ok, true);
    assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
    const again = resolveBootstrapAdminToken({ dataDir: dir });
    assert.deepEqual(again, { token: first.token, source: 'file', file: join(dir, 'admin-token') });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('openStore on a PGlite data folder + ensureDemoOrg are idempotent across restarts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moat-demo-'));
  try {
    let driver = await openStore({ dataDir: dir });
    const a = await ensureDemoOrg(driver, { dataDir: dir });
    assert.equal(a.changes.length, 2);
    await driver.close();
    driver = await openStore({ dataDir: dir }); // restart: migrations already applied, data persisted
    const b = await ensureDemoOrg(driver, { dataDir: dir });
    assert.equal(b.apiKey, a.apiKey);
    assert.deepEqual(b.changes, []);
    assert.equal((await listOrgs(driver)).filter((o) => o.name === 'demo').length, 1);
    unlinkSync(join(dir, 'demo-key')); // lost secret file: a fresh key is issued for the same org
    const c = await ensureDemoOrg(driver, { dataDir: dir });
    assert.notEqual(c.apiKey, a.apiKey);
    assert.equal(c.org.id, a.org.id);
    assert.ok(await findKeyByHash(driver, hashSecret(c.apiKey)));
    assert.equal((await listKeys(driver, a.org.id)).length, 2);
    await driver.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
