// The embedded store's database folder: created on first open (on a thread of its own, whose WASM memory goes
// with it), reopened with its data, and run with the embedded store's small buffer pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDriver } from '../../src/store/pglite-driver.js';

test('a new folder is created, keeps its rows across a reopen, and runs with 16 MB of shared buffers', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'moat-pglite-')), 'pgdata');
  const first = await PgliteDriver.open(dir);
  try {
    assert.ok(existsSync(join(dir, 'PG_VERSION')), 'the folder holds a database');
    await first.exec('create table t (id int primary key, v text)');
    await first.query('insert into t values ($1, $2)', [1, 'kept']);
    assert.deepEqual(await first.query('show shared_buffers'), [{ shared_buffers: '16MB' }]);
  } finally {
    await first.close();
  }
  const again = await PgliteDriver.open(dir);
  try {
    assert.deepEqual(await again.query('select v from t where id = 1'), [{ v: 'kept' }]);
    assert.deepEqual(await again.query('show shared_buffers'), [{ shared_buffers: '16MB' }]);
  } finally {
    await again.close();
  }
});

test('an in-memory database runs with the same settings', async () => {
  const db = await PgliteDriver.open();
  try {
    assert.deepEqual(await db.query('show shared_buffers'), [{ shared_buffers: '16MB' }]);
  } finally {
    await db.close();
  }
});
