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
  assert.equal(viewRequest({ input: 'And in German?', conversation: 'conv_123' }).continues, true);
  assert.equal(viewRequest({ input: 'And in German?', conversation: { id: 'conv_123' } }).continues, true);
  // Values that name no stored conversation cannot turn a sweep's requests into follow-ups.
  for (const junk of [{ conversation: false }, { conversation: {} }, { conversation: '' }, { conversation: 0 }, { previous_response_id: '' }, { conversation: { id: 7 } }])
    assert.equal(viewRequest({ input: 'Hello', ...junk }).continues, false, JSON.stringify(junk));
  // Only the Responses door keeps conversations upstream: on chat or messages the same fields name nothing (an
  // OpenAI-compatible upstream that ignores unknown fields would answer such a sweep).
  assert.equal(viewRequest({ input: 'And in German?', previous_response_id: 'resp_123' }, '/v1/responses').continues, true);
  for (const endpoint of ['/v1/chat/completions', '/v1/messages', '/v1/completions']) {
    const v = viewRequest({ messages: [{ role: 'user', content: 'Item 7' }], previous_response_id: 'resp_123', conversation: 'conv_1' }, endpoint);
    assert.equal(v.continues, false, endpoint);
    assert.equal(v.history, 0, endpoint);
  }
});

const assets = loadDetectionAssets();
const line = (org: string, i: number, body: unknown, api: 'openai' | 'anthropic' = 'openai'): TraceRequestLine => ({
  type: 'request',
  id: `${org}-${i}`,
  ts: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  org,
  key: `key_${org}`,
  api,
  // A Responses API body carries `input`; chat and messages bodies carry `messages`.
  endpoint: api === 'anthropic' ? '/v1/messages' : body && typeof body === 'object' && 'input' in body ? '/v1/responses' : '/v1/chat/completions',
  body,
});

function singleTurnShare(lines: TraceRequestLine[]): number {
  const d = createDetector({ ...assets });
  for (const l of lines) d.ingestRequest(l);
  return d.features(lines[0]!.org)!['w.single_turn_share'] as number;
}

test('a fixed preamble around each item reads as single-turn traffic; real conversations and stored ones do not', () => {
  // The same two made-up turns before every item: scaffolding, not a conversation. Every request after the first
  // repeats its history, and none follows a turn the org sent.
  const scaffolded = items.map((q, i) => line('harvest', i, { model: 'm', messages: [...preamble, { role: 'user', content: q }] }));
  assert.equal(singleTurnShare(scaffolded), 1);
  // Anthropic's shape: the same.
  const anthropic = items.map((q, i) => line('harvest2', i, { model: 'm', max_tokens: 1000, messages: [...preamble, { role: 'user', content: q }] }, 'anthropic'));
  assert.equal(singleTurnShare(anthropic), 1);
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
  // The instruction was sent on its own first (the only single-turn request); 250 steps later, more than a window
  // holds, the agent is still in the same conversation.
  const human = [{ role: 'user', content: items[0]! }, { role: 'assistant', content: 'On it.' }, { role: 'user', content: 'also run the tests' }];
  const opening = (org: string, api: 'openai' | 'anthropic' = 'openai') => line(org, 0, { model: 'm', max_tokens: 1000, messages: [human[0]] }, api);
  const STEPS = 250;
  const recent = (step: number) => Array.from({ length: Math.min(step, 3) }, (_, k) => step - k);
  const agentOpenai: TraceRequestLine[] = [opening('agent')];
  const agentAnthropic: TraceRequestLine[] = [opening('agent2', 'anthropic')];
  const agentResponses: TraceRequestLine[] = [opening('agent3')];
  for (let step = 0; step < STEPS; step++) {
    const calls = recent(step);
    agentOpenai.push(line('agent', step + 1, { model: 'm', tools: [{ type: 'function', function: { name: 'run' } }], messages: [...human, ...calls.flatMap((c) => [{ role: 'assistant', content: null, tool_calls: [{ id: `call_${c}`, type: 'function', function: { name: 'run', arguments: '{}' } }] }, { role: 'tool', tool_call_id: `call_${c}`, content: 'ok' }])] }));
    agentAnthropic.push(line('agent2', step + 1, { model: 'm', max_tokens: 1000, messages: [...human, ...calls.flatMap((c) => [{ role: 'assistant', content: [{ type: 'tool_use', id: `tu_${c}`, name: 'run', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: `tu_${c}`, content: 'ok' }] }])] }, 'anthropic'));
    // The Responses API's shape: function calls and their outputs are input items of their own.
    agentResponses.push(line('agent3', step + 1, { model: 'm', input: [...human, ...calls.flatMap((c) => [{ type: 'function_call', call_id: `fc_${c}`, name: 'run', arguments: '{}' }, { type: 'function_call_output', call_id: `fc_${c}`, output: 'ok' }])] }));
  }
  // The window holds the last 200 requests: all of them steps of the conversation.
  assert.equal(singleTurnShare(agentOpenai), 0, 'an agent loop after a human turn is one conversation');
  assert.equal(singleTurnShare(agentResponses), 0);
  assert.equal(singleTurnShare(agentAnthropic), 0);
  // The Responses API keeps the conversation upstream: follow-ups carry previous_response_id and one input.
  const stored = items.map((q, i) => line('responses', i, { model: 'm', input: q, ...(i % 4 ? { previous_response_id: `resp_${i - 1}` } : {}) }));
  assert.equal(singleTurnShare(stored), 2 / 8);
  // The same fields on the chat door name nothing: a sweep that adds them to every item stays single-turn.
  const pretending = items.map((q, i) => line('pretending', i, { model: 'm', messages: [{ role: 'user', content: q }], previous_response_id: `resp_${i}`, conversation: 'conv_1' }));
  assert.equal(singleTurnShare(pretending), 1);
});

test('a follow-up names the turn before it: parentTurn of a conversation step is the turn of the request before it', () => {
  const first = viewRequest({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: items[0] }] });
  const second = viewRequest({ messages: [{ role: 'user', content: items[0] }, { role: 'assistant', content: 'A long answer.' }, { role: 'user', content: items[1] }] });
  assert.equal(first.parentTurn, 0, 'an opening request follows nothing');
  assert.notEqual(first.turn, 0);
  assert.equal(second.parentTurn, first.turn, 'the system prompt and the answer in between do not matter');
  assert.notEqual(second.turn, first.turn);
  // The legacy and Responses string prompts carry the same turn as the chat message with that text.
  assert.equal(viewRequest({ prompt: items[0] }).turn, first.turn);
  assert.equal(viewRequest({ input: items[0] }).turn, first.turn);
});

test('a made-up dialogue in front of each item reads as single-turn traffic; a conversation the org held, even trimmed, does not', () => {
  // A harness that puts a different invented exchange (or different few-shot examples as chat turns) before each
  // item: no history repeats, but the org never sent the turns its items follow.
  const invented = items.map((q, i) => line('fewshot', i, { model: 'm', messages: [{ role: 'user', content: `Example question ${i * 7 + 3}?` }, { role: 'assistant', content: `Example answer ${i}.` }, { role: 'user', content: q }] }));
  assert.equal(singleTurnShare(invented), 1);
  const anthropic = items.map((q, i) => line('fewshot2', i, { model: 'm', max_tokens: 1000, messages: [{ role: 'user', content: `Example question ${i * 7 + 3}?` }, { role: 'assistant', content: `Example answer ${i}.` }, { role: 'user', content: q }] }, 'anthropic'));
  assert.equal(singleTurnShare(anthropic), 1);
  // A chat app that sends only the last exchange as context (a sliding window) and changes its system prompt
  // mid-conversation: every follow-up's turn before it was sent, so only the opening is single-turn.
  const trimmed: TraceRequestLine[] = [];
  for (const [i, q] of items.entries()) {
    const system = { role: 'system', content: i < 4 ? 'Be brief.' : 'Be thorough.' };
    const context = i ? [{ role: 'user', content: items[i - 1]! }, { role: 'assistant', content: `Reply ${i - 1}` }] : [];
    trimmed.push(line('trimmed', i, { model: 'm', messages: [system, ...context, { role: 'user', content: q }] }));
  }
  assert.equal(singleTurnShare(trimmed), 1 / items.length);
  // Many conversations interleaved (an app's users at once): each follow-up still finds its turn in the window.
  const interleaved: TraceRequestLine[] = [];
  for (let t = 0; t < 3; t++)
    for (let u = 0; u < 20; u++) {
      const turns = Array.from({ length: t + 1 }, (_, k) => [{ role: 'user', content: `User ${u} asks question ${k} about ${items[(u + k) % items.length]}` }, { role: 'assistant', content: `Reply ${k}` }]).flat().slice(0, -1);
      interleaved.push(line('many', interleaved.length, { model: 'm', messages: turns }));
    }
  assert.ok(Math.abs(singleTurnShare(interleaved) - 20 / 60) < 0.001);
});

test('in a busy account, an agent loop whose human turn left the window stays one conversation after its first step', () => {
  // 210 other conversations' openings between the human's first message and the follow-up that starts the loop:
  // the follow-up itself cannot be told from a made-up one, the loop's steps after it can.
  const busy: TraceRequestLine[] = [line('busy', 0, { model: 'm', messages: [{ role: 'user', content: items[0] }] })];
  for (let i = 0; i < 210; i++) busy.push(line('busy', busy.length, { model: 'm', messages: [{ role: 'user', content: `Unrelated question number ${i}` }] }));
  const human = [{ role: 'user', content: items[0]! }, { role: 'assistant', content: 'On it.' }, { role: 'user', content: 'also run the tests' }];
  for (let step = 0; step < 200; step++)
    busy.push(line('busy', busy.length, { model: 'm', messages: [...human, ...(step ? [{ role: 'assistant', content: null, tool_calls: [{ id: `call_${step}`, type: 'function', function: { name: 'run', arguments: '{}' } }] }, { role: 'tool', tool_call_id: `call_${step}`, content: 'ok' }] : [])] }));
  // The window now holds the loop's 200 requests: only its first (the follow-up) reads as single-turn.
  assert.equal(singleTurnShare(busy), 1 / 200);
});

test('user messages sent back to back (a document, then the question) follow no answer; the next turn continues them', () => {
  const doc = { role: 'user', content: 'Context: the fastify docs page on hooks, 3,000 characters of it.' };
  const opening = viewRequest({ messages: [doc, { role: 'user', content: items[0] }] });
  assert.equal(opening.parentTurn, 0, 'two user messages and no answer: an opening');
  const follow = viewRequest({ messages: [doc, { role: 'user', content: items[0] }, { role: 'assistant', content: 'Reply' }, doc, { role: 'user', content: items[1] }] });
  assert.equal(follow.parentTurn, opening.turn, 'the follow-up follows the question the opening ended on, not the document before it');
  const rag: TraceRequestLine[] = [];
  const turns: Array<{ role: string; content: string }> = [];
  for (const [i, q] of items.entries()) {
    turns.push(doc, { role: 'user', content: q });
    rag.push(line('rag', i, { model: 'm', messages: [...turns] }));
    turns.push({ role: 'assistant', content: `Reply ${i}` });
  }
  assert.equal(singleTurnShare(rag), 1 / items.length);
});

test('Responses API follow-ups that all continue the same stored response read as a fixed preamble', () => {
  const fixed = items.map((q, i) => line('stored-preamble', i, { model: 'm', input: q, previous_response_id: 'resp_fixed' }));
  assert.equal(singleTurnShare(fixed), (items.length - 1) / items.length);
});
