// The embedded store's database folder: created on first open (beside the folder, on a thread of its own whose
// WASM memory goes with it, then renamed into place), reopened with its data and initdb's settings, and run with
// the embedded store's small buffer pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PgliteDriver } from '../../src/store/pglite-driver.js';

test('a new folder is created, keeps its rows and initdb\'s settings across a reopen, and runs with 16 MB of shared buffers', async () => {
  const root = mkdtempSync(join(tmpdir(), 'moat-pglite-'));
  const dir = join(root, 'pgdata');
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
    // initdb's postgresql.conf is the folder's own: settings from it hold after every start.
    assert.deepEqual(await again.query('show timezone'), [{ TimeZone: 'UTC' }]);
    assert.deepEqual(await again.query('show default_text_search_config'), [{ default_text_search_config: 'pg_catalog.english' }]);
  } finally {
    await again.close();
  }
  assert.deepEqual(readdirSync(root), ['pgdata'], 'nothing is left beside the folder');
});

test('what a creation cut short left is cleared, an empty folder is filled, a folder with files in it is refused', async () => {
  const root = mkdtempSync(join(tmpdir(), 'moat-pglite-'));
  const dir = join(root, 'pgdata');
  mkdirSync(join(root, 'pgdata.creating-999999', 'base'), { recursive: true });
  writeFileSync(join(root, 'pgdata.creating-999999', 'PG_VERSION'), '17\n');
  mkdirSync(dir);
  const db = await PgliteDriver.open(dir);
  try {
    assert.deepEqual(await db.query('select 1 as one'), [{ one: 1 }]);
  } finally {
    await db.close();
  }
  assert.deepEqual(readdirSync(root), ['pgdata']);

  const other = join(root, 'other');
  mkdirSync(other);
  writeFileSync(join(other, 'notes.txt'), 'not a database');
  await assert.rejects(PgliteDriver.open(other), /holds files but no database/);
  assert.ok(existsSync(join(other, 'notes.txt')), 'its files are left alone');
  assert.deepEqual(readdirSync(root).sort(), ['other', 'pgdata']);
});
