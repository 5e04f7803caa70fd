// A vision request (one ~1 MB base64 image) under a realistic input-token limit (100,000 per minute) is
// admitted — its image is estimated at its token cost, not its base64 length — and metered at the usage the
// model server reports. Through startMoat with limits applied by `moat policy apply`, with the official SDKs.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ANTHROPIC_MODEL, eventually, OPENAI_MODEL, startLimitsGateway, type LimitsGateway } from './limits-gateway.js';
import { pngBase64 } from '../support/test-images.js';

let g: LimitsGateway;
const IMAGE = pngBase64(1024, 768, 800_000);

before(async () => {
  g = await startLimitsGateway();
  await g.apply({ tiers: { free: { key: { inputTokensPerMinute: 100_000 } } } }, ['vision_oa', 'vision_an']);
});
after(async () => {
  await g?.close();
});

async function inputUsed(org: string): Promise<number | undefined> {
  const r = await fetch(`${g.url}/v1/moat/limits`, { headers: { authorization: `Bearer ${g.keyOf(org)}` } });
  const body = (await r.json()) as { limits: Array<{ metric: string; used: number }> };
  return body.limits.find((l) => l.metric === 'input_tokens_per_minute')?.used;
}

test('OpenAI: a chat request and a Responses request with a 1 MB image are admitted and metered', async () => {
  assert.ok(IMAGE.length > 1_000_000, 'the base64 text alone would be ~270,000 tokens at 4 characters each');
  const { client } = g.openai('vision_oa');
  const c = await client.chat.completions.create({
    model: OPENAI_MODEL,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'what is in this image?' }, { type: 'image_url', image_url: { url: `data:image/png;base64,${IMAGE}` } }] }],
  });
  const r = await client.responses.create({
    model: OPENAI_MODEL,
    input: [{ role: 'user', content: [{ type: 'input_text', text: 'and this one?' }, { type: 'input_image', image_url: `data:image/png;base64,${IMAGE}`, detail: 'auto' }] }],
  });
  const reported = c.usage!.prompt_tokens + r.usage!.input_tokens;
  assert.ok(reported > 1000 && reported < 2000, `the demo charges its stand-in image cost (${reported})`);
  const used = await eventually(async () => ((await inputUsed('vision_oa')) === reported ? reported : undefined), 'input tokens settled at the reported usage');
  assert.equal(used, reported);
});

test('Anthropic: a message with a 1 MB image is admitted and metered', async () => {
  const { client } = g.anthropic('vision_an');
  const m = await client.messages.create({
    model: ANTHROPIC_MODEL,
    max_tokens: 100,
    messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: IMAGE } }, { type: 'text', text: 'describe' }] }],
  });
  assert.equal(m.content[0]?.type, 'text');
  const used = await eventually(async () => ((await inputUsed('vision_an')) === m.usage.input_tokens ? m.usage.input_tokens : undefined), 'input tokens settled');
  assert.ok(used > 1000);
});
