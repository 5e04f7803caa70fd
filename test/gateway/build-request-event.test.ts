// The request event of a finished call is built from the exchange alone (a pure function).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buildRequestEvent, type AuthenticatedExchange } from '../../src/gateway/build-request-event.js';

function exchange(over: Partial<AuthenticatedExchange> = {}): AuthenticatedExchange {
  const req = { headers: { 'moat-purpose': 'safety_evaluation', 'user-agent': 'sdk/1', authorization: 'Bearer secret', 'anthropic-beta': ['a', 'b'] } } as unknown as IncomingMessage;
  return {
    id: 'req_1', api: 'openai', endpoint: '/v1/chat/completions', kind: 'chat', req, res: {} as ServerResponse, startPerf: 0, startMs: Date.parse('2026-01-01T00:00:00Z'),
    ip: '10.0.0.1', orgId: 'org_a', keyId: 'key_a', body: { model: 'gpt-4o' }, bodyBytes: 20, model: 'gpt-4o', stream: false, tags: ['grant:x'],
    upstreamCalled: true, status: 200, clientGone: false, upstreamActivity: { phase: 'idle', since: 0 }, ...over,
  };
}

test('records the call, the policy headers only (never auth), and the optional fields only when set', () => {
  const ev = buildRequestEvent(exchange(), { input_tokens: 3, output_tokens: 4 }, 12.5);
  assert.deepEqual(ev, {
    id: 'req_1', ts: '2026-01-01T00:00:00.000Z', orgId: 'org_a', keyId: 'key_a', model: 'gpt-4o', api: 'openai', endpoint: '/v1/chat/completions', stream: false,
    client: { ip: '10.0.0.1', userAgent: 'sdk/1' }, headers: { 'moat-purpose': 'safety_evaluation' }, body: { model: 'gpt-4o' }, requestBytes: 20, status: 200,
    usage: { input_tokens: 3, output_tokens: 4 }, responseText: '', latencyMs: 12.5, tags: ['grant:x'], upstreamCalled: true,
  });
  assert.equal(buildRequestEvent(exchange({ upstreamCalled: false }), { input_tokens: 0, output_tokens: 0 }, 1).upstreamCalled, undefined);
});

test('a refused call carries its error code, time to first byte and upstream', () => {
  const ev = buildRequestEvent(exchange({ status: 429, errorCode: 'rate_limited', ttfbMs: 3, upstream: { name: 'up1' } as AuthenticatedExchange['upstream'], body: undefined }), { input_tokens: 0, output_tokens: 0 }, 1);
  assert.equal(ev.errorCode, 'rate_limited');
  assert.equal(ev.ttfbMs, 3);
  assert.equal(ev.upstream, 'up1');
  assert.equal(ev.body, null);
});

test("a kept body text travels on the event, and the queues' memory estimate counts it", async () => {
  const { eventBytes } = await import('../../src/events/request-event.js');
  const text = '{"model": "gpt-4o", "messages": []}';
  const without = buildRequestEvent(exchange(), { input_tokens: 0, output_tokens: 0 }, 1);
  const withText = buildRequestEvent(exchange({ bodyText: text }), { input_tokens: 0, output_tokens: 0 }, 1);
  assert.equal(without.bodyJson, undefined);
  assert.equal(withText.bodyJson, text);
  assert.equal(eventBytes(withText) - eventBytes(without), 2 * text.length);
});
