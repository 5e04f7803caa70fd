// Shared fixtures for the limits tests: request facts, a controllable clock, limits documents.
import type { RequestFacts } from '../../src/policy/request-facts.js';
import { LimitsConfigSchema, type LimitsConfig } from '../../src/limits/limits-schema.js';
import type { AdmitInput } from '../../src/limits/limiter.js';

export const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

export class TestClock {
  t = T0;
  now = () => this.t;
  advance(ms: number) {
    this.t += ms;
  }
}

export function facts(clock: TestClock, over: Partial<RequestFacts> = {}): RequestFacts {
  return {
    api: 'openai',
    endpoint: '/v1/chat/completions',
    model: 'demo-gpt',
    stream: false,
    orgId: 'org_a',
    keyId: 'key_1',
    toolNames: [],
    toolTypes: [],
    params: {},
    maxTokens: 100,
    inputTokensEstimate: 10,
    anthropicBeta: [],
    ip: '127.0.0.1',
    now: clock.t,
    ...over,
  };
}

export function input(clock: TestClock, over: Partial<RequestFacts> = {}, extra: Partial<AdmitInput> = {}): AdmitInput {
  return { facts: facts(clock, over), tier: 'free', features: [], ...extra };
}

export function limitsDoc(doc: unknown): LimitsConfig {
  return LimitsConfigSchema.parse(doc);
}
