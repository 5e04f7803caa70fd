import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureAdminToken } from './data-dir-secrets.js';

test('admin token is generated once, kept private in the data folder, and overridden by config', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'moat-secrets-')), 'data');
  const first = ensureAdminToken(dir);
  assert.equal(first.source, 'generated');
  assert.ok(first.token.length >= 32);
  assert.equal(statSync(join(dir, 'admin-token')).mode & 0o777, 0o600);
  const again = ensureAdminToken(dir);
  assert.deepEqual(again, { token: first.token, source: 'data-dir' });
  assert.deepEqual(ensureAdminToken(dir, 'configured-token-123456'), { token: 'configured-token-123456', source: 'config' });
});
