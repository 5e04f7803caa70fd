// /metrics as operators scrape it: per-model series by upstream and outcome with bounded cardinality (unknown
// or unserved model names collapse to `other`, tiers only when allow-listed), a token when configured, and a
// separate admin listener that takes /metrics off the gateway port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type OpenAI from 'openai';
import { caught } from '../support/caught.js';
import { startTestMoat } from '../support/start-test-moat.js';

const TOKEN = 'metrics-scrape-token-0123456789';
const chat = (c: OpenAI, model: string) => c.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

test('per-model series by upstream and outcome, bounded; tier labels only for allow-listed tiers; token required', async () => {
  const t = await startTestMoat({ name: 'metrics', models: ['gpt-4o', 'gpt-4o-mini', 'claude-sonnet-4'], config: { 'metrics.token': TOKEN, 'metrics.labelTiers': ['gold'], 'metrics.maxModels': 1 } });
  try {
    await t.admin('POST', '/admin/orgs', { name: 'golden', tier: 'gold' });
    await t.admin('POST', '/admin/orgs', { name: 'plain', tier: 'silver' });
    const gold = t.openai((await t.admin('POST', '/admin/orgs/golden/keys', { name: 'k' })).json.secret).client;
    const silver = t.openai((await t.admin('POST', '/admin/orgs/plain/keys', { name: 'k' })).json.secret).client;
    await chat(gold, 'gpt-4o');
    await chat(gold, 'gpt-4o');
    await chat(silver, 'gpt-4o-mini'); // a second real model, past maxModels: 1
    await caught(() => chat(silver, 'gpt-made-up-by-the-caller')); // no upstream routes it
    await caught(() => chat(silver, 'no-such-model-anywhere'));

    const denied = await fetch(`${t.url}/metrics`);
    assert.equal(denied.status, 401);
    assert.equal((await fetch(`${t.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789xx' } })).status, 401);
    const res = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(res.status, 200);
    const all = await res.text();
    // Only Moat's own series, so a failure prints what matters.
    const text = all.split('\n').filter((l) => l.startsWith('moat_')).join('\n');
    const upstream = /moat_model_requests_total\{api="openai",model="gpt-4o",upstream="([^"]+)"/.exec(text)?.[1];
    assert.ok(upstream, text.split('\n').filter((l) => l.startsWith('moat_model_requests_total')).join('\n'));
    assert.match(text, new RegExp(`moat_model_requests_total\\{api="openai",model="gpt-4o",upstream="${upstream}",outcome="admitted",tier="gold"\\} 2`));
    assert.match(text, new RegExp(`moat_model_requests_total\\{api="openai",model="other",upstream="${upstream}",outcome="admitted",tier="other"\\} 1`));
    assert.match(text, /moat_model_requests_total\{api="openai",model="other",upstream="",outcome="error",tier="other"\} 2/);
    assert.doesNotMatch(text, /made-up|no-such-model|silver|golden/, 'no caller-chosen strings, no unlisted tiers, no org names');
    assert.match(text, new RegExp(`moat_model_request_duration_seconds_count\\{api="openai",model="gpt-4o",upstream="${upstream}",outcome="admitted",tier="gold"\\} 2`));
    assert.match(text, new RegExp(`moat_model_tokens_total\\{api="openai",model="gpt-4o",upstream="${upstream}",outcome="admitted",tier="gold",direction="output"\\} [1-9]`));
    // The first families keep their names and labels.
    assert.match(text, /moat_requests_total\{api="openai",endpoint="\/v1\/chat\/completions",status="200",code=""\} 3/);
    assert.match(text, /moat_requests_total\{api="openai",endpoint="\/v1\/chat\/completions",status="404",code="unknown_model"\} 2/);
  } finally {
    await t.close();
  }
});

test('metrics.port serves /metrics on a separate listener and not on the gateway port', async () => {
  const t = await startTestMoat({ name: 'metrics-port', config: { 'metrics.port': 0 } });
  try {
    assert.notEqual(new URL(t.moat.metricsUrl).port, new URL(t.url).port);
    const res = await fetch(t.moat.metricsUrl);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /# TYPE moat_model_requests_total counter/);
    assert.equal((await fetch(`${t.url}/metrics`)).status, 404);
    assert.equal((await fetch(t.moat.metricsUrl.replace('/metrics', '/admin/orgs'))).status, 404, 'the admin listener answers nothing else');
  } finally {
    await t.close();
  }
});
