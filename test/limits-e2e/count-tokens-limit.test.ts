// Claude Code counts tokens before many calls: `/v1/messages/count_tokens` has its own per-minute limit
// (`tokenCountsPerMinute`) and counts against none of the key's model limits, through startMoat with the SDK.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { ANTHROPIC_MODEL, caught, startLimitsGateway, type LimitsGateway } from './limits-gateway.js';

let g: LimitsGateway;
before(async () => {
  g = await startLimitsGateway();
  await g.apply({ tiers: { free: { key: { requestsPerMinute: 2, tokenCountsPerMinute: 5 } } } }, ['counter']);
});
after(async () => {
  await g?.close();
});

test('token counts use their own limit, not the model requests per minute; over it they get a 429', async () => {
  const { client } = g.anthropic('counter');
  const messages = [{ role: 'user' as const, content: 'how long is this?' }];
  for (let i = 0; i < 5; i++) assert.ok((await client.messages.countTokens({ model: ANTHROPIC_MODEL, messages })).input_tokens > 0);
  const over = await caught<InstanceType<typeof Anthropic.APIError>>(() => client.messages.countTokens({ model: ANTHROPIC_MODEL, messages }));
  assert.equal(over.status, 429);
  assert.match(over.message, /token_counts_per_minute/);
  // The two model requests a minute are untouched by the five counts.
  for (let i = 0; i < 2; i++) await client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 10, messages });
  assert.equal((await caught<InstanceType<typeof Anthropic.APIError>>(() => client.messages.create({ model: ANTHROPIC_MODEL, max_tokens: 10, messages }))).status, 429);
});
