// What a new user tries first: `npm start` with no configuration (built-in demo upstream, demo org and key) and
// today's SDK calls — the Responses API streamed and not, embeddings, legacy completions, token counting, model
// lookups, batches — each answered through the gateway by the demo stand-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { toFile } from 'openai';
import { DEMO_NOTICE } from '../../src/demo-upstream/demo-upstream.js';
import { startTestMoat, type TestMoat } from '../support/start-test-moat.js';

let t: TestMoat;
let key: string;
before(async () => {
  t = await startTestMoat({ upstreams: false, name: 'start-doors' });
  key = t.moat.demo!.apiKey;
});
after(() => t?.close());

test('openai SDK: responses.create (stream and not), embeddings.create, completions.create, models.retrieve', async () => {
  const { client, sent } = t.openai(key);
  const r = await client.responses.create({ model: 'demo-gpt', input: 'hello responses' });
  assert.equal(r.output_text, `${DEMO_NOTICE} You said: hello responses`);
  let streamed = '';
  for await (const e of await client.responses.create({ model: 'demo-gpt', input: 'and streamed', stream: true })) if (e.type === 'response.output_text.delta') streamed += e.delta;
  assert.equal(streamed, `${DEMO_NOTICE} You said: and streamed`);
  const e = await client.embeddings.create({ model: 'demo-gpt', input: 'embed me' });
  assert.equal(e.data[0]?.embedding.length, 8);
  const c = await client.completions.create({ model: 'demo-gpt', prompt: 'legacy', max_tokens: 40 });
  assert.match(c.choices[0]?.text ?? '', /You said: legacy/);
  assert.equal((await client.models.retrieve('demo-gpt')).id, 'demo-gpt');
  assert.equal(sent.count, 5, 'no SDK retries were needed');
});

test('anthropic SDK: messages.countTokens and models.retrieve', async () => {
  const { client } = t.anthropic(key);
  const n = await client.messages.countTokens({ model: 'demo-claude', messages: [{ role: 'user', content: 'how many tokens is this' }] });
  assert.ok(n.input_tokens > 0);
  assert.equal((await client.models.retrieve('demo-claude')).id, 'demo-claude');
});

test('openai SDK: files.create + batches.create + retrieve + results; anthropic SDK: messages.batches.create + results', async () => {
  const { client } = t.openai(key);
  const line = JSON.stringify({ custom_id: 'one', method: 'POST', url: '/v1/chat/completions', body: { model: 'demo-gpt', messages: [{ role: 'user', content: 'batched' }] } });
  const file = await client.files.create({ file: await toFile(Buffer.from(line + '\n'), 'in.jsonl'), purpose: 'batch' });
  const batch = await client.batches.create({ input_file_id: file.id, endpoint: '/v1/chat/completions', completion_window: '24h' });
  const done = await client.batches.retrieve(batch.id);
  assert.equal(done.status, 'completed');
  const out = JSON.parse((await (await client.files.content(done.output_file_id!)).text()).trim()) as { response: { body: { choices: Array<{ message: { content: string } }> } } };
  assert.equal(out.response.body.choices[0]?.message.content, `${DEMO_NOTICE} You said: batched`);
  const anthropic = t.anthropic(key).client;
  const ab = await anthropic.messages.batches.create({ requests: [{ custom_id: 'two', params: { model: 'demo-claude', max_tokens: 20, messages: [{ role: 'user', content: 'also batched' }] } }] });
  const results = [];
  for await (const r of await anthropic.messages.batches.results(ab.id)) results.push(r);
  assert.equal(results[0]?.result.type, 'succeeded');
});
