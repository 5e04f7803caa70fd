// The embedded store refuses to lose data silently. A data folder is set up once through a real gateway
// (an org and a key), then copied and damaged in the ways an operator meets: PG_VERSION deleted (PGlite
// would initialise an empty database in place), a table's heap file truncated (rows gone, the rest
// starts), WAL damaged (PGlite's `Aborted()`), the whole database replaced by an older copy. Each time the
// start stops with a message naming the problem and the way out; `moat store check|backup|restore` work.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, unlinkSync, readdirSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ask, closeSharedDemo, orgWithKey, startFaultGateway } from './fault-gateway.js';
import { backupStore, checkStore, restoreStore } from '../../src/store/store-maintenance.js';
import { lockDataDir } from '../../src/store/data-dir-lock.js';
import { spawnMoat } from '../propagation/gateway-processes.js';

/** `moat <args>` in its own process: exit code and output. */
function moat(...args: string[]): Promise<{ code: number | null; out: string }> {
  const child = spawnMoat(args, root);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((r) => child.once('exit', (code) => r({ code, out })));
}

const root = mkdtempSync(join(tmpdir(), 'moat-embedded-'));
const pristine = join(root, 'pristine');
let secret = '';
let keysFile = '';
let backupFile = '';

before(async () => {
  const g = await startFaultGateway({}, { dataDir: pristine });
  try {
    const org = await orgWithKey(g, 'kept');
    secret = org.secret;
    keysFile = (await g.moat.driver.query<{ p: string }>("SELECT pg_relation_filepath('api_keys') AS p"))[0]!.p;
  } finally {
    await g.close();
  }
  backupFile = join(root, 'backup.tar.gz');
  assert.ok((await backupStore(pristine, backupFile)).ok);
});
after(async () => {
  await closeSharedDemo();
  rmSync(root, { recursive: true, force: true });
});

let copies = 0;
function copy(): string {
  const dir = join(root, `copy${++copies}`);
  cpSync(pristine, dir, { recursive: true });
  return dir;
}

async function startFails(dataDir: string): Promise<string> {
  const err = await startFaultGateway({}, { dataDir }).then(
    async (g) => {
      await g.close();
      return undefined;
    },
    (e: unknown) => e as Error,
  );
  assert.ok(err, 'the start must be refused');
  assert.match(err.message, /moat store check/, 'names the check');
  assert.match(err.message, /moat store restore/, 'names the restore');
  return err.message;
}

async function servesKey(dataDir: string): Promise<void> {
  const g = await startFaultGateway({}, { dataDir });
  try {
    assert.equal((await ask(g.url, secret)).status, 200);
  } finally {
    await g.close();
  }
}

test('[faults] a healthy store restarts, and its checks pass', async () => {
  const dir = copy();
  await servesKey(dir);
  const r = await checkStore(dir);
  assert.deepEqual(r.problems, []);
  assert.ok(r.ok);
  assert.ok(r.holds && r.holds.orgs >= 1 && r.holds.keys >= 1 && r.holds.auditEntriesVerified === r.holds.auditSeq);
});

test('[faults] PG_VERSION deleted: refused before PGlite re-initialises the folder; putting it back recovers', async () => {
  const dir = copy();
  const version = join(dir, 'pgdata', 'PG_VERSION');
  const content = readFileSync(version);
  unlinkSync(version);
  assert.match(await startFails(dir), /PG_VERSION is missing/);
  assert.ok(!existsSync(version), 'nothing was initialised over the old files');
  writeFileSync(version, content);
  await servesKey(dir);
});

test('[faults] a truncated heap file (keys gone): refused, rows named; restore from backup recovers', async () => {
  const dir = copy();
  truncateSync(join(dir, 'pgdata', keysFile), 0);
  assert.match(await startFails(dir), /keys were committed/);
  const check = await checkStore(dir);
  assert.equal(check.ok, false);
  assert.ok(check.problems.some((p) => /keys/.test(p)));
  const restored = await restoreStore(dir, backupFile);
  assert.ok(restored.ok, restored.problems.join('; '));
  assert.ok(readdirSync(dir).some((f) => f.startsWith('pgdata.before-restore-')), 'the damaged database is kept aside');
  await servesKey(dir);
});

test('[faults] damaged WAL: a human message instead of Aborted(); check --accept moves it aside', async () => {
  const dir = copy();
  const wal = join(dir, 'pgdata', 'pg_wal');
  for (const f of readdirSync(wal).filter((n) => /^[0-9A-F]{24}$/.test(n))) {
    const fd = openSync(join(wal, f), 'r+');
    writeSync(fd, Buffer.alloc(64 * 1024, 0x5a), 0, 64 * 1024, 0);
    closeSync(fd);
  }
  const msg = await startFails(dir);
  assert.match(msg, /files are damaged/);
  const check = await checkStore(dir);
  assert.equal(check.ok, false);
  const accepted = await checkStore(dir, { accept: true });
  assert.ok(accepted.actions.some((a) => /moved .*pgdata/.test(a)));
  const g = await startFaultGateway({}, { dataDir: dir });
  await g.close(); // an empty store, knowingly
});

test('[faults] an older copy of the database (audit head behind what was committed) is refused', async () => {
  const dir = copy();
  const older = join(root, 'older');
  cpSync(dir, older, { recursive: true });
  const g = await startFaultGateway({}, { dataDir: dir });
  await orgWithKey(g, 'later');
  await g.close();
  rmSync(join(dir, 'pgdata'), { recursive: true });
  cpSync(join(older, 'pgdata'), join(dir, 'pgdata'), { recursive: true });
  assert.match(await startFails(dir), /audit log ends at entry/);
});

test('[faults] moat store check / backup / restore on the command line', async () => {
  const dir = copy();
  const ok = await moat('store', 'check', '--data-dir', dir);
  assert.equal(ok.code, 0, ok.out);
  assert.match(ok.out, /store: 1 orgs, 1 keys, audit log of \d+ entries \(\d+ verified/);
  const file = join(root, 'cli-backup.tar.gz');
  assert.equal((await moat('store', 'backup', file, '--data-dir', dir)).code, 0);
  truncateSync(join(dir, 'pgdata', keysFile), 0);
  const bad = await moat('store', 'check', '--data-dir', dir, '--json');
  assert.equal(bad.code, 1);
  assert.ok((JSON.parse(bad.out) as { problems: string[] }).problems.some((p) => /keys were committed/.test(p)));
  const restored = await moat('store', 'restore', file, '--data-dir', dir);
  assert.equal(restored.code, 0, restored.out);
  assert.equal((await moat('store', 'check', '--data-dir', dir)).code, 0);
});

test('[faults] one process per data folder: a second open is refused while the first runs; released when it stops', async () => {
  const dir = copy();
  const g = await startFaultGateway({}, { dataDir: dir });
  try {
    assert.throws(() => lockDataDir(dir), /in use by process/);
  } finally {
    await g.close();
  }
  lockDataDir(dir).release();
});
