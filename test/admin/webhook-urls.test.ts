// Contact webhooks through the admin API: only http(s) to addresses webhooks may reach, and the credentials a
// webhook URL carries are for admins' eyes only (viewers and analysts, and so the console, see scheme and host;
// the audit log, readable by every viewer, stores no more).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAdminHarness, type AdminHarness } from './admin-harness.js';

let h: AdminHarness;
let viewer: string;
let analyst: string;
const SECRET_URL = 'https://hookuser:hookpass@hooks.example.com/services/T000/B000/XXXXsecret?token=abc123';

before(async () => {
  h = await startAdminHarness();
  viewer = (await h.call('POST', '/admin/tokens', { name: 'v', role: 'viewer' })).json.secret;
  analyst = (await h.call('POST', '/admin/tokens', { name: 'a', role: 'analyst' })).json.secret;
});
after(() => h.close());

test('webhook URLs that are not http(s), or name an internal address, are refused with 400 naming the field', async () => {
  const bad = ['file:///etc/passwd', 'gopher://127.0.0.1:6379/_FLUSHALL', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]:8080/', 'http://0x7f000001/', 'http://10.0.0.7/hook'];
  for (const url of bad) {
    const r = await h.call('POST', '/admin/orgs', { name: `org-${bad.indexOf(url)}`, contactWebhook: url });
    assert.equal(r.status, 400, `${url}: ${r.text}`);
    assert.match(r.json.error.message, /contactWebhook/);
  }
  const created = await h.call('POST', '/admin/orgs', { name: 'fine', contactWebhook: 'https://hooks.example.com/x' });
  assert.equal(created.status, 201);
  const patched = await h.call('PATCH', '/admin/orgs/fine', { contactWebhook: 'http://192.168.0.10/' });
  assert.equal(patched.status, 400);
});

test('viewers and analysts see webhook URLs without credentials; admins see them whole', async () => {
  const org = (await h.call('POST', '/admin/orgs', { name: 'with-secret-hook', contactWebhook: SECRET_URL })).json;
  assert.equal(org.contactWebhook, SECRET_URL);
  for (const token of [viewer, analyst]) {
    const one = await h.call('GET', `/admin/orgs/${org.id}`, undefined, token);
    assert.equal(one.json.contactWebhook, 'https://hooks.example.com/***');
    const list = await h.call('GET', '/admin/orgs', undefined, token);
    const policy = await h.call('GET', '/admin/policy', undefined, token);
    const state = await h.call('GET', '/admin/policy/state', undefined, token);
    for (const r of [one, list, policy, state]) {
      assert.equal(r.status, 200);
      for (const secret of ['hookpass', 'XXXXsecret', 'abc123']) assert.ok(!r.text.includes(secret), `${secret} shown to a non-admin`);
    }
  }
  assert.equal((await h.call('GET', `/admin/orgs/${org.id}`)).json.contactWebhook, SECRET_URL);
});

test('the audit log never holds a webhook URL credential', async () => {
  await h.call('PATCH', '/admin/orgs/with-secret-hook', { contactWebhook: SECRET_URL.replace('abc123', 'def456') });
  const audit = await h.call('GET', '/admin/audit?limit=1000', undefined, viewer);
  assert.equal(audit.status, 200);
  for (const secret of ['hookpass', 'XXXXsecret', 'abc123', 'def456']) assert.ok(!audit.text.includes(secret), `${secret} in the audit log`);
  assert.match(audit.text, /https:\/\/hooks\.example\.com\/\*\*\*/);
  assert.equal((await h.call('GET', '/admin/audit/verify')).json.ok, true);
});
