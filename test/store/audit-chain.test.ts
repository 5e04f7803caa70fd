import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditEntriesToJsonl, GENESIS_HASH, parseAuditJsonl, sealAuditEntry, verifyAuditChain, type AuditEntry } from '../../src/audit/audit-chain.js';
import { canonicalJson } from '../../src/json/canonical-json.js';

function chain(n: number): AuditEntry[] {
  const out: AuditEntry[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const e = sealAuditEntry(prev, { seq: i, ts: new Date(Date.UTC(2030, 0, 1, 0, 0, i)).toISOString(), actor: 'ops', action: 'org.update', target: `org_${i}`, data: { n: i, labels: ['a'] } });
    out.push(e);
    prev = e.hash;
  }
  return out;
}

test('an untouched chain verifies and reports its head', () => {
  const c = chain(5);
  assert.deepEqual(verifyAuditChain(c), { ok: true, count: 5, headHash: c[4]?.hash, lastSeq: 5 });
  assert.deepEqual(verifyAuditChain(parseAuditJsonl(auditEntriesToJsonl(c))), verifyAuditChain(c));
});

test('an edited entry is reported (content changed, hash kept)', () => {
  const c = chain(5);
  c[2] = { ...(c[2] as AuditEntry), data: { n: 3, labels: ['b'] } };
  const v = verifyAuditChain(c);
  assert.equal(v.ok, false);
  assert.ok(!v.ok && v.seq === 3 && v.problem === 'edited' && v.index === 2);
});

test('an edited and re-hashed entry breaks the next link', () => {
  const c = chain(5);
  const e = c[1] as AuditEntry;
  c[1] = sealAuditEntry(e.prevHash, { ...e, actor: 'mallory' });
  const v = verifyAuditChain(c);
  assert.ok(!v.ok && v.seq === 3 && v.problem === 'edited');
});

test('a deleted entry is reported at its successor', () => {
  for (const drop of [0, 2, 3]) {
    const c = chain(5);
    c.splice(drop, 1);
    const v = verifyAuditChain(c);
    assert.ok(!v.ok && v.problem === 'deleted' && v.seq === drop + 2, `drop index ${drop}: ${JSON.stringify(v)}`);
  }
});

test('reordered entries are reported', () => {
  const c = chain(5);
  [c[1], c[2]] = [c[2] as AuditEntry, c[1] as AuditEntry];
  const v = verifyAuditChain(c);
  assert.ok(!v.ok && v.problem === 'reordered' && v.index === 1 && v.seq === 3, JSON.stringify(v));
  // Moving the first entry to the end is caught too.
  const d = chain(4);
  d.push(d.shift() as AuditEntry);
  const w = verifyAuditChain(d);
  assert.ok(!w.ok && w.problem === 'reordered' && w.index === 0);
});

test('canonical JSON ignores key order and undefined fields', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined, w: null }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"w":null,"y":2}]},"b":1}');
});

test('parseAuditJsonl names the bad line', () => {
  const text = auditEntriesToJsonl(chain(2)) + '{"seq":"x"}\n';
  assert.throws(() => parseAuditJsonl(text), /line 3: not an audit entry/);
  assert.throws(() => parseAuditJsonl('{'), /line 1: not JSON/);
});
