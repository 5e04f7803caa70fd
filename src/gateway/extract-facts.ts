// Builds RequestFacts from a parsed body and headers, once per request; policy, limits and detection judge them.
import type { IncomingHttpHeaders } from 'node:http';
import type { RequestFacts } from '../policy/request-facts.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Body fields that are not "parameters" in the policy sense. */
const NOT_PARAMS = new Set(['model', 'messages', 'tools', 'system']);

export interface FactsInput {
  api: 'openai' | 'anthropic';
  endpoint: string;
  body: Json;
  headers: IncomingHttpHeaders;
  orgId: string;
  keyId: string;
  ip: string;
  now: number;
}

export function extractFacts(i: FactsInput): RequestFacts {
  const { body, headers } = i;
  const toolNames: string[] = [];
  const toolTypes: string[] = [];
  if (Array.isArray(body.tools)) {
    for (const t of body.tools) {
      if (!isObj(t)) continue;
      // OpenAI: {type:"function", function:{name}}; Anthropic: {name, type?} (custom tools have no type).
      const fn = isObj(t.function) ? t.function : undefined;
      const name = typeof t.name === 'string' ? t.name : typeof fn?.name === 'string' ? fn.name : undefined;
      if (name !== undefined) toolNames.push(name);
      toolTypes.push(typeof t.type === 'string' ? t.type : 'custom');
    }
  }
  const params: Record<string, unknown> = {};
  for (const k in body) if (!NOT_PARAMS.has(k)) params[k] = body[k];
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined;
  const beta = headers['anthropic-beta'];
  const purpose = headers['moat-purpose'];
  const ua = headers['user-agent'];
  const facts: RequestFacts = {
    api: i.api,
    endpoint: i.endpoint,
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    orgId: i.orgId,
    keyId: i.keyId,
    toolNames,
    toolTypes,
    params,
    inputTokensEstimate: Math.ceil((textLength(body.messages, 0) + textLength(body.system, 0)) / 4),
    anthropicBeta: typeof beta === 'string' ? beta.split(',').map((s) => s.trim()).filter(Boolean) : [],
    ip: i.ip,
    now: i.now,
  };
  if (typeof purpose === 'string') facts.purpose = purpose;
  if (maxTokens !== undefined) facts.maxTokens = maxTokens;
  if (typeof ua === 'string') facts.userAgent = ua;
  return facts;
}

/** Sum of string lengths inside a JSON value (message text, tool results), without serialising it. */
function textLength(v: unknown, depth: number): number {
  if (typeof v === 'string') return v.length;
  if (depth > 8 || typeof v !== 'object' || v === null) return 0;
  let n = 0;
  if (Array.isArray(v)) for (const x of v) n += textLength(x, depth + 1);
  else for (const k in v) n += textLength((v as Json)[k], depth + 1);
  return n;
}
