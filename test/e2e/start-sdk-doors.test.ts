// What a new user tries first: `npm start` with no configuration (built-in demo upstream, demo org and key) and
// today's SDK calls — the Responses API streamed and not, embeddings, legacy completions, token counting, model
// lookups — each answered through the gateway by the demo stand-in.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
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
