import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { createDetector } from '../../src/detection/detector.js';
import { viewRequest } from '../../src/detection/request-view.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { EVERYDAY_ITEMS } from './everyday-items.js';

const parameters = { type: 'object', properties: { query: { type: 'string' } } };
const ask = { role: 'user', content: 'Find the failing test and fix it.' };

test('tool steps: tools offered are not counted, tool calls and results are, in every API shape', () => {
  // Offered, never run: chat completions, messages, Responses.
  assert.equal(viewRequest({ tools: [{ type: 'function', function: { name: 'search', parameters } }], messages: [ask] }).toolSteps, 0);
  assert.equal(viewRequest({ tools: [{ name: 'search', input_schema: parameters }], messages: [ask] }).toolSteps, 0);
  assert.equal(viewRequest({ tools: [{ type: 'function', name: 'search', parameters }], input: 'Find the failing test.' }).toolSteps, 0);
  // Chat completions: the assistant's tool call and the tool's result.
  const chat = viewRequest({
    messages: [ask, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'run_tests', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 'call_1', content: '1 failed' }],
  });
  assert.equal(chat.toolSteps, 2);
  // Messages: tool_use and tool_result blocks.
  const messages = viewRequest({
    messages: [ask, { role: 'assistant', content: [{ type: 'tool_use', id: 'tu_1', name: 'run_tests', input: {} }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'tu_1', content: '1 failed' }] }],
  });
  assert.equal(messages.toolSteps, 2);
  // Responses: function_call and function_call_output items.
  const responses = viewRequest({
    input: [ask, { type: 'function_call', call_id: 'c1', name: 'run_tests', arguments: '{}' }, { type: 'function_call_output', call_id: 'c1', output: '1 failed' }],
  });
  assert.equal(responses.toolSteps, 2);
});

test('a decoy tool list does not make a harvest read as an agent; an agent loop does', () => {
  const d = createDetector({ ...loadDetectionAssets() });
  const line = (org: string, i: number, body: Record<string, unknown>): TraceRequestLine => ({
    type: 'request', id: `${org}-${i}`, ts: new Date(Date.UTC(2026, 0, 1, 9, 0, i * 20)).toISOString(), org, key: `key_${org}`, api: 'openai', body,
  });
  for (let i = 0; i < 30; i++) {
    const q = EVERYDAY_ITEMS[i % EVERYDAY_ITEMS.length]!;
    d.ingestRequest(line('decoy', i, { model: 'm', tools: [{ type: 'function', function: { name: 'search', parameters } }], messages: [{ role: 'user', content: q }] }));
    d.ingestRequest(
      line('agent', i, {
        model: 'm',
        tools: [{ type: 'function', function: { name: 'run_tests', parameters } }],
        messages: [{ role: 'user', content: q }, { role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'run_tests', arguments: '{}' } }] }, { role: 'tool', tool_call_id: `call_${i}`, content: `${i} passed` }],
      }),
    );
  }
  assert.equal(d.features('decoy')!['w.tools_share'], 0);
  assert.equal(d.features('agent')!['w.tools_share'], 1);
});
