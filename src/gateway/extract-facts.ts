// Builds RequestFacts from a parsed and shape-checked body (checkRequestShape) and the headers, once per
// request; policy, limits and detection judge the same request. Every place a tool can be offered counts
// (tools of every shape, legacy functions, tool_choice, MCP servers and their allowed tools, container skills),
// names are folded (normalize.ts) and a thinking switch of open-weight chat templates counts as `thinking`.
import type { IncomingHttpHeaders } from 'node:http';
import { foldName, splitBetaHeader, truthy } from '../policy/normalize.js';
import { PURPOSE_HEADER } from '../policy/purpose-header.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { DoorKind } from './front-doors.js';
import { estimateInputTokens } from './input-token-estimate.js';
import { isJsonObject } from '../json/is-json-object.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Body fields that are not "parameters" in the policy sense: the conversation (every door's spelling) and tools. */
const NOT_PARAMS = new Set(['model', 'messages', 'tools', 'system', 'input', 'instructions', 'prompt']);

export interface FactsInput {
  api: 'openai' | 'anthropic';
  endpoint: string;
  /** The door's kind; defaults to the API's chat door. Embeddings produce no output, token counting no model work. */
  kind?: DoorKind;
  body: Json;
  headers: IncomingHttpHeaders;
  orgId: string;
  keyId: string;
  ip: string;
  now: number;
}

/** Every body field that can offer a tool (offeredTools reads nothing else). */
const TOOL_FIELDS = ['tools', 'functions', 'function_call', 'tool_choice', 'mcp_servers', 'container'] as const;

/** Tool names and types offered by the request, in every shape either API (or a compatible server) accepts. */
function offeredTools(body: Json): { names: string[]; types: string[] } {
  // Most requests offer no tools: nothing to collect.
  if (TOOL_FIELDS.every((f) => body[f] === undefined)) return { names: [], types: [] };
  const names = new Set<string>();
  const types = new Set<string>();
  const name = (v: unknown) => {
    if (typeof v === 'string') names.add(foldName(v));
  };
  const nested = (o: unknown) => {
    if (isJsonObject(o)) name(o.name);
  };
  // A list of names, or the Responses API's {tool_names: [...]} filter.
  const allowedTools = (v: unknown) => {
    const list = isJsonObject(v) ? v.tool_names : v;
    if (Array.isArray(list)) for (const a of list) name(a);
  };
  if (Array.isArray(body.tools))
    for (const t of body.tools) {
      if (!isJsonObject(t)) continue;
      // OpenAI {type:"function", function:{name}} and {type:"custom", custom:{name}}; Anthropic {name, type?}
      // (client tools have no type). A top-level name beside function.name counts too: servers differ on which wins.
      types.add(foldName(str(t.type) ?? (isJsonObject(t.function) ? 'function' : 'custom')));
      name(t.name);
      nested(t.function);
      nested(t.custom);
      name(t.mcp_server_name);
      // The Responses API's remote MCP servers: {type:"mcp", server_label, allowed_tools}; the same feature as
      // Anthropic's mcp_servers, so it also counts as `mcp_server`.
      if (t.type === 'mcp') types.add('mcp_server');
      name(t.server_label);
      allowedTools(t.allowed_tools);
    }
  if (Array.isArray(body.functions))
    for (const f of body.functions) {
      types.add('function');
      nested(f);
    }
  nested(body.function_call);
  if (isJsonObject(body.tool_choice)) {
    name(body.tool_choice.name);
    name(body.tool_choice.server_label);
    nested(body.tool_choice.function);
    nested(body.tool_choice.custom);
  }
  if (Array.isArray(body.mcp_servers))
    for (const s of body.mcp_servers) {
      if (!isJsonObject(s)) continue;
      types.add('mcp_server');
      name(s.name);
      allowedTools(isJsonObject(s.tool_configuration) ? s.tool_configuration.allowed_tools : undefined);
    }
  if (isJsonObject(body.container) && Array.isArray(body.container.skills))
    for (const s of body.container.skills) {
      if (!isJsonObject(s)) continue;
      types.add('skill');
      name(s.skill_id);
    }
  return { names: [...names], types: [...types] };
}

export function extractFacts(i: FactsInput): RequestFacts {
  const { body, headers } = i;
  const tools = offeredTools(body);
  // No prototype: a body key `__proto__` (JSON.parse makes it an own property) stays a plain parameter.
  const params: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const k in body) if (!NOT_PARAMS.has(k)) params[k] = body[k];
  // vLLM / SGLang chat templates switch reasoning on with chat_template_kwargs; policy sees it as `thinking`.
  const ctk = body.chat_template_kwargs;
  if (!truthy(params.thinking) && isJsonObject(ctk) && (truthy(ctk.enable_thinking) || truthy(ctk.thinking))) params.thinking = true;
  // The Responses API asks for log-probabilities by including them in the output; policy sees `logprobs: true`.
  if (Array.isArray(body.include) && body.include.some((v) => typeof v === 'string' && foldName(v).includes('logprobs'))) params.logprobs = true;
  const kind = i.kind ?? (i.api === 'openai' ? 'chat' : 'messages');
  // Embeddings produce no output tokens; counting tokens runs no model, so it reserves no tokens at all. Of the
  // output caps each door spells, the largest is reserved: servers differ on which one they obey.
  const maxTokens = kind === 'embeddings' || kind === 'count_tokens' ? 0 : largestCount(body.max_tokens, body.max_completion_tokens, body.max_output_tokens);
  const purpose = headers[PURPOSE_HEADER];
  const ua = headers['user-agent'];
  const facts: RequestFacts = {
    api: i.api,
    endpoint: i.endpoint,
    model: typeof body.model === 'string' ? foldName(body.model) : '',
    stream: body.stream === true,
    orgId: i.orgId,
    keyId: i.keyId,
    toolNames: tools.names,
    toolTypes: tools.types,
    params,
    inputTokensEstimate: kind === 'count_tokens' ? 0 : estimateInputTokens(body, i.api),
    anthropicBeta: splitBetaHeader(headers['anthropic-beta']),
    ip: i.ip,
    now: i.now,
  };
  if (typeof purpose === 'string') facts.purpose = purpose;
  if (maxTokens !== undefined) facts.maxTokens = maxTokens;
  if (typeof ua === 'string') facts.userAgent = ua;
  return facts;
}

function largestCount(...vs: unknown[]): number | undefined {
  let max: number | undefined;
  for (const v of vs) if (typeof v === 'number' && (max === undefined || v > max)) max = v;
  return max;
}
