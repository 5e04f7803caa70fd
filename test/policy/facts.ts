// Request facts for policy tests: a plain chat request, overridable per case.
import type { RequestFacts } from '../../src/policy/request-facts.js';

export const NOW = Date.parse('2026-06-01T12:00:00Z');

export function facts(over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    api: 'anthropic',
    endpoint: '/v1/messages',
    model: 'claude-sonnet-4',
    stream: false,
    orgId: 'org_a',
    keyId: 'key_1',
    toolNames: [],
    toolTypes: [],
    params: { max_tokens: 100 },
    inputTokensEstimate: 10,
    anthropicBeta: [],
    ip: '127.0.0.1',
    now: NOW,
    ...over,
  };
}
