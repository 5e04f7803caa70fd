// Builds RequestFacts from a parsed and shape-checked body (checkRequestShape) and the headers, once per
// request; policy, limits and detection judge the same request. Every place a tool can be offered counts
// (tools of every shape, legacy functions, tool_choice, MCP servers and their allowed tools, container skills),
// names are folded (normalize.ts) and a thinking switch of open-weight chat templates counts as `thinking`.
import type { IncomingHttpHeaders } from 'node:http';
import { foldName, splitBetaHeader, truthy } from '../policy/normalize.js';
import type { RequestFacts } from '../policy/request-facts.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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

/** Tool names and types offered by the request, in every shape either API (or a compatible server) accepts. */
function offeredTools(body: Json): { names: Set<string>; types: Set<string> } {
  const names = new Set<string>();
  const types = new Set<string>();
  const name = (v: unknown) => {
    if (typeof v === 'string') names.add(foldName(v));
  };
  const nested = (o: unknown) => {
    if (isObj(o)) name(o.name);
  };
  if (Array.isArray(body.tools))
    for (const t of body.tools) {
      if (!isObj(t)) continue;
      // OpenAI {type:"function", function:{name}} and {type:"custom", custom:{name}}; Anthropic {name, type?}
      // (client tools have no type). A top-level name beside function.name counts too: servers differ on which wins.
      types.add(foldName(str(t.type) ?? (isObj(t.function) ? 'function' : 'custom')));
      name(t.name);
      nested(t.function);
      nested(t.custom);
      name(t.mcp_server_name);
    }
  if (Array.isArray(body.functions))
    for (const f of body.functions) {
      types.add('function');
      nested(f);
    }
  nested(body.function_call);
  if (isObj(body.tool_choice)) {
    name(body.tool_choice.name);
    nested(body.tool_choice.function);
    nested(body.tool_choice.custom);
  }
  if (Array.isArray(body.mcp_servers))
    for (const s of body.mcp_servers) {
      if (!isObj(s)) continue;
      types.add('mcp_server');
      name(s.name);
      const allowed = isObj(s.tool_configuration) ? s.tool_configuration.allowed_tools : undefined;
      if (Array.isArray(allowed)) for (const a of allowed) name(a);
    }
  if (isObj(body.container) && Array.isArray(body.container.skills))
    for (const s of body.container.skills) {
      if (!isObj(s)) continue;
      types.add('skill');
      name(s.skill_id);
    }
  return { names, types };
}

export function extractFacts(i: FactsInput): RequestFacts {
  const { body, headers } = i;
  const tools = offeredTools(body);
  // No prototype: a body key `__proto__` (JSON.parse makes it an own property) stays a plain parameter.
  const params: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k in body) if (!NOT_PARAMS.has(k)) params[k] = body[k];
  // vLLM / SGLang chat templates switch reasoning on with chat_template_kwargs; policy sees it as `thinking`.
  const ctk = body.chat_template_kwargs;
  if (!truthy(params.thinking) && isObj(ctk) && (truthy(ctk.enable_thinking) || truthy(ctk.thinking))) params.thinking = true;
  const maxTokens = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : undefined;
  const purpose = headers['moat-purpose'];
  const ua = headers['user-agent'];
  const facts: RequestFacts = {
    api: i.api,
    endpoint: i.endpoint,
    model: typeof body.model === 'string' ? foldName(body.model) : '',
    stream: body.stream === true,
    orgId: i.orgId,
    keyId: i.keyId,
    toolNames: [...tools.names],
    toolTypes: [...tools.types],
    params,
    inputTokensEstimate: Math.ceil((textLength(body.messages, 0) + textLength(body.system, 0)) / 4),
    anthropicBeta: splitBetaHeader(headers['anthropic-beta']),
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
