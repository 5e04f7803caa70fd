// Builds one trace request line the way each API's clients shape it: chat completions or the Responses API
// for OpenAI, messages for Anthropic, with the sampling parameters, tools and headers an actor sets, and a
// response with plausible usage.
import type { TraceRequestLine, TraceUsage } from '../events/trace-format.js';

export type Api = 'openai' | 'anthropic';

export interface RequestSpec {
  org: string;
  key: string;
  ts: number;
  api: Api;
  /** OpenAI only: send through the Responses API instead of chat completions. */
  responses?: boolean;
  ip: string;
  ua?: string;
  system?: string;
  /** User turns in order; earlier ones get a placeholder assistant reply in between. */
  turns: string[];
  /** Tool results appended after the last user turn (agents). */
  toolResults?: string[];
  /** Name of the tool the assistant turns before those results call (default `run`). */
  toolCall?: string;
  model: string;
  params?: Record<string, unknown>;
  tools?: unknown[];
  headers?: Record<string, string>;
  outputTokens: number;
  status?: number;
}

let seq = 0;
export function resetRequestIds(): void {
  seq = 0;
}

export function traceRequest(r: RequestSpec): TraceRequestLine {
  const body: Record<string, unknown> = { model: r.model };
  if (r.api === 'anthropic') {
    if (r.system) body.system = r.system;
    const messages: Array<Record<string, unknown>> = [];
    r.turns.forEach((t, i) => {
      if (i > 0) messages.push({ role: 'assistant', content: '(earlier reply)' });
      messages.push({ role: 'user', content: t });
    });
    for (const res of r.toolResults ?? []) {
      messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `tu_${seq}`, name: r.toolCall ?? 'run', input: {} }] });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `tu_${seq}`, content: res }] });
    }
    body.messages = messages;
  } else if (r.responses) {
    if (r.system) body.instructions = r.system;
    body.input = r.turns.length === 1 && !r.toolResults?.length ? r.turns[0] : r.turns.map((t) => ({ role: 'user', content: t }));
  } else {
    const messages: Array<Record<string, unknown>> = [];
    if (r.system) messages.push({ role: 'system', content: r.system });
    r.turns.forEach((t, i) => {
      if (i > 0) messages.push({ role: 'assistant', content: '(earlier reply)' });
      messages.push({ role: 'user', content: t });
    });
    for (const res of r.toolResults ?? []) {
      messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${seq}`, type: 'function', function: { name: r.toolCall ?? 'run', arguments: '{}' } }] });
      messages.push({ role: 'tool', tool_call_id: `call_${seq}`, content: res });
    }
    body.messages = messages;
  }
  if (r.tools?.length) body.tools = r.tools;
  Object.assign(body, r.responses ? responsesParams(r.params ?? {}) : (r.params ?? {}));
  if (r.api === 'anthropic' && body.max_tokens === undefined) body.max_tokens = 1024;
  const inTok = Math.ceil((r.turns.reduce((a, t) => a + t.length, 0) + (r.system?.length ?? 0) + (r.toolResults ?? []).reduce((a, t) => a + t.length, 0)) / 4);
  seq++;
  return {
    type: 'request',
    id: `req_${seq.toString(36)}`,
    ts: new Date(Math.round(r.ts)).toISOString(),
    org: r.org,
    key: r.key,
    client: { ip: r.ip, ...(r.ua ? { user_agent: r.ua } : {}) },
    api: r.api,
    ...(r.headers ? { headers: r.headers } : {}),
    body,
    response: { status: r.status ?? 200, usage: usageOf(r, inTok), text: '(simulated response)', latency_ms: latencyOf(r.outputTokens) },
  };
}

/** How long the simulated upstream takes to write an answer of this many tokens. */
export function latencyOf(answerTokens: number): number {
  return 400 + Math.round(answerTokens * 8);
}

/**
 * An actor's sampling parameters as the Responses API takes them: `max_output_tokens` for the answer budget,
 * `top_logprobs` alone for log probabilities, `reasoning.effort`; it has no `n` or `seed`, so a client that wants
 * either cannot send it there (an upstream refuses parameters it does not know).
 */
function responsesParams(p: Record<string, unknown>): Record<string, unknown> {
  const { max_tokens, max_completion_tokens, logprobs: _logprobs, n: _n, seed: _seed, reasoning_effort, ...rest } = p;
  const budget = max_tokens ?? max_completion_tokens;
  return {
    ...rest,
    ...(budget !== undefined ? { max_output_tokens: budget } : {}),
    ...(reasoning_effort !== undefined ? { reasoning: { effort: reasoning_effort } } : {}),
  };
}

/**
 * `outputTokens` is the visible answer; a request that asks for reasoning also spends thinking tokens, counted in
 * the output and reported apart (as the gateway records them), here one and a half times the answer.
 */
function usageOf(r: RequestSpec, inTok: number): TraceUsage {
  const answer = Math.max(1, Math.round(r.outputTokens));
  const p = r.params ?? {};
  const reasoning = asksForReasoning(p) ? Math.round(answer * 1.5) : 0;
  return { input_tokens: inTok, output_tokens: answer + reasoning, ...(reasoning ? { reasoning_tokens: reasoning } : {}) };
}

/** The model names simulated customers use, per API (a gateway replaying the simulation must serve them). */
export const SIM_MODELS: Record<Api, readonly string[]> = {
  openai: ['gpt-moat-1', 'gpt-moat-1-mini', 'gpt-moat-2'],
  anthropic: ['moat-sonnet-1', 'moat-haiku-1', 'moat-opus-1'],
};

/** A model name per API, as a customer would configure it. */
export function modelName(api: Api, pick: <T>(xs: readonly T[]) => T): string {
  return pick(SIM_MODELS[api]);
}

/** A trace request's JSON object body (undefined when it sent something else). */
export function requestBody(l: { body?: unknown }): Record<string, unknown> | undefined {
  return l.body && typeof l.body === 'object' && !Array.isArray(l.body) ? (l.body as Record<string, unknown>) : undefined;
}

/** Whether a request body is an OpenAI Responses API body (its conversation is `input`), whose fields differ from chat completions'. */
export function isResponsesBody(b: Record<string, unknown>): boolean {
  return Array.isArray(b.input) || typeof b.input === 'string';
}

/** Whether request parameters (or a body) ask for the model's reasoning: extended thinking, reasoning_effort, or Responses' reasoning. */
export function asksForReasoning(p: Record<string, unknown>): boolean {
  return p.thinking !== undefined || p.reasoning_effort !== undefined || p.reasoning !== undefined;
}
