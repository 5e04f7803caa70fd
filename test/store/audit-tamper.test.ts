// The audit log against someone with write access to the database (and without the keys kept outside it):
// each attack is carried out with plain SQL on the store, then verification (the server's checks, the offline
// `moat audit verify --file`) must name it: truncation, deletion, reordering, rewriting. Sequence numbers are
// never reused after entries are deleted, and the checkpointer refuses to sign a head that does not extend the
// last signed one.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditEntriesToJsonl, auditKey, GENESIS_HASH, hashAuditEntry, verifyAuditChain, type AuditEntry, type AuditVerification } from '../../src/audit/audit-chain.js';
import { withAuditKey } from '../../src/audit/audit-key.js';
import { auditHead, listAudit } from '../../src/audit/audit-log.js';
import { AuditCheckpointer } from '../../src/audit/checkpointer.js';
import { checkpointProblem, latestCheckpoint, type AuditCheckpoint } from '../../src/audit/checkpoint.js';
import { verifyExportFile } from '../../src/cli/commands/audit.js';
import { runMigrations } from '../../src/store/migrate.js';
import { createOrg, updateOrg } from '../../src/store/orgs-repo.js';
import type { PgliteDriver } from '../../src/store/pglite-driver.js';
import { openEmptyPglite } from '../support/pgdata-template.js';

const KEY = auditKey('audit-mac-key-for-tests-0123456789abcdef');

// One in-memory database for the file (opening one takes seconds); each test starts from an empty log.
let shared: PgliteDriver | undefined;
after(() => shared?.close());

async function auditedStore(entries = 5) {
  const dir = mkdtempSync(join(tmpdir(), 'moat-audit-'));
  if (!shared) {
    shared = await openEmptyPglite();
    await runMigrations(shared);
  }
  const raw = shared;
  await raw.query('DELETE FROM audit_log');
  await raw.query('DELETE FROM orgs');
  await raw.query('UPDATE audit_head SET seq = 0, hash = $1 WHERE id = 1', [GENESIS_HASH]);
  const driver = withAuditKey(raw, KEY);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const problems: string[] = [];
  const file = join(dir, 'audit-checkpoints.jsonl');
  const checkpointer = new AuditCheckpointer({ store: raw, key: KEY, signingKey: privateKey, file, now: () => Date.parse('2026-11-21T10:00:00Z'), onProblem: (m) => void problems.push(m) });
  const org = await createOrg(driver, { actor: 'ops' }, { name: 'acme' });
  for (let i = 1; i < entries; i++) await updateOrg(driver, { actor: 'ops' }, org.result.id, { labels: [`l${i}`] });
  const all = async () => listAudit(raw, { limit: 10_000 });
  /** What the server's verify does: chain, MACs, and the latest checkpoint (signature first). */
  const verify = async (): Promise<AuditVerification> => {
    const cp = latestCheckpoint(file);
    if (cp) assert.equal(checkpointProblem(cp, publicKey), undefined);
    return verifyAuditChain(await all(), { key: KEY, macFrom: cp?.macFrom ?? 1, ...(cp ? { expect: { seq: cp.seq, hash: cp.hash, source: `checkpoint of ${cp.ts}` } } : {}) });
  };
  /** The same offline, through `moat audit verify --file` on an export, with the data-folder files. */
  const verifyOffline = async (extra: { expectHead?: string } = {}) => {
    const exportFile = join(dir, 'export.jsonl');
    writeFileSync(exportFile, auditEntriesToJsonl(await all()));
    writeFileSync(join(dir, 'audit-mac-key'), 'audit-mac-key-for-tests-0123456789abcdef');
    writeFileSync(join(dir, 'audit-signing-key.pub.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
    return verifyExportFile({ file: exportFile, dataDir: dir, ...extra }, {});
  };
  return {
    raw, driver, org: org.result, checkpointer, file, problems, all, verify, verifyOffline,
    async close() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type Store = Awaited<ReturnType<typeof auditedStore>>;

function assertProblem(v: AuditVerification, problem: string, seq?: number) {
  assert.equal(v.ok, false, 'tampering not detected');
  assert.ok(!v.ok);
  assert.equal(v.problem, problem, v.message);
  if (seq !== undefined) assert.equal(v.seq, seq, v.message);
}

/** An attacker without the keys rewrites an entry and recomputes the unkeyed hash chain from there on. */
async function rewriteFrom(s: Store, seq: number, change: (e: AuditEntry) => AuditEntry, opts: { mac?: (e: AuditEntry) => string | undefined } = {}) {
  const entries = await s.all();
  let prev = entries.find((e) => e.seq === seq - 1)?.hash ?? GENESIS_HASH;
  for (const e of entries.filter((x) => x.seq >= seq)) {
    const changed = e.seq === seq ? change(e) : e;
    const hash = hashAuditEntry(prev, changed);
    const mac = opts.mac ? opts.mac({ ...changed, prevHash: prev, hash }) : e.mac;
    await s.raw.query('UPDATE audit_log SET actor = $2, data = $3::jsonb, prev_hash = $4, hash = $5, mac = $6 WHERE seq = $1', [e.seq, changed.actor, JSON.stringify(changed.data), prev, hash, mac ?? null]);
    prev = hash;
  }
  await s.raw.query('UPDATE audit_head SET hash = $1 WHERE id = 1', [prev]);
}

test('an untouched log verifies, online and offline, up to its signed checkpoint', async () => {
  const s = await auditedStore();
  try {
    const cp = (await s.checkpointer.checkpoint()) as AuditCheckpoint;
    assert.equal(cp.seq, 5);
    assert.deepEqual(await s.verify(), { ok: true, count: 5, headHash: cp.hash, lastSeq: 5 });
    assert.match((await s.verifyOffline()).join('\n'), /^ok: 5 entries, last seq 5[\s\S]*signature valid[\s\S]*MACs checked/);
    assert.deepEqual(s.problems, []);
  } finally {
    await s.close();
  }
});

test('deleting the newest entries is reported as truncation', async () => {
  const s = await auditedStore();
  try {
    await s.checkpointer.checkpoint();
    await s.raw.query('DELETE FROM audit_log WHERE seq > 3');
    await s.raw.query("UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE id = 1");
    assertProblem(await s.verify(), 'truncated');
    await assert.rejects(s.verifyOffline(), /truncated at the end: the log ends at seq 3 but the checkpoint of .* has seq 5: 2 entries cut off the end/);
  } finally {
    await s.close();
  }
});

test('deleting every entry is reported as truncation', async () => {
  const s = await auditedStore();
  try {
    await s.checkpointer.checkpoint();
    await s.raw.query('DELETE FROM audit_log');
    const v = await s.verify();
    assertProblem(v, 'truncated');
    assert.ok(!v.ok && v.message.includes('5 entries cut off'));
  } finally {
    await s.close();
  }
});

test('after the tail is deleted the next entry does not reuse its sequence numbers: the gap shows', async () => {
  const s = await auditedStore();
  try {
    await s.raw.query('DELETE FROM audit_log WHERE seq > 3');
    await updateOrg(s.driver, { actor: 'ops' }, s.org.id, { labels: ['after'] });
    assert.deepEqual((await s.all()).map((e) => e.seq), [1, 2, 3, 6]);
    assertProblem(await s.verify(), 'deleted', 6);
  } finally {
    await s.close();
  }
});

test('deleting an entry in the middle is reported at its successor', async () => {
  const s = await auditedStore();
  try {
    await s.raw.query('DELETE FROM audit_log WHERE seq = 2');
    assertProblem(await s.verify(), 'deleted', 3);
  } finally {
    await s.close();
  }
});

test('reordering entries (swapping their sequence numbers) is reported', async () => {
  const s = await auditedStore();
  try {
    await s.raw.query('UPDATE audit_log SET seq = -2 WHERE seq = 2');
    await s.raw.query('UPDATE audit_log SET seq = 2 WHERE seq = 3');
    await s.raw.query('UPDATE audit_log SET seq = 3 WHERE seq = -2');
    const v = await s.verify();
    assert.equal(v.ok, false);
    assert.ok(!v.ok && ['reordered', 'edited'].includes(v.problem), JSON.stringify(v));
    assert.ok(!v.ok && v.seq === 2);
  } finally {
    await s.close();
  }
});

test('rewriting history with a recomputed hash chain is caught by the MACs (the key is not in the database)', async () => {
  const s = await auditedStore();
  try {
    await rewriteFrom(s, 2, (e) => ({ ...e, actor: 'someone-else', data: { ...e.data, labels: ['forged'] } }));
    // The unkeyed chain is consistent again: without the key nothing looks wrong.
    assert.equal(verifyAuditChain(await s.all()).ok, true);
    const v = await s.verify();
    assertProblem(v, 'edited', 2);
    assert.ok(!v.ok && /MAC that does not match/.test(v.message));
  } finally {
    await s.close();
  }
});

test('rewriting history and stripping the MACs is caught', async () => {
  const s = await auditedStore();
  try {
    await rewriteFrom(s, 4, (e) => ({ ...e, data: {} }), { mac: () => undefined });
    const v = await s.verify();
    assertProblem(v, 'edited', 4);
    assert.ok(!v.ok && /has no MAC/.test(v.message));
  } finally {
    await s.close();
  }
});

test('even with the MAC key, a rewritten history differs from the signed checkpoint', async () => {
  const s = await auditedStore();
  try {
    await s.checkpointer.checkpoint();
    const { macAuditHash } = await import('../../src/audit/audit-chain.js');
    await rewriteFrom(s, 3, (e) => ({ ...e, actor: 'insider' }), { mac: (e) => macAuditHash(KEY, e.hash) });
    const v = await s.verify();
    assertProblem(v, 'edited', 5);
    assert.ok(!v.ok && /differs from the checkpoint/.test(v.message));
  } finally {
    await s.close();
  }
});

test('a checkpoint edited to match a truncated log fails its signature', async () => {
  const s = await auditedStore();
  try {
    await s.checkpointer.checkpoint();
    const head3 = (await s.all())[2] as AuditEntry;
    const forged = { ...(latestCheckpoint(s.file) as AuditCheckpoint), seq: 3, hash: head3.hash };
    writeFileSync(s.file, JSON.stringify(forged) + '\n');
    await assert.rejects(s.verifyOffline(), /audit checkpoint invalid: checkpoint seq 3 has a signature that does not verify/);
  } finally {
    await s.close();
  }
});

test('--expect-head catches truncation and rewriting without any checkpoint', async () => {
  const s = await auditedStore();
  try {
    const head = await auditHead(s.raw);
    assert.match((await s.verifyOffline({ expectHead: `${head.seq}:${head.hash}` })).join('\n'), /^ok: 5 entries/);
    await s.raw.query('DELETE FROM audit_log WHERE seq = 5');
    await assert.rejects(s.verifyOffline({ expectHead: `${head.seq}:${head.hash}` }), /truncated/);
    await assert.rejects(s.verifyOffline({ expectHead: `4:${'ab'.repeat(32)}` }), /edited at line 4 \(seq 4\): entry seq 4 differs from the --expect-head/);
  } finally {
    await s.close();
  }
});

test('the checkpointer refuses to sign a head that does not extend the last checkpoint, and says so', async () => {
  const s = await auditedStore();
  try {
    await s.checkpointer.checkpoint();
    const before = readFileSync(s.file, 'utf8');
    await rewriteFrom(s, 2, (e) => ({ ...e, actor: 'someone-else' }));
    await updateOrg(s.driver, { actor: 'ops' }, s.org.id, { labels: ['next'] });
    assert.equal(await s.checkpointer.checkpoint(), undefined);
    assert.equal(readFileSync(s.file, 'utf8'), before, 'no checkpoint written over a tampered log');
    assert.equal(s.problems.length, 1);
    assert.match(s.problems[0] as string, /does not extend the last checkpoint \(seq 5\)/);
  } finally {
    await s.close();
  }
});

test('each checkpoint also goes to the external sink; a failing sink is reported and the file still written', async () => {
  const s = await auditedStore(2);
  const sent: AuditCheckpoint[] = [];
  let fail = false;
  const { privateKey } = generateKeyPairSync('ed25519');
  const problems: string[] = [];
  const cp = new AuditCheckpointer({
    store: s.raw, key: KEY, signingKey: privateKey, file: s.file, now: () => 0, onProblem: (m) => void problems.push(m),
    publish: async (c) => {
      if (fail) throw new Error('sink down');
      sent.push(c);
    },
  });
  try {
    const first = await cp.checkpoint();
    assert.deepEqual(sent, [first]);
    await updateOrg(s.driver, { actor: 'ops' }, s.org.id, { labels: ['x'] });
    fail = true;
    const second = (await cp.checkpoint()) as AuditCheckpoint;
    assert.equal(latestCheckpoint(s.file)?.seq, second.seq);
    assert.deepEqual(problems, ['publishing an audit checkpoint failed']);
  } finally {
    await s.close();
  }
});
