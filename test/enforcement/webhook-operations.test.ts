// Webhook operations against a real gateway and a real local receiver: the webhooks and their counts, the
// delivery log, a dead letter inspected and redelivered (API and CLI, audited), and a customer fetching and
// rolling its signing secret with its own API key — during the roll both secrets verify a delivery.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SqlWebhookQueue } from '../../src/enforcement/webhook-queue.js';
import { verifyWebhook } from '../../src/enforcement/webhook-signature.js';
import { adminCall } from '../support/admin-call.js';
import { runMoatCli } from '../support/cli-output.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

let t: TestMoat;
let receiver: Server;
let receiverUrl = '';
let accept = false;
const received: Array<{ body: string; headers: Record<string, string | string[] | undefined> }> = [];
let orgId = '';
let apiKey = '';

before(async () => {
  receiver = createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    if (accept) received.push({ body, headers: req.headers });
    res.writeHead(accept ? 204 : 503).end();
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
  t = await startTestMoat({
    name: 'webhook-ops',
    config: { 'enforcement.webhookAllowNetworks': ['127.0.0.0/8'], 'enforcement.maxAttempts': 1, 'enforcement.deliveryIntervalMs': 20, 'enforcement.opsWebhookUrl': receiverUrl },
  });
  const org = await t.admin('POST', '/admin/orgs', { name: 'hooked', contactWebhook: 'https://hooks.example.com/moat' });
  orgId = org.json.id;
  apiKey = (await t.admin('POST', `/admin/orgs/${orgId}/keys`, { name: 'k' })).json.secret;
});
after(async () => {
  await t.close();
  receiver.close();
});

async function until<T>(what: string, f: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await f();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A notice to the org's webhook, queued as enforcement queues one, pointed at the local receiver. */
const notice = (n: number) => new SqlWebhookQueue(t.moat.driver).enqueue({ target: `customer:${orgId}`, url: receiverUrl, event: 'moat.enforcement.notice', body: JSON.stringify({ n }) }, new Date());
const self = (method: string, path: string, body?: unknown, key = apiKey) => adminCall(t.url, key, method, path, body);

test('a failed delivery is a dead letter in the log; inspected and redelivered it arrives signed; each redelivery is audited', async () => {
  const queued = await notice(1);
  const dead = await until('the dead letter', async () => {
    const log = (await t.admin('GET', `/admin/webhooks/deliveries?target=customer:${orgId}&status=dead`)).json.deliveries as Array<{ id: string; lastError?: string; attempts: number }>;
    return log.find((d) => d.id === queued.id);
  });
  assert.equal(dead.lastError, 'HTTP 503');
  assert.equal(dead.attempts, 1);

  const hooks = (await t.admin('GET', '/admin/webhooks')).json.webhooks as Array<{ target: string; url?: string; counts: { dead: number } }>;
  const mine = hooks.find((h) => h.target === `customer:${orgId}`);
  assert.equal(mine?.url, 'https://hooks.example.com/moat');
  assert.equal(mine?.counts.dead, 1);
  assert.equal(hooks.find((h) => h.target === 'ops')?.url, receiverUrl);

  const full = (await t.admin('GET', `/admin/webhooks/deliveries/${queued.id}`)).json;
  assert.equal(full.body, '{"n":1}');
  assert.equal(full.status, 'dead');
  accept = true;
  const redelivered = (await t.admin('POST', `/admin/webhooks/deliveries/${queued.id}/redeliver`)).json;
  assert.ok(['pending', 'delivered'].includes(redelivered.status));
  assert.equal(redelivered.attempts === 0 || redelivered.status === 'delivered', true);

  const got = await until('the redelivery', async () => received.find((r) => r.body === '{"n":1}'));
  assert.equal(got.headers['webhook-id'], queued.id, 'same id: receivers deduplicate');
  const { secret } = (await self('GET', '/admin/self/webhook-secret')).json as { secret: string };
  assert.equal(verifyWebhook({ secret, body: got.body, headers: got.headers }).ok, true);
  const delivered = (await t.admin('GET', `/admin/webhooks/deliveries/${queued.id}`)).json;
  assert.equal(delivered.status, 'delivered');
  const again = await t.admin('POST', `/admin/webhooks/deliveries/${queued.id}/redeliver`, undefined, { allowError: true });
  assert.equal(again.status, 409);

  const audit = (await t.admin('GET', `/admin/audit?action=webhook.redeliver&target=${queued.id}`)).json.entries as Array<{ actor: string; data: { ids: string[] } }>;
  assert.deepEqual(audit.map((a) => a.data.ids), [[queued.id]]);
  const metrics = await (await fetch(`${t.url}/metrics`)).text();
  assert.match(metrics, /moat_webhook_deliveries_total\{target="customer",result="dead"\} 1/);
  assert.match(metrics, /moat_webhook_deliveries_total\{target="customer",result="delivered"\} 1/);
});

test('the CLI lists webhooks, shows the log and a delivery, and redelivers one webhook\'s dead letters', async () => {
  accept = false;
  const a = await notice(2);
  const b = await notice(3);
  await until('two dead letters', async () => {
    const log = (await t.admin('GET', `/admin/webhooks/deliveries?target=customer:${orgId}&status=dead`)).json.deliveries as unknown[];
    return log.length >= 2 ? log : undefined;
  });
  const conn = ['--url', t.url, '--token', t.adminToken];
  assert.match(await runMoatCli(['webhooks', 'list', ...conn]), new RegExp(`customer:${orgId}\\s+https://hooks.example.com/moat\\s+0\\s+1\\s+2`));
  assert.match(await runMoatCli(['webhooks', 'deliveries', orgId, '--status', 'dead', ...conn]), new RegExp(`${b.id}\\s+customer:${orgId}\\s+moat.enforcement.notice\\s+dead\\s+1\\s+\\S+\\s+HTTP 503`));
  assert.match(await runMoatCli(['webhooks', 'show', a.id, ...conn]), /body: \{"n":2\}/);
  accept = true;
  const out = await runMoatCli(['webhooks', 'redeliver', '--webhook', orgId, ...conn]);
  assert.match(out, /redelivering 2 dead letters/);
  await until('both redelivered', async () => (received.some((r) => r.body === '{"n":2}') && received.some((r) => r.body === '{"n":3}') ? true : undefined));
  assert.match(await runMoatCli(['webhooks', 'redeliver', '--all', ...conn]), /redelivering 0 dead letters/);
});

test('a customer fetches and rolls its own signing secret with its API key; during the grace both secrets verify', async () => {
  accept = true;
  const before = (await self('GET', '/admin/self/webhook-secret')).json as { secret: string; generation: number };
  assert.equal(before.generation, 0);
  assert.equal(before.secret, (await t.admin('GET', `/admin/orgs/${orgId}/webhook-secret`)).json.secret, 'what the admin hands over is the same');
  assert.notEqual(before.secret, (await t.admin('GET', '/admin/webhooks/secret')).json.secret);

  const rolled = (await self('POST', '/admin/self/webhook-secret/roll', { grace: '1h' })).json as { secret: string; generation: number; previous: { secret: string; validUntil: string } };
  assert.equal(rolled.generation, 1);
  assert.notEqual(rolled.secret, before.secret);
  assert.equal(rolled.previous.secret, before.secret);
  await notice(4);
  const got = await until('a delivery after the roll', async () => received.find((r) => r.body === '{"n":4}'));
  assert.equal(String(got.headers['webhook-signature']).split(' ').length, 2);
  assert.equal(verifyWebhook({ secret: rolled.secret, body: got.body, headers: got.headers }).ok, true);
  assert.equal(verifyWebhook({ secret: before.secret, body: got.body, headers: got.headers }).ok, true, 'the receiver on the old secret still verifies');

  // An admin rolls with grace 0: the older secrets stop signing at once.
  const now = (await runMoatCli(['webhooks', 'secret', orgId, '--roll', '--grace', '0', '--json', '--url', t.url, '--token', t.adminToken])) as string;
  const third = JSON.parse(now) as { secret: string; generation: number; previous?: unknown };
  assert.equal(third.generation, 2);
  assert.equal(third.previous, undefined);
  await notice(5);
  const last = await until('a delivery after the second roll', async () => received.find((r) => r.body === '{"n":5}'));
  assert.equal(verifyWebhook({ secret: third.secret, body: last.body, headers: last.headers }).ok, true);
  assert.equal(verifyWebhook({ secret: rolled.secret, body: last.body, headers: last.headers }).ok, false);

  const audit = (await t.admin('GET', `/admin/audit?action=webhook.secret.roll&target=customer:${orgId}`)).json.entries as Array<{ actor: string; data: Record<string, unknown> }>;
  assert.deepEqual(audit.map((a) => [a.actor.startsWith('api-key:'), a.data.generation]), [[true, 1], [false, 2]]);
  assert.ok(!JSON.stringify(audit).includes('whsec_'), 'no secret in the audit log');

  // Without a valid key of the org: refused in the caller's terms.
  assert.equal((await self('GET', '/admin/self/webhook-secret', undefined, 'moat_live_nope')).status, 401);
  assert.equal((await adminCall(t.url, t.adminToken, 'GET', '/admin/self/webhook-secret')).status, 401, 'an admin token is not an API key');
});
