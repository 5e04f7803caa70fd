// The running server's audit verification (GET /admin/audit/verify, `moat audit verify`) after someone with
// database access cut the newest entries off the log while the gateway was down. Two independent records
// outside the database expose it: the embedded store's identity file refuses to start on it, and once an
// operator accepts the store as it is, the signed checkpoint the gateway wrote at shutdown still reports it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDriver } from '../../src/store/pglite-driver.js';
import { checkStore } from '../../src/store/store-maintenance.js';
import { startE2eGateway } from '../policy-e2e/e2e-gateway.js';

test('entries deleted from the end while the gateway was down are reported as truncation', async () => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'moat-audit-e2e-')), 'data');
  try {
    let g = await startE2eGateway({ dataDir });
    for (const name of ['a', 'b', 'c']) await g.admin('POST', '/admin/orgs', { name });
    const fine = (await g.admin('GET', '/admin/audit/verify')).json;
    assert.equal(fine.ok, true);
    assert.equal(fine.macsChecked, true);
    await g.close(); // writes a signed checkpoint of the head
    for (const f of ['audit-mac-key', 'audit-signing-key.pem']) assert.equal(statSync(join(dataDir, f)).mode & 0o777, 0o600, f);
    assert.ok(existsSync(join(dataDir, 'audit-checkpoints.jsonl')));

    const db = await PgliteDriver.open(join(dataDir, 'pgdata'));
    await db.query('DELETE FROM audit_log WHERE seq > 1');
    await db.query('UPDATE audit_head SET seq = 1, hash = (SELECT hash FROM audit_log WHERE seq = 1) WHERE id = 1');
    await db.close();

    await assert.rejects(startE2eGateway({ dataDir }), /the audit log ends at entry 1, but entry 3 was committed/);
    const accepted = await checkStore(dataDir, { accept: true });
    assert.ok(accepted.ok && accepted.actions.some((a) => a.startsWith('accepted')), JSON.stringify(accepted));

    g = await startE2eGateway({ dataDir });
    const v = (await g.admin('GET', '/admin/audit/verify')).json;
    assert.equal(v.ok, false);
    assert.equal(v.problem, 'truncated');
    assert.match(v.message, /the log ends at seq 1 but the checkpoint of .* has seq 3: 2 entries cut off the end/);
    assert.equal(v.checkpoint.seq, 3);
    await g.close();
  } finally {
    rmSync(join(dataDir, '..'), { recursive: true, force: true });
  }
});
