import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MemoryWebhookQueue } from '../../src/enforcement/webhook-queue.js';
import { backoffDelay, WebhookNotifier } from '../../src/enforcement/webhook-notifier.js';
import { customerWebhookSecret, signWebhook, verifyWebhookSignature } from '../../src/enforcement/webhook-signature.js';

const SECRET = 'provider-webhook-secret-for-tests';

describe('webhook signatures', () => {
  const body = '{"type":"moat.enforcement.notice","caseId":"case_1"}';
  const now = Date.parse('2026-08-01T10:00:00Z');
  test('a signature verifies against the exact body within 5 minutes', () => {
    const header = signWebhook(SECRET, body, now);
    assert.match(header, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header, nowMs: now + 299_000 }), { ok: true, timestamp: now / 1000 });
  });
  test('tampered body, wrong secret, old or future timestamps and malformed headers are refused', () => {
    const header = signWebhook(SECRET, body, now);
    assert.equal(verifyWebhookSignature({ secret: SECRET, body: body.replace('case_1', 'case_2'), header, nowMs: now }).ok, false);
    assert.deepEqual(verifyWebhookSignature({ secret: 'other', body, header, nowMs: now }), { ok: false, reason: 'mismatch' });
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header, nowMs: now + 301_000 }), { ok: false, reason: 'expired' });
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header, nowMs: now - 301_000 }), { ok: false, reason: 'future' });
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header: 'v1=abc', nowMs: now }), { ok: false, reason: 'malformed' });
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header: undefined, nowMs: now }), { ok: false, reason: 'missing' });
    // A replayed capture with its timestamp swapped for a fresh one no longer matches.
    const fresh = header.replace(/t=\d+/, `t=${now / 1000 + 600}`);
    assert.deepEqual(verifyWebhookSignature({ secret: SECRET, body, header: fresh, nowMs: now + 600_000 }), { ok: false, reason: 'mismatch' });
  });
  test('customer secrets differ per org and from the provider secret', () => {
    assert.notEqual(customerWebhookSecret(SECRET, 'org_a'), customerWebhookSecret(SECRET, 'org_b'));
    assert.notEqual(customerWebhookSecret(SECRET, 'org_a'), SECRET);
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
  const received: Array<{ body: string; header: string | undefined; at: number }> = [];
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
        received.push({ body, header: req.headers['moat-signature'] as string | undefined, at: clockMs });
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
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0, baseDelayMs: 1000 });
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
    assert.equal(verifyWebhookSignature({ secret: SECRET, body: r.body, header: r.header, nowMs: r.at }).ok, true);
    assert.equal((await queue.list('delivered'))[0]?.attempts, 3);
  });

  test('exhausted deliveries go to the dead-letter list and are re-driven later', async () => {
    received.length = 0;
    failuresLeft = 3;
    const queue = new MemoryWebhookQueue();
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0, baseDelayMs: 10, maxAttempts: 3 });
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
    const n = new WebhookNotifier({ queue, secretFor: () => SECRET, clock, random: () => 0 });
    await n.enqueue({ target: 'ops', url: 'http://127.0.0.1:1/none', event: 'x', body: '{}' });
    assert.deepEqual(await n.deliverDue(), { delivered: 0, retried: 1, dead: 0 });
    assert.equal((await queue.list('pending'))[0]?.attempts, 1);
  });
});
