// The read-only endpoints the console adds to the admin API: audit newest first with before_seq / from
// paging and filters, and clause texts from the policy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startAdminHarness, type AdminHarness } from '../admin/admin-harness.js';

let h: AdminHarness;
let url = '';

const call = (method: string, path: string, body?: unknown) => h.call(method, path, body);

before(async () => {
  const started = await startAdminHarness({ listen: true });
  h = started;
  url = started.url!;
  for (const name of ['a-org', 'b-org', 'c-org']) assert.equal((await call('POST', '/admin/orgs', { name })).status, 201);
  assert.equal((await call('POST', '/admin/orgs/b-org/keys', { name: 'k' })).status, 201);
});
after(async () => {
  await h?.close();
});

test('GET /admin/audit/recent: newest first, pages with before_seq, filters like /admin/audit', async () => {
  const all = (await call('GET', '/admin/audit?limit=1000')).json.entries as Array<{ seq: number; action: string }>;
  assert.ok(all.length >= 4);
  const first = await call('GET', '/admin/audit/recent?limit=2');
  assert.equal(first.status, 200);
  assert.deepEqual(first.json.entries.map((e: { seq: number }) => e.seq), [all.at(-1)!.seq, all.at(-2)!.seq]);
  const next = await call('GET', `/admin/audit/recent?limit=2&before_seq=${first.json.entries[1].seq}`);
  assert.deepEqual(next.json.entries.map((e: { seq: number }) => e.seq), [all.at(-3)!.seq, all.at(-4)!.seq]);
  const creates = await call('GET', '/admin/audit/recent?action=org.create');
  assert.deepEqual(creates.json.entries.map((e: { data: { name: string } }) => e.data.name), ['c-org', 'b-org', 'a-org']);
  const future = await call('GET', `/admin/audit/recent?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
  assert.deepEqual(future.json.entries, []);
  const bad = await call('GET', '/admin/audit/recent?before_seq=zero');
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'invalid_request');
});

test('GET /admin/clauses: the policy clauses by id; needs a token', async () => {
  assert.deepEqual((await call('GET', '/admin/clauses')).json, { clauses: {} });
  const state = (await call('GET', '/admin/policy/state')).json;
  const after = { ...state.state.rules, clauses: { 'tos-2.3a': { text: 'ToS §2.3(a): no benchmarking competing models' } } };
  const applied = await call('POST', '/admin/policy/apply', { steps: [{ kind: 'rules', action: 'update', id: 'rules', before: state.state.rules, after, fields: ['clauses'] }] });
  assert.equal(applied.status, 200, JSON.stringify(applied.json));
  assert.deepEqual((await call('GET', '/admin/clauses')).json, { clauses: { 'tos-2.3a': 'ToS §2.3(a): no benchmarking competing models' } });
  assert.equal((await fetch(`${url}/admin/clauses`)).status, 401);
});
