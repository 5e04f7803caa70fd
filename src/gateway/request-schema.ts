// The shapes of the request fields Moat reads (policy, limits, detection), per API. A request whose field has a
// shape policy cannot judge is refused with a 400 naming the field, instead of being judged on a guess and
// forwarded to an upstream that may read it another way. Objects are loose: fields Moat does not read pass
// through untouched. Sizes are bounded so a valid-looking body cannot make judging it expensive.
import { z } from 'zod';
import { MoatError } from '../errors/moat-error.js';
import type { DoorKind } from './front-doors.js';
import { isJsonObject } from '../json/is-json-object.js';

/** Limits on what policy and detection walk; far above what either API accepts. */
export const REQUEST_LIMITS = {
  nameChars: 256,
  tools: 1024,
  messages: 100_000,
  contentParts: 10_000,
  mcpServers: 64,
  skills: 64,
  shortChars: 128,
  tokenIds: 1_000_000,
} as const;

const L = REQUEST_LIMITS;
// Names with control characters are refused: stores and logs treat them differently (PostgreSQL refuses NUL).
const name = z.string().min(1).max(L.nameChars).regex(/^[^\u0000-\u001f\u007f]*$/, 'control characters are not allowed in names');
const short = z.string().max(L.shortChars);
/** Flags and levels that lenient upstreams coerce (`true`, `1`, `"true"`); objects or lists are not judgeable. */
const scalar = z.union([z.boolean(), z.number(), short]).nullable().optional();
const count = z.number().int().nonnegative().nullable().optional();

const part = z.looseObject({ type: short.optional() });
const content = z.union([z.string(), z.array(part).max(L.contentParts)]).nullable().optional();
const message = z.looseObject({ role: short, content });
const messages = z.array(message).max(L.messages);

const namedObject = z.looseObject({ name });
/** Any tool entry: the API-specific refinements below say which name it must carry. */
const toolBase = z.looseObject({
  type: short.optional(),
  name: name.optional(),
  function: z.looseObject({ name: name.optional() }).optional(),
  custom: z.looseObject({ name: name.optional() }).optional(),
  mcp_server_name: name.optional(),
});

const openaiTool = toolBase.superRefine((t, ctx) => {
  const type = t.type ?? 'function';
  if (type === 'function' && t.function?.name === undefined) ctx.addIssue({ code: 'custom', path: ['function', 'name'], message: 'a function tool needs function.name' });
  if (type === 'custom' && t.custom?.name === undefined && t.name === undefined) ctx.addIssue({ code: 'custom', path: ['custom', 'name'], message: 'a custom tool needs custom.name' });
});
const anthropicTool = toolBase.superRefine((t, ctx) => {
  if ((t.type === undefined || t.type === 'custom') && t.name === undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'a tool needs a name' });
});

const toolChoice = z
  .union([
    short,
    z.looseObject({ type: short.optional(), name: name.optional(), function: z.looseObject({ name: name.optional() }).optional(), custom: z.looseObject({ name: name.optional() }).optional() }),
  ])
  .nullable()
  .optional();

const thinking = z.union([z.looseObject({ type: short.optional(), budget_tokens: count }), z.boolean(), z.number(), short]).nullable().optional();
const reasoning = z.union([z.looseObject({ effort: scalar, enabled: scalar }), z.boolean(), short]).nullable().optional();

/**
 * Every field Moat reads, in every door: OpenAI-compatible servers accept Anthropic-style fields and the
 * reverse, so each door judges all of them. Only tool entries differ (which name a tool must carry).
 */
const fields = {
  model: name,
  messages,
  system: content,
  stream: z.boolean().nullable().optional(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullable().optional() }).nullable().optional(),
  max_tokens: count,
  max_completion_tokens: count,
  functions: z.array(namedObject).max(L.tools).nullable().optional(),
  function_call: z.union([short, namedObject]).nullable().optional(),
  tool_choice: toolChoice,
  logprobs: scalar,
  top_logprobs: scalar,
  thinking,
  reasoning,
  reasoning_effort: scalar,
  chat_template_kwargs: z.looseObject({ enable_thinking: scalar, thinking: scalar }).nullable().optional(),
  mcp_servers: z
    .array(z.looseObject({ type: short.optional(), name, tool_configuration: z.looseObject({ allowed_tools: z.array(name).max(L.tools).nullable().optional() }).nullable().optional() }))
    .max(L.mcpServers)
    .nullable()
    .optional(),
  container: z
    .union([name, z.looseObject({ skills: z.array(z.looseObject({ type: short.optional(), skill_id: name })).max(L.skills).nullable().optional() })])
    .nullable()
    .optional(),
};

const openaiRequest = z.looseObject({ ...fields, tools: z.array(openaiTool).max(L.tools).nullable().optional() });
const anthropicRequest = z.looseObject({ ...fields, tools: z.array(anthropicTool).max(L.tools).nullable().optional() });

// The Responses API: `input` (a string or items with the chat message shape, or tool calls and their outputs),
// `instructions` (the system prompt), tools with a top-level name, and remote MCP servers as `mcp` tools.
const inputItem = z.looseObject({ type: short.optional(), role: short.optional(), content });
const inputItems = z.array(inputItem).max(L.messages);
const responsesTool = toolBase
  .extend({
    server_label: name.optional(),
    allowed_tools: z.union([z.array(name).max(L.tools), z.looseObject({ tool_names: z.array(name).max(L.tools).nullable().optional() })]).nullable().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.type === undefined) ctx.addIssue({ code: 'custom', path: ['type'], message: 'a Responses tool needs a type' });
    else if ((t.type === 'function' || t.type === 'custom') && t.name === undefined && t.function?.name === undefined && t.custom?.name === undefined)
      ctx.addIssue({ code: 'custom', path: ['name'], message: `a ${t.type} tool needs a name` });
    else if (t.type === 'mcp' && t.server_label === undefined) ctx.addIssue({ code: 'custom', path: ['server_label'], message: 'an mcp tool needs server_label' });
  });
const responsesRequest = z.looseObject({
  ...fields,
  messages: messages.optional(),
  input: z.union([z.string(), inputItems]).nullable().optional(),
  instructions: z.union([z.string(), inputItems]).nullable().optional(),
  max_output_tokens: count,
  include: z.array(short).max(64).nullable().optional(),
  tools: z.array(responsesTool).max(L.tools).nullable().optional(),
});

/** Text, a list of texts, token ids, or lists of token ids: what `/v1/completions` prompts and embeddings inputs are. */
const tokenIds = z.array(z.number().int()).max(L.tokenIds);
const textOrTokens = z.union([z.string(), z.array(z.string()).max(L.messages), tokenIds, z.array(tokenIds).max(L.messages)]);
const completionsRequest = z.looseObject({ ...fields, messages: messages.optional(), prompt: textOrTokens.nullable().optional(), tools: z.array(openaiTool).max(L.tools).nullable().optional() });
const embeddingsRequest = z.looseObject({ ...fields, messages: messages.optional(), input: textOrTokens, tools: z.array(openaiTool).max(L.tools).nullable().optional() });

const SCHEMAS: Record<DoorKind, z.ZodType> = {
  chat: openaiRequest,
  responses: responsesRequest,
  completions: completionsRequest,
  embeddings: embeddingsRequest,
  messages: anthropicRequest,
  count_tokens: anthropicRequest,
};

/** The fields each door's schema knows; any other field passes through unchecked. */
const KNOWN_FIELDS = Object.fromEntries(Object.entries(SCHEMAS).map(([k, s]) => [k, new Set(Object.keys((s as z.ZodObject).shape))])) as unknown as Record<DoorKind, ReadonlySet<string>>;
/** Doors whose schema requires `messages` (the others take their conversation under another name). */
const MESSAGES_REQUIRED: ReadonlySet<DoorKind> = new Set(['chat', 'messages', 'count_tokens']);
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;

const isCount = (v: unknown): boolean => v === null || v === undefined || (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0);
const isOptionalBoolean = (v: unknown): boolean => v === null || v === undefined || typeof v === 'boolean';

/**
 * The common request, checked without building anything: a model name, messages whose content is text, and
 * the stream and token-cap fields; every other field one the schema does not know. True only for bodies the
 * full schema accepts (a property test holds it to that); anything else, valid or not, goes to the schema,
 * which also words the error. zod copies every object it checks, a few KB per request.
 */
export function plainlyValid(kind: DoorKind, body: Record<string, unknown>): boolean {
  if (kind === 'embeddings') return false; // its `input` is required: left to the schema
  const known = KNOWN_FIELDS[kind];
  for (const k in body) {
    if (!Object.hasOwn(body, k) || !known.has(k)) continue;
    const v = body[k];
    switch (k) {
      case 'model':
        if (typeof v !== 'string' || v.length < 1 || v.length > L.nameChars || CONTROL_CHARS.test(v)) return false;
        break;
      case 'messages':
        if (!Array.isArray(v) || v.length > L.messages) return false;
        for (const m of v as unknown[]) {
          if (!isJsonObject(m) || typeof m.role !== 'string' || m.role.length > L.shortChars) return false;
          const c = m.content;
          if (c !== undefined && c !== null && typeof c !== 'string') return false;
        }
        break;
      case 'stream':
        if (!isOptionalBoolean(v)) return false;
        break;
      case 'stream_options':
        if (v !== null && (!isJsonObject(v) || !isOptionalBoolean(v.include_usage))) return false;
        break;
      case 'max_tokens':
      case 'max_completion_tokens':
        if (!isCount(v)) return false;
        break;
      default:
        return false;
    }
  }
  return typeof body.model === 'string' && (!MESSAGES_REQUIRED.has(kind) || Array.isArray(body.messages));
}

/** Throws invalid_request naming the first field whose shape Moat cannot judge. */
export function checkRequestShape(kind: DoorKind, body: Record<string, unknown>): void {
  if (plainlyValid(kind, body)) return;
  const issue = schemaIssue(kind, body);
  if (issue) throw new MoatError('invalid_request', `\`${issue.path}\`: ${issue.message}`, { param: issue.path });
}

/** The full schema's first complaint about a body (its field path and message), or undefined when it accepts it. */
export function schemaIssue(kind: DoorKind, body: Record<string, unknown>): { path: string; message: string } | undefined {
  const r = SCHEMAS[kind].safeParse(body);
  if (r.success) return undefined;
  const issue = r.error.issues[0] as z.core.$ZodIssue;
  return { path: formatPath(issue.path), message: issue.message };
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : (out ? '.' : '') + String(p);
  return out || '(body)';
}
