import { test } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from '../../src/enforcement/redact-secrets.js';

test('credentials in prompts are redacted; ordinary text is kept', () => {
  const secrets = [
    'moat_live_Ab3dEf5hIj7kLm9n', 'sk-proj-abcdefghijklmnopqrstuv', 'sk-ant-api03-abcdefghijklmnopqrstuvwx', 'AKIAABCDEFGHIJKLMNOP',
    'ghp_abcdefghijklmnopqrstuvwxyz0123', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  ];
  for (const s of secrets) assert.ok(!redactSecrets(`use ${s} please`).includes(s), s);
  assert.equal(redactSecrets('Authorization: Bearer abcdef123456789'), 'Authorization: Bearer [redacted]');
  assert.equal(redactSecrets('api_key="hunter2hunter2"'), 'api_key="[redacted]"');
  const plain = 'Write a function that returns the nth Fibonacci number. Use a token bucket.';
  assert.equal(redactSecrets(plain), plain);
});
