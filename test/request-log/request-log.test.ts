// The request log: which events it keeps (sampling by outcome, prompt text only when allowed and redacted),
// the admin API that lists them with filters and paging, and pruning by age and count.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestEvent } from '../../src/events/request-event.js';
import { requestLogRow, sampled } from '../../src/request-log/request-log-row.js';
import type { RequestLogSettings } from '../../src/request-log/request-log-settings.js';
import { insertRequestLog, queryRequestLog } from '../../src/request-log/request-log-repo.js';
import { startRequestLogWriter } from '../../src/request-log/request-log-writer.js';
import { BoundedQueue } from '../../src/events/bounded-queue.js';
import { ALL_MIGRATIONS } from '../../src/server/all-migrations.js';
import { runMigrations } from '../../src/store/migrate.js';
import { makePgliteTestDriver } from '../store/test-drivers.js';
import { ADMIN_RESPONSES } from '../../src/admin-contract/admin-responses.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';
import { caught } from '../support/caught.js';

const SETTINGS: RequestLogSettings = { enabled: true, admittedSampleRate: 1, otherSampleRate: 1, retentionHours: 72, maxRows: 1000, prompts: 'none' };

// The events' time, and the writer's clock a minute later: its retention prunes by that clock, so a wall clock
// would drop these rows once the date in them is older than the retention.
const EVENT_TIME = Date.parse('2026-11-30T10:00:00.000Z');

function event(over: Partial<RequestEvent> = {}): RequestEvent {
  return {
    id: 'req_1', ts: new Date(EVENT_TIME).toISOString(), orgId: 'org_a', keyId: 'key_a', model: 'gpt-4o', api: 'openai', endpoint: 'chat.completions', stream: false,
    client: { ip: '10.0.0.1' }, headers: {}, body: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello there' }] },
    status: 200, usage: { input_tokens: 5, output_tokens: 7 }, responseText: 'hi', latencyMs: 12.34, tags: [], upstreamCalled: true, ...over,
  };
}

describe('which events the request log keeps', () => {
  test('the outcome is metering\'s: a refusal keeps its code as the reason, an upstream failure is the upstream\'s', () => {
    assert.deepEqual(
      [requestLogRow(event(), SETTINGS), requestLogRow(event({ status: 403, errorCode: 'org_suspended', upstreamCalled: false }), SETTINGS), requestLogRow(event({ status: 502, errorCode: 'upstream_unavailable' }), SETTINGS)].map((r) => [r?.outcome, r?.reason]),
      [['admitted', ''], ['refused', 'org_suspended'], ['upstream_error', 'upstream_unavailable']],
    );
  });

  test('a NUL a client put in the model or prompt cannot make the store refuse the log\'s writes', async () => {
    // Postgres text holds no NUL: one such row would fail its whole slice, on every retry.
    const bad = event({ id: 'req_nul', status: 404, errorCode: 'unknown_model', upstreamCalled: false, model: 'gpt\u0000x', body: { model: 'gpt\u0000x', messages: [{ role: 'user', content: 'a\u0000b' }] } });
    const row = requestLogRow(bad, { ...SETTINGS, prompts: 'excerpt' })!;
    assert.equal(row.model, 'gpt\uFFFDx');
    assert.equal(row.prompt, 'a\uFFFDb');
    const { driver, dispose } = await makePgliteTestDriver();
    try {
      await runMigrations(driver, ALL_MIGRATIONS);
      await insertRequestLog(driver, [requestLogRow(event(), SETTINGS)!, row]);
      assert.deepEqual((await queryRequestLog(driver, { limit: 10 })).map((r) => r.model).sort(), ['gpt-4o', 'gpt\uFFFDx']);
    } finally {
      await dispose();
    }
  });

  test('sampling is per outcome and decided by the request id, so the same request is kept or skipped everywhere', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `req_${i}`);
    const rates = { admittedSampleRate: 0.1, otherSampleRate: 1 };
    const kept = ids.filter((id) => sampled(id, 'admitted', rates));
    assert.ok(kept.length > 120 && kept.length < 280, `about a tenth kept, got ${kept.length}`);
    assert.deepEqual(ids.filter((id) => sampled(id, 'admitted', rates)), kept);
    assert.equal(ids.filter((id) => sampled(id, 'refused', rates)).length, ids.length);
    assert.equal(ids.filter((id) => sampled(id, 'refused', { admittedSampleRate: 1, otherSampleRate: 0 })).length, 0);
    assert.equal(requestLogRow(event(), { ...SETTINGS, admittedSampleRate: 0 }), undefined);
  });

  test('no prompt text unless the operator allows excerpts; an excerpt is cut and has credentials redacted', () => {
    const secret = 'moat_live_abcdefghijklmnop0123456789';
    const body = { model: 'gpt-4o', messages: [{ role: 'user', content: `use ${secret} then ${'x'.repeat(600)}` }] };
    assert.equal(requestLogRow(event({ body }), SETTINGS)?.prompt, undefined);
    const prompt = requestLogRow(event({ body }), { ...SETTINGS, prompts: 'excerpt' })?.prompt ?? '';
    assert.ok(!prompt.includes(secret) && prompt.includes('[redacted]'), prompt.slice(0, 80));
    assert.equal(prompt.length, 301);
    // Anthropic's shape: the system prompt is not the prompt.
    const anthropic = requestLogRow(event({ api: 'anthropic', body: { model: 'claude-sonnet-4', system: 'be brief', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is 2+2' }] }] } }), { ...SETTINGS, prompts: 'excerpt' });
    assert.equal(anthropic?.prompt, 'what is 2+2');
  });
});

describe('the writer', () => {
  test('keeps sampled events off its own queue, retries rows a failed write left, and drops the oldest beyond its bound', async () => {
    const { driver, dispose } = await makePgliteTestDriver();
    try {
      await runMigrations(driver, ALL_MIGRATIONS);
      let failing = true;
      const store = { query: async <T,>(sql: string, params?: unknown[]): Promise<T[]> => {
        if (failing && sql.includes('INSERT INTO request_log ')) throw new Error('store down');
        return driver.query<T>(sql, params);
      } };
      const queue = new BoundedQueue<RequestEvent>(100);
      const errors: unknown[] = [];
      const w = startRequestLogWriter({ queue, store, settings: { ...SETTINGS, admittedSampleRate: 0 }, clock: { now: () => EVENT_TIME + 60_000 }, flushMs: 60_000, maxPending: 3, onError: (e) => errors.push(e) });
      for (let i = 0; i < 5; i++) queue.push(event({ id: `req_r${i}`, status: 403, errorCode: 'org_restricted', upstreamCalled: false }));
      queue.push(event({ id: 'req_ok' })); // admitted, not sampled at rate 0
      // The writer takes what is queued on its next turn; wait until the queue is empty and one turn more.
      while (queue.size > 0) await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
      await w.flush();
      assert.equal(errors.length, 1);
      assert.equal(w.dropped, 2, 'five rows held with room for three: the two oldest go');
      failing = false;
      queue.close();
      await w.done;
      assert.deepEqual((await queryRequestLog(driver, { limit: 10 })).map((r) => r.id).sort(), ['req_r2', 'req_r3', 'req_r4']);
    } finally {
      await dispose();
    }
  });
});

const POLICY = `
tiers:
  standard: {}
orgs:
  - { id: org_acme, name: acme, tier: standard }
  - { id: org_rival, name: rival, tier: standard }
keys:
  - { name: app, org: org_acme }
  - { name: app, org: org_rival }
`;

describe('GET /admin/requests on a live gateway', () => {
  let t: TestMoat;
  before(async () => {
    t = await startTestMoat({ name: 'request-log', config: { 'requestLog.admittedSampleRate': 1, 'requestLog.prompts': 'excerpt' } });
    assert.equal((await t.applyPolicy(POLICY)).code, 0);
  });
  after(async () => t?.close());

  /** Pages of the log until `n` entries match (the writer flushes once a second). */
  async function entries(query: string, n: number): Promise<any[]> {
    for (let i = 0; i < 100; i++) {
      const { json } = await t.admin('GET', `/admin/requests?${query}`);
      if (json.entries.length >= n) return json.entries;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`fewer than ${n} entries for ${query}`);
  }

  test('admitted and refused requests are listed newest first with org, key, outcome and a redacted prompt', async () => {
    const acme = t.openai(t.keyOf('org_acme', 'app')).client;
    for (let i = 0; i < 3; i++) await acme.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: `question ${i} token=supersecretvalue123` }] });
    await t.admin('POST', '/admin/orgs/rival/status', { status: 'restricted', reason: 'test' });
    const rival = t.openai(t.keyOf('org_rival', 'app'), { maxRetries: 0 }).client;
    const refusal = await caught(() => rival.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'blocked?' }] }));
    assert.equal((refusal as { status?: number }).status, 403);

    const acmeRows = await entries('org=acme', 3);
    assert.deepEqual(acmeRows.map((e) => e.prompt), ['question 2 token=[redacted]', 'question 1 token=[redacted]', 'question 0 token=[redacted]']);
    assert.ok(acmeRows.every((e) => e.orgId === 'org_acme' && e.keyId.startsWith('key_') && e.outcome === 'admitted' && e.status === 200 && e.model === 'gpt-4o'));
    const [refused] = await entries('outcome=refused', 1);
    assert.equal(refused.orgId, 'org_rival');
    assert.equal(refused.reason, 'org_restricted');
    assert.equal((await entries(`key=${refused.keyId}`, 1)).length, 1);
    // Every page fits the schema the console validates with.
    const { json } = await t.admin('GET', '/admin/requests?limit=2');
    ADMIN_RESPONSES['GET /requests'].parse(json);
    assert.deepEqual(json.recording, { enabled: true, admittedSampleRate: 1, otherSampleRate: 1, retentionHours: 72, maxRows: 100000, prompts: 'excerpt' });
  });

  test('paging with nextBefore walks the whole log once, and filters combine', async () => {
    const all = await entries('limit=500', 4);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const { json } = await t.admin('GET', `/admin/requests?limit=2${cursor ? `&before=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...json.entries.map((e: { id: string }) => e.id));
      if (!json.nextBefore) break;
      cursor = json.nextBefore;
    }
    assert.deepEqual(seen, all.map((e) => e.id));
    const { json } = await t.admin('GET', '/admin/requests?org=acme&outcome=refused,rate_limited');
    assert.deepEqual(json.entries, []);
    const bad = await t.admin('GET', '/admin/requests?outcome=maybe', undefined, { allowError: true });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, 'invalid_request');
  });

});
