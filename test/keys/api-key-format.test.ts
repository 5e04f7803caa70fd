import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { checkApiKey, generateApiKey, hashSecret, keyPrefix } from '../../src/keys/api-key-format.js';

test('generated keys have the documented shape and pass their checksum', () => {
  const k = generateApiKey('live');
  assert.match(k.secret, /^moat_live_[0-9A-Za-z]{36}$/);
  assert.deepEqual(checkApiKey(k.secret), { ok: true, env: 'live' });
  assert.equal(k.prefix, keyPrefix(k.secret));
  assert.ok(k.secret.startsWith(k.prefix));
  assert.equal(k.hash, hashSecret(k.secret));
  assert.notEqual(k.hash, k.secret);
});

test('any single-character typo in the random part is rejected by the checksum', () => {
  const k = generateApiKey('test');
  const base = 'moat_test_'.length;
  fc.assert(
    fc.property(fc.integer({ min: base, max: k.secret.length - 1 }), fc.constantFrom(...'0123456789abcXYZ'), (i, ch) => {
      fc.pre(k.secret[i] !== ch);
      const typo = k.secret.slice(0, i) + ch + k.secret.slice(i + 1);
      assert.deepEqual(checkApiKey(typo), { ok: false, reason: 'checksum' });
    }),
  );
});

test('malformed keys are rejected as format errors', () => {
  for (const bad of ['', 'sk-abc', 'moat_live_short', 'moat_LIVE_' + 'a'.repeat(36), 'moat_live_' + 'a'.repeat(37)]) {
    assert.deepEqual(checkApiKey(bad), { ok: false, reason: 'format' });
  }
  assert.throws(() => generateApiKey('Bad-Env'));
});
