// Key rotation end to end: a new secret is issued, the old one keeps working until the grace period ends on
// the gateway's (injected) clock and is then refused, both secrets' changes are audited, and keys show when
// they were last used (written with the usage flush, not per request).
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import { caught } from '../support/caught.js';
import { OffsetClock, startTestMoat, type TestMoat } from '../support/start-test-moat.js';

const HOUR = 3_600_000;
let t: TestMoat;
const clock = new OffsetClock();

before(async () => {
  t = await startTestMoat({ clock, name: 'rotate', config: { 'metering.flushMs': 50 } });
  await t.admin('POST', '/admin/orgs', { name: 'rotor' });
});
after(() => t.close());
// The store stamps the grace end with real time; each test starts with the gateway clock on it.
beforeEach(() => {
  clock.offset = 0;
});

const chat = (c: OpenAI) => c.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });

async function newKey(name: string): Promise<{ id: string; prefix: string; secret: string }> {
  const r = await t.admin('POST', '/admin/orgs/rotor/keys', { name });
  return { id: r.json.key.id, prefix: r.json.key.prefix, secret: r.json.secret };
}

test('rotate issues a new secret; the old one works until the grace ends on the gateway clock, then is refused', async () => {
  const k = await newKey('ci');
  const old = t.openai(k.secret).client;
  await chat(old);

  const r = await t.admin('POST', `/admin/keys/${k.id}/rotate`, { grace: '2h' });
  assert.equal(r.json.key.id, k.id, 'same key, new secret');
  assert.notEqual(r.json.secret, k.secret);
  assert.notEqual(r.json.key.prefix, k.prefix);
  assert.deepEqual(r.json.key.previous, { prefix: k.prefix, validUntil: r.json.previousValidUntil });
  assert.ok(Math.abs(Date.parse(r.json.previousValidUntil) - (Date.now() + 2 * HOUR)) < 60_000);
  assert.ok(!JSON.stringify(r.json.key).includes(k.secret));
  const fresh = t.openai(r.json.secret).client;

  await chat(fresh);
  await chat(old);
  clock.advance(HOUR);
  await chat(old);

  clock.advance(HOUR + 1000);
  const e = await caught<InstanceType<typeof OpenAI.AuthenticationError>>(() => chat(old));
  assert.equal(e.status, 401);
  assert.equal(e.code, 'key_expired');
  assert.match(e.message, /was rotated; its previous secret stopped working at/);
  await chat(fresh);

  const audit = (await t.admin('GET', `/admin/audit?target=${k.id}`)).json.entries as Array<{ action: string; data: Record<string, unknown> }>;
  const rotate = audit.find((a) => a.action === 'key.rotate');
  assert.ok(rotate);
  assert.equal(rotate.data.prefix, r.json.key.prefix);
  assert.equal(rotate.data.previousPrefix, k.prefix);
  assert.equal(rotate.data.previousValidUntil, r.json.previousValidUntil);
  assert.ok(!JSON.stringify(audit).includes(r.json.secret));
});

test('grace "0" stops the old secret at once; ending a rotation early stops it and is audited', async () => {
  const k = await newKey('now');
  const r = await t.admin('POST', `/admin/keys/${k.id}/rotate`, { grace: '0' });
  assert.equal(r.json.key.previous, undefined);
  assert.equal((await caught<InstanceType<typeof OpenAI.AuthenticationError>>(() => chat(t.openai(k.secret).client))).code, 'invalid_api_key');

  const k2 = await newKey('early');
  const r2 = await t.admin('POST', `/admin/keys/${k2.id}/rotate`);
  assert.ok(Math.abs(Date.parse(r2.json.previousValidUntil) - (Date.now() + 24 * HOUR)) < 60_000, 'default grace is 24h');
  await chat(t.openai(k2.secret).client);
  const ended = await t.admin('POST', `/admin/keys/${k2.id}/rotation/end`);
  assert.equal(ended.json.previous, undefined);
  assert.equal((await caught<InstanceType<typeof OpenAI.AuthenticationError>>(() => chat(t.openai(k2.secret).client))).code, 'invalid_api_key');
  await chat(t.openai(r2.json.secret).client);
  const audit = (await t.admin('GET', `/admin/audit?target=${k2.id}&action=key.rotation.end`)).json.entries as Array<{ data: Record<string, unknown> }>;
  assert.equal(audit[0]?.data.previousPrefix, k2.prefix);

  const again = await t.admin('POST', `/admin/keys/${k2.id}/rotation/end`, undefined, { allowError: true });
  assert.equal(again.status, 409);
  const bad = await t.admin('POST', `/admin/keys/${k2.id}/rotate`, { grace: 'forever' }, { allowError: true });
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.json), /grace is a duration/);
  const long = await t.admin('POST', `/admin/keys/${k2.id}/rotate`, { grace: '60d' }, { allowError: true });
  assert.equal(long.status, 400);
});

test('rotating again during a grace period stops the earlier previous secret at once', async () => {
  const k = await newKey('twice');
  const r1 = await t.admin('POST', `/admin/keys/${k.id}/rotate`, { grace: '1h' });
  const r2 = await t.admin('POST', `/admin/keys/${k.id}/rotate`, { grace: '1h' });
  assert.equal(r2.json.key.previous.prefix, r1.json.key.prefix);
  assert.equal((await caught<InstanceType<typeof OpenAI.AuthenticationError>>(() => chat(t.openai(k.secret).client))).code, 'invalid_api_key');
  await chat(t.openai(r1.json.secret).client);
  await chat(t.openai(r2.json.secret).client);
});

test('keys show when they were last used, recorded by the usage flush', async () => {
  const k = await newKey('used');
  const idle = await newKey('idle');
  await chat(t.openai(k.secret).client);
  let listed: Array<{ id: string; lastUsedAt?: string }> = [];
  for (let i = 0; i < 100; i++) {
    listed = (await t.admin('GET', '/admin/orgs/rotor/keys')).json.keys;
    if (listed.find((x) => x.id === k.id)?.lastUsedAt) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  const used = listed.find((x) => x.id === k.id);
  assert.ok(used?.lastUsedAt, 'lastUsedAt appears after the flush');
  assert.ok(Math.abs(Date.parse(used.lastUsedAt) - clock.now()) < 2 * 60_000, 'minute precision, on the gateway clock');
  assert.equal(listed.find((x) => x.id === idle.id)?.lastUsedAt, undefined);
  assert.equal((await t.admin('GET', `/admin/keys/${k.id}`)).json.lastUsedAt, used.lastUsedAt);
});
