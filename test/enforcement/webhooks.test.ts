import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryWebhookQueue } from '../../src/enforcement/webhook-queue.js';
import { backoffDelay, WebhookNotifier } from '../../src/enforcement/webhook-notifier.js';
import { customerWebhookSecret, standardSecret, verifyWebhook, webhookHeaders } from '../../src/enforcement/webhook-signature.js';
import { WebhookAddressPolicy } from '../../src/enforcement/webhook-address.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
/** Test receivers listen on loopback, which webhooks may only reach when allowed. */
const LOOPBACK = new WebhookAddressPolicy(['127.0.0.0/8']);

describe('webhook signatures (Standard Webhooks)', () => {
  const body = '{"type":"moat.enforcement.notice","caseId":"case_1"}';
  const now = Date.parse('2026-08-01T10:00:00Z');
  test("the scheme's published example: same signature as the reference libraries", () => {
    // standard-webhooks/libraries/javascript: sign(msg_p5jXN8AQM9LWM0D4loKWxJek, 1614265330, '{"test": 2432232314}').
    const h = webhookHeaders(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', '{"test": 2432232314}', 1614265330 * 1000);
    assert.deepEqual(h, { 'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek', 'webhook-timestamp': '1614265330', 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=' });
  });
  test('a signature verifies against the exact body and id within 5 minutes', () => {
    const headers = webhookHeaders(SECRET, 'whk_1', body, now);
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers, nowMs: now + 299_000 }), { ok: true, id: 'whk_1', timestamp: now / 1000 });
  });
  test('tampered body, a new delivery id, wrong secret, old or future timestamps and malformed headers are refused', () => {
    const headers = webhookHeaders(SECRET, 'whk_1', body, now);
    assert.equal(verifyWebhook({ secret: SECRET, body: body.replace('case_1', 'case_2'), headers, nowMs: now }).ok, false);
    // A captured notice replayed under a fresh id (to pass the receiver's dedupe) no longer verifies.
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-id': 'whk_2' }, nowMs: now }), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifyWebhook({ secret: standardSecret('another-secret-of-the-provider'), body, headers, nowMs: now }), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers, nowMs: now + 301_000 }), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers, nowMs: now - 301_000 }), { ok: false, reason: 'future' });
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-signature': 'v2,abc' }, nowMs: now }), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers: { 'webhook-id': 'whk_1' }, nowMs: now }), { ok: false, reason: 'missing' });
    // A replayed capture with its timestamp swapped for a fresh one no longer matches.
    assert.deepEqual(verifyWebhook({ secret: SECRET, body, headers: { ...headers, 'webhook-timestamp': String(now / 1000 + 600) }, nowMs: now + 600_000 }), { ok: false, reason: 'mismatch' });
  });
  test('customer secrets differ per org and from the provider secret, in the whsec_ form libraries take', () => {
    assert.notEqual(customerWebhookSecret(SECRET, 'org_a'), customerWebhookSecret(SECRET, 'org_b'));
    assert.notEqual(customerWebhookSecret(SECRET, 'org_a'), SECRET);
    assert.match(customerWebhookSecret(SECRET, 'org_a'), /^whsec_[A-Za-z0-9+/]{43}=$/);
    // A configured secret in another form signs with its bytes; standardSecret shows it as libraries take it.
    const headers = webhookHeaders('plain-provider-secret', 'whk_9', body, now);
    assert.equal(verifyWebhook({ secret: standardSecret('plain-provider-secret'), body, headers, nowMs: now }).ok, true);
  });
  test('backoff doubles, is capped, and jitters within [half, full]', () => {
    assert.equal(backoffDelay(1, 1000, 60_000, () => 0), 500);
    assert.equal(backoffDelay(1, 1000, 60_000, () => 0.999999), 1000);
    assert.equal(backoffDelay(4, 1000, 60_000, () => 0), 4000);
    assert.equal(backoffDelay(20, 1000, 60_000, () => 0.5), 45_000);
  });
});

describe('delivery to a real local receiver', () => {
  let server: Server;
  let url: string;
  let failuresLeft = 0;
  const received: Array<{ body: string; headers: Record<string, string>; at: number }> = [];
  let clockMs = Date.parse('2026-08-01T10:00:00Z');
  const clock = { now: () => clockMs };
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        if (failuresLeft > 0) {
          failuresLeft--;
          res.writeHead(500).end('down');
          return;
        }
        received.push({ body, headers: req.headers as Record<string, string>, at: clockMs });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('retries with backoff until delivered; the receiver verifies every delivery', async () => {
    received.length = 0;
    failuresLeft = 2;
    const queue = new MemoryWebhookQueue();
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0, baseDelayMs: 1000, addresses: LOOPBACK });
    await n.enqueue({ target: 'ops', url, event: 'action.executed', body: '{"n":1}' });
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 1, dead: 0 });
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 0, dead: 0 }, 'not due before its backoff');
    clockMs += 500;
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 1, dead: 0 });
    clockMs += 999;
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 0, dead: 0 });
    clockMs += 1;
    assert.deepEqual(await n.deliverDue(), { delivered: 1, retried: 0, dead: 0 });
    assert.equal(received.length, 1);
    const r = received[0]!;
    assert.equal(r.body, '{"n":1}');
    assert.equal(verifyWebhook({ secret: SECRET, body: r.body, headers: r.headers, nowMs: r.at }).ok, true);
    // Every attempt carried the same id: the receiver deduplicates on it.
    assert.equal(r.headers['webhook-id'], (await queue.list('delivered'))[0]?.id);
    assert.equal((await queue.list('delivered'))[0]?.attempts, 3);
  });

  test('exhausted deliveries go to the dead-letter list and are re-driven later', async () => {
    received.length = 0;
    failuresLeft = 3;
    const queue = new MemoryWebhookQueue();
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0, baseDelayMs: 10, maxAttempts: 3, addresses: LOOPBACK });
    await n.enqueue({ target: 'ops', url, event: 'x', body: '{"n":2}' });
    for (let i = 0; i < 3; i++) {
      await n.deliverDue();
      clockMs += 1000;
    }
    const dead = await queue.list('dead');
    assert.equal(dead.length, 1);
    assert.equal(dead[0]?.lastError, 'HTTP 500');
    assert.equal(received.length, 0);
    assert.equal(await queue.redrive(new Date(clockMs)), 1);
    assert.deepEqual(await n.deliverDue(), { delivered: 1, retried: 0, dead: 0 });
    assert.equal(received[0]?.body, '{"n":2}');
  });

  test('an unreachable receiver is retried, not lost', async () => {
    const queue = new MemoryWebhookQueue();
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0, addresses: LOOPBACK });
    await n.enqueue({ target: 'ops', url: 'http://127.0.0.1:1/none', event: 'x', body: '{}' });
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 1, dead: 0 });
    assert.equal((await queue.list('pending'))[0]?.attempts, 1);
  });
});

describe('where webhooks may go', () => {
  const policy = new WebhookAddressPolicy();
  test('only http and https; addresses written in the URL are checked in every spelling', () => {
    for (const url of ['file:///etc/passwd', 'gopher://x.example/_', 'ftp://x.example/', 'javascript:alert(1)', 'not a url'])
      assert.ok(policy.urlProblem(url), url);
    const internal = [
      'http://169.254.169.254/latest/meta-data/', 'http://127.0.0.1:9000/', 'http://[::1]/', 'http://0x7f000001/', 'http://2130706433/',
      'http://127.1/', 'http://0/', 'http://10.1.2.3/', 'http://172.20.0.1/', 'http://192.168.1.1/', 'http://100.100.100.200/', 'http://[fd00:ec2::254]/',
      'http://[::ffff:127.0.0.1]/', 'http://[::ffff:a9fe:a9fe]/', 'http://[64:ff9b::169.254.169.254]/', 'http://[fe80::1]/', 'http://localhost:8080/', 'http://224.0.0.1/',
    ];
    for (const url of internal) assert.match(policy.urlProblem(url) ?? '', /private|loopback|link-local|reserved/, url);
    for (const url of ['https://hooks.example.com/x', 'http://93.184.216.34/', 'http://[2606:4700::1111]/']) assert.equal(policy.urlProblem(url), undefined, url);
  });
  test('ranges the operator allows are reachable; others stay refused', () => {
    const allowing = new WebhookAddressPolicy(['10.20.0.0/16', '::1']);
    assert.equal(allowing.urlProblem('http://10.20.3.4/hook'), undefined);
    assert.equal(allowing.urlProblem('http://[::1]:8080/'), undefined);
    assert.ok(allowing.urlProblem('http://10.21.0.1/'));
    assert.ok(allowing.urlProblem('http://169.254.169.254/'));
  });
  test('a refused URL is dead at once and nothing is sent', async () => {
    const queue = new MemoryWebhookQueue();
    let calls = 0;
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock: { now: () => 0 }, fetch: (async () => { calls++; return new Response(''); }) as never });
    await n.enqueue({ target: 'customer:org_a', url: 'http://169.254.169.254/latest/meta-data/iam/', event: 'x', body: '{}' });
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 0, dead: 1 });
    assert.match((await queue.list('dead'))[0]?.lastError ?? '', /^refused: address 169\.254\.169\.254/);
    assert.equal(calls, 0);
    await n.stop();
  });
  test('DNS rebinding: a public-looking name that resolves to an internal address at delivery is not connected to', async () => {
    // A receiver on loopback stands for the internal service; the name resolves to it only at delivery time.
    let hits = 0;
    const inside = createServer((_req, res) => {
      hits++;
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => inside.listen(0, '127.0.0.1', r));
    const port = (inside.address() as AddressInfo).port;
    const rebinding = ((_host: string, _opts: unknown, cb: (e: null, a: Array<{ address: string; family: number }>) => void) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as never;
    const queue = new MemoryWebhookQueue();
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock: { now: () => 0 }, resolve: rebinding, maxAttempts: 1 });
    try {
      await n.enqueue({ target: 'customer:org_a', url: `http://hooks.customer.example:${port}/x`, event: 'x', body: '{}' });
      assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 0, dead: 1 });
      assert.match((await queue.list('dead'))[0]?.lastError ?? '', /hooks\.customer\.example resolves to address 127\.0\.0\.1/);
      assert.equal(hits, 0);
    } finally {
      await n.stop();
      await new Promise<void>((r) => inside.close(() => r()));
    }
  });
});
