import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { startHarness } from './harness.js';
import { startTraceWriter } from '../../src/gateway/trace-writer.js';

test('live requests are written as replayable trace lines, without secrets', async () => {
  const h = await startHarness();
  const file = join(mkdtempSync(join(tmpdir(), 'moat-trace-')), 'trace.jsonl');
  const writer = startTraceWriter(h.events, file);
  try {
    for (const content of ['first', 'second']) {
      const r = await request(h.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${h.secret}`, 'moat-purpose': 'safety_evaluation', 'user-agent': 'trace-test/1' },
        body: JSON.stringify({ model: 'demo-gpt', messages: [{ role: 'user', content }] }),
      });
      await r.body.text();
    }
  } finally {
    await h.close();
  }
  await new Promise((r) => setTimeout(r, 20));
  h.events.close();
  await writer.done;
  const text = readFileSync(file, 'utf8');
  assert.ok(!text.includes(h.secret));
  const lines = text.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].type, 'request');
  assert.equal(lines[0].org, 'org_a');
  assert.deepEqual(lines[1].body.messages, [{ role: 'user', content: 'second' }]);
  assert.equal(lines[0].headers['moat-purpose'], 'safety_evaluation');
  assert.equal(lines[0].client.user_agent, 'trace-test/1');
  assert.equal(lines[0].response.status, 200);
  assert.ok(lines[0].response.usage.output_tokens > 0);
});
