import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector } from '../../src/detection/detector.js';
import { viewRequest } from '../../src/detection/request-view.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const items = EVERYDAY_ITEMS;
const preamble = [
  { role: 'user', content: 'Hi, I have a few questions for you.' },
  { role: 'assistant', content: 'Of course. Go ahead.' },
];

test('the history digest: the same earlier turns before different items are one preamble; a growing conversation never repeats', () => {
  assert.equal(viewRequest({ messages: [{ role: 'user', content: items[0] }] }).history, 0, 'an opening request has no history');
  const a = viewRequest({ messages: [...preamble, { role: 'user', content: items[0] }] });
  const b = viewRequest({ messages: [{ role: 'system', content: 'Be brief.' }, ...preamble, { role: 'user', content: items[1] }] });
  assert.notEqual(a.history, 0);
  assert.equal(a.history, b.history, 'the system prompt is not part of the history');
  assert.equal(a.userTurns, 2);
  // One conversation, turn by turn: each request's history is the one before plus a turn.
  const seen = new Set<number>();
  const turns: Array<{ role: string; content: string }> = [];
  for (const [i, q] of items.entries()) {
    turns.push({ role: 'user', content: q });
    const h = viewRequest({ messages: [...turns] }).history;
    if (i > 0) {
      assert.ok(!seen.has(h), `turn ${i + 1} repeats an earlier history`);
      seen.add(h);
    }
    turns.push({ role: 'assistant', content: `Answer ${i}: ${q.length} characters.` });
  }
  // The same user turns with other answers are another history (answers are part of the conversation).
  const other = viewRequest({ messages: [{ role: 'user', content: 'Hi, I have a few questions for you.' }, { role: 'assistant', content: 'Sure.' }, { role: 'user', content: items[0] }] });
  assert.notEqual(other.history, a.history);
});

test('a Responses API request that continues a stored conversation is not an opening request', () => {
  assert.equal(viewRequest({ input: 'And in German?', previous_response_id: 'resp_123' }).continues, true);
  assert.equal(viewRequest({ input: 'Hello' }).continues, false);
  assert.equal(viewRequest({ input: 'Hello', previous_response_id: null }).continues, false);
});

const assets = loadDetectionAssets();
const line = (org: string, i: number, body: unknown, api: 'openai' | 'anthropic' = 'openai'): TraceRequestLine => ({
  type: 'request',
  id: `${org}-${i}`,
  ts: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  org,
  key: `key_${org}`,
  api,
  endpoint: api === 'openai' ? '/v1/chat/completions' : '/v1/messages',
  body,
});

function singleTurnShare(lines: TraceRequestLine[]): number {
  const d = createDetector({ ...assets });
  for (const l of lines) d.ingestRequest(l);
  return d.features(lines[0]!.org)!['w.single_turn_share'] as number;
}

test('a fixed preamble around each item reads as single-turn traffic; real conversations and stored ones do not', () => {
  // The same two made-up turns before every item: scaffolding, not a conversation. The first such request cannot
  // be told from the opening of a real conversation; every later one repeats its history.
  const scaffolded = items.map((q, i) => line('harvest', i, { model: 'm', messages: [...preamble, { role: 'user', content: q }] }));
  assert.equal(singleTurnShare(scaffolded), (items.length - 1) / items.length);
  // Anthropic's shape: the same.
  const anthropic = items.map((q, i) => line('harvest2', i, { model: 'm', max_tokens: 1000, messages: [...preamble, { role: 'user', content: q }] }, 'anthropic'));
  assert.equal(singleTurnShare(anthropic), (items.length - 1) / items.length);
  // A chat app: two conversations sent turn by turn. Only their openings are single-turn.
  const chat: TraceRequestLine[] = [];
  for (const start of [0, 4]) {
    const turns: Array<{ role: string; content: string }> = [];
    for (let t = 0; t < 4; t++) {
      turns.push({ role: 'user', content: items[start + t]! });
      chat.push(line('chat', chat.length, { model: 'm', messages: [...turns] }));
      turns.push({ role: 'assistant', content: `Reply ${start + t}` });
    }
  }
  assert.equal(singleTurnShare(chat), 2 / 8);
  // A coding agent: a human instruction, a follow-up, then tool steps after it (only the last few kept, as agents
  // compact their context). The user turns stay the same while the tool calls and results move on: not a preamble.
  const agentOpenai: TraceRequestLine[] = [];
  const agentAnthropic: TraceRequestLine[] = [];
  const human = [{ role: 'user', content: items[0]! }, { role: 'assistant', content: 'On it.' }, { role: 'user', content: 'also run the tests' }];
  for (let step = 0; step < 10; step++) {
    const calls = Array.from({ length: Math.min(step, 3) }, (_, k) => step - k);
    agentOpenai.push(line('agent', step, { model: 'm', tools: [{ type: 'function', function: { name: 'run' } }], messages: [...human, ...calls.flatMap((c) => [{ role: 'assistant', content: null, tool_calls: [{ id: `call_${c}`, type: 'function', function: { name: 'run', arguments: '{}' } }] }, { role: 'tool', tool_call_id: `call_${c}`, content: 'ok' }])] }));
    agentAnthropic.push(line('agent2', step, { model: 'm', max_tokens: 1000, messages: [...human, ...calls.flatMap((c) => [{ role: 'assistant', content: [{ type: 'tool_use', id: `tu_${c}`, name: 'run', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: `tu_${c}`, content: 'ok' }] }])] }, 'anthropic'));
  }
  // The Responses API's shape: function calls and their outputs are input items of their own.
  const agentResponses = Array.from({ length: 10 }, (_, step) =>
    line('agent3', step, { model: 'm', input: [...human, ...Array.from({ length: Math.min(step, 3) }, (_, k) => step - k).flatMap((c) => [{ type: 'function_call', call_id: `fc_${c}`, name: 'run', arguments: '{}' }, { type: 'function_call_output', call_id: `fc_${c}`, output: 'ok' }])] }),
  );
  assert.equal(singleTurnShare(agentOpenai), 0, 'an agent loop after a human turn is one conversation');
  assert.equal(singleTurnShare(agentResponses), 0);
  assert.equal(singleTurnShare(agentAnthropic), 0);
  // The Responses API keeps the conversation upstream: follow-ups carry previous_response_id and one input.
  const stored = items.map((q, i) => line('responses', i, { model: 'm', input: q, ...(i % 4 ? { previous_response_id: `resp_${i - 1}` } : {}) }));
  assert.equal(singleTurnShare(stored), 2 / 8);
});
