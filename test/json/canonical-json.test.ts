// canonicalJson is RFC 8785 (JCS), and audit chains hashed before it was adopted still verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { canonicalJson, sameValue } from '../../src/json/canonical-json.js';
import { verifyAuditChain, type AuditEntry } from '../../src/audit/audit-chain.js';

test('members are sorted by UTF-16 code units (RFC 8785 section 3.2.3 example)', () => {
  const input = { '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', '1': 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' };
  const keys = [...canonicalJson(input).matchAll(/"((?:[^"\\]|\\.)*)":/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
  assert.deepEqual(keys, ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33']);
});

test('numbers are written the ECMAScript way (RFC 8785 appendix B samples)', () => {
  const cases: Array<[number, string]> = [
    [333333333.33333329, '333333333.3333333'],
    [1e30, '1e+30'],
    [4.5, '4.5'],
    [0.002, '0.002'],
    [0.000000000000000000000000001, '1e-27'],
    [-0, '0'],
    [9007199254740992, '9007199254740992'],
    [295147905179352830000, '295147905179352830000'],
  ];
  for (const [n, text] of cases) assert.equal(canonicalJson(n), text, String(n));
});

test('no whitespace, nested sorting, string escapes as JSON.stringify, and what JSON cannot hold dropped or nulled', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: undefined, w: null }], c: 'x' } }), '{"a":{"c":"x","d":[1,{"w":null,"y":2}]},"b":1}');
  assert.equal(canonicalJson({ s: '\u2028"\\\n\u0001é' }), '{"s":"\u2028\\"\\\\\\n\\u0001é"}');
  assert.equal(canonicalJson([undefined, NaN, Infinity, () => 1]), '[null,null,null,null]');
  assert.equal(canonicalJson({ f: () => 1, u: undefined }), '{}');
  assert.equal(canonicalJson({ at: new Date('2026-01-01T00:00:00Z') }), '{"at":"2026-01-01T00:00:00.000Z"}');
  assert.ok(sameValue({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 }));
  assert.ok(!sameValue([1, 2], [2, 1]));
});

test('an audit chain hashed with the canonical form used before RFC 8785 still verifies', () => {
  // Written by the previous implementation (sorted keys, JSON.stringify scalars) and never regenerated: it
  // includes non-ASCII keys and strings, line separators, large and small numbers and nested objects.
  const entries = JSON.parse(readFileSync(new URL('../fixtures/audit-chain-before-jcs.json', import.meta.url), 'utf8')) as AuditEntry[];
  const v = verifyAuditChain(entries);
  assert.equal(v.ok, true, JSON.stringify(v));
  const edited = entries.map((e, i) => (i === 1 ? { ...e, data: { ...e.data, reason: 'other' } } : e));
  assert.equal(verifyAuditChain(edited).ok, false);
});
