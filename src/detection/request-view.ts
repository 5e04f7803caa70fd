// What detection reads from one request body, for both APIs (chat completions, legacy completions, the
// Responses API, messages), tolerant of any shape: the user turns, the system prompt and the sampling
// parameters. Text is capped so a huge prompt costs a bounded amount of work.
import { fnv1a, mixHash } from './text/hash.js';

export const PROMPT_CAP_CHARS = 8192;
/** A user turn shorter than this is read as a follow-up to an earlier one. */
export const FOLLOW_UP_CHARS = 80;

export interface RequestView {
  /** Text of the last user turn (capped). */
  prompt: string;
  /**
   * For short follow-ups ("so the answer is 42?"): the last earlier user turn that is not itself a short follow-up,
   * else the turn just before ('' when none). A chain of follow-ups is read with the question it follows.
   */
  previous: string;
  /** System prompt text (capped), '' when none. */
  system: string;
  userTurns: number;
  /**
   * A digest of the conversation around the last user turn: every user, assistant and tool message before it and
   * after it (an agent's tool calls and results), by role, length and first characters; 0 when the request has one
   * user turn. A conversation never repeats it: each turn or tool step adds to it. Two requests with the same
   * history are one fixed preamble around different items.
   */
  history: number;
  /**
   * The last user turn's digest (role, length, first characters and ids: as `history` reads each message), 0 when
   * none; and the digest of the last user turn before it that was answered (an assistant or tool message follows
   * it), 0 when none was: what the request before it in the conversation ended on. A conversation's follow-up
   * carries, as its `parentTurn`, what an earlier request of the conversation carried as its `turn`. User messages
   * sent back to back (a document, then the question) follow no answer, so the first request reads as an opening.
   */
  turn: number;
  parentTurn: number;
  /** Messages follow the last user turn: an agent's tool calls and results after the human's last words. */
  stepsAfterTurn: boolean;
  /** The body continues a conversation stored upstream (Responses API `previous_response_id` or `conversation`). */
  continues: boolean;
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  n?: number;
  /** logprobs / top_logprobs asked for. */
  logprobs: boolean;
  logitBias: boolean;
  /**
   * Hashes of the token ids a logit_bias map names, the TOOL_NAMES smallest (undefined when none): an application
   * that steers its answers biases the same few tokens on every request, while extracting the model's output layer
   * through the API (Carlini et al., arXiv 2403.06634) biases new ones with nearly every request.
   */
  biasTokens: Uint32Array | undefined;
  /**
   * The logit_bias map's tokens and values as one hash, whatever their order (0 when none): the same request sent
   * again has the same; a sweep that moves the biased tokens or their values (a search on one token's logit) not.
   */
  biasDigest: number;
  seed: boolean;
  stream: boolean;
  /** Number of tools (function, legacy functions, server tools) offered. */
  tools: number;
  /**
   * Hashes of the names of the tools offered, the TOOL_NAMES smallest (undefined when none has a name): the same
   * catalogue gives the same hashes whatever its order or size, so an org's tool memory stays small.
   */
  toolNames: Uint32Array | undefined;
  /**
   * Messages of the conversation that call a tool or carry a tool's result: an agent's loop. Offering tools costs a
   * sender nothing (a framework's default list, a decoy); running them is what an agent does.
   */
  toolSteps: number;
  /** A JSON response format (json_object / json_schema). */
  jsonFormat: boolean;
  model: string;
  /** Anthropic `thinking` or OpenAI `reasoning_effort`/`reasoning`: asks the model to reason at length. */
  reasoningRequested: boolean;
  /** The body's top-level parameter names besides the conversation (sorted), for the request's shape. */
  paramKeys: string;
  capped: boolean;
}

const CONVERSATION_KEYS = new Set(['messages', 'system', 'prompt', 'input', 'instructions', 'model', 'metadata', 'user']);
/** Characters of each earlier message the history digest reads: enough to tell conversations apart, bounded cost. */
const HISTORY_CHARS = 256;

function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    let s = '';
    for (const part of c) {
      if (typeof part === 'string') s += (s ? '\n' : '') + part;
      else if (part && typeof part === 'object') {
        const t = (part as { text?: unknown }).text;
        if (typeof t === 'string') s += (s ? '\n' : '') + t;
      }
      if (s.length > PROMPT_CAP_CHARS) break;
    }
    return s;
  }
  return '';
}

/** The Responses API's `instructions`: a string, or input items (developer / system messages) whose text counts. */
function instructionsText(v: unknown): string {
  if (!Array.isArray(v)) return contentText(v);
  let s = '';
  for (const item of v) {
    const t = item && typeof item === 'object' ? contentText((item as { content?: unknown }).content) : '';
    if (t) s += (s ? '\n' : '') + t;
    if (s.length > PROMPT_CAP_CHARS) break;
  }
  return s || contentText(v);
}

/** An id's hash mixed into h (tool calls and results carry ids unique to each call), else h. */
function withId(h: number, id: unknown): number {
  return typeof id === 'string' ? mixHash(h, fnv1a(id.length > 64 ? id.slice(0, 64) : id)) : h;
}

/**
 * One message of the history digest: its role, its text's length and first characters, and the ids of any tool
 * calls or results it carries (whose text the prompt reading skips, so without their ids every step of an agent's
 * loop would look alike).
 */
function messageDigest(m: Record<string, unknown>, role: unknown, text: string): number {
  let h = mixHash(fnv1a(typeof role === 'string' ? role : ''), mixHash(text.length, fnv1a(text.length > HISTORY_CHARS ? text.slice(0, HISTORY_CHARS) : text)));
  // Chat tool results (tool_call_id); Responses API items (function_call and its output carry call_id, items an id).
  h = withId(withId(withId(h, m.tool_call_id), m.call_id), m.id);
  if (Array.isArray(m.tool_calls)) for (const c of m.tool_calls.slice(0, 16)) h = withId(h, (c as { id?: unknown } | null)?.id);
  if (Array.isArray(m.content))
    for (const part of m.content.slice(0, 64)) {
      if (!part || typeof part !== 'object') continue;
      const p = part as { id?: unknown; tool_use_id?: unknown; call_id?: unknown };
      h = withId(withId(withId(h, p.id), p.tool_use_id), p.call_id);
    }
  return h;
}

const TOOL_ROLES = new Set(['tool', 'function']);
const TOOL_CALL_PARTS = new Set(['tool_use', 'server_tool_use']);
/** A content block carrying a tool's result: Anthropic's tool_result and server tools' `*_tool_result` blocks. */
const isToolResultPart = (t: string): boolean => t === 'tool_result' || t.endsWith('_tool_result');

/**
 * Whether a message (or a Responses API input item) calls a tool or carries its result: chat `tool` / `function`
 * messages and assistant `tool_calls`, Anthropic tool_use / tool_result blocks, Responses items of type
 * function_call, function_call_output and the other `*_call` / `*_call_output` kinds.
 */
function isToolStep(m: Record<string, unknown>): boolean {
  if (typeof m.role === 'string' && TOOL_ROLES.has(m.role)) return true;
  if ((Array.isArray(m.tool_calls) && m.tool_calls.length > 0) || (m.function_call && typeof m.function_call === 'object')) return true;
  if (typeof m.type === 'string' && (m.type.endsWith('_call') || m.type.endsWith('_call_output'))) return true;
  if (Array.isArray(m.content))
    for (const part of m.content.slice(0, 64)) {
      const t = part && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
      if (typeof t === 'string' && (TOOL_CALL_PARTS.has(t) || isToolResultPart(t))) return true;
    }
  return false;
}

/** Tool names a request is judged by: the smallest hashes of its offered tools' names (a bottom-k sample). */
export const TOOL_NAMES = 8;
const TOOL_SCAN = 256;

/** A tool's name in any API's shape: chat `function.name`, Responses / Anthropic / legacy `name`. */
function toolName(t: unknown): string | undefined {
  if (!t || typeof t !== 'object') return undefined;
  const o = t as { name?: unknown; function?: unknown };
  if (typeof o.name === 'string') return o.name;
  const f = o.function;
  return f && typeof f === 'object' && typeof (f as { name?: unknown }).name === 'string' ? (f as { name: string }).name : undefined;
}

/** The TOOL_NAMES smallest distinct name hashes of the tools offered (of the first TOOL_SCAN), ascending. */
function toolNameHashes(...lists: Array<unknown[] | undefined>): Uint32Array | undefined {
  const names: string[] = [];
  let seen = 0;
  for (const list of lists)
    for (const t of list ?? []) {
      if (++seen > TOOL_SCAN) break;
      const name = toolName(t);
      if (name !== undefined && name !== '') names.push(name);
    }
  return bottomHashes(names);
}

/**
 * The TOOL_NAMES smallest distinct hashes of some names (each cut at 64 characters), ascending: a sample of a set
 * that two requests offering the same set share whatever the order, and that changes when the set does.
 */
function bottomHashes(names: readonly string[]): Uint32Array | undefined {
  const best = new Uint32Array(TOOL_NAMES);
  let k = 0;
  for (const name of names) {
    const h = fnv1a(name.length > 64 ? name.slice(0, 64) : name) >>> 0;
    // Insertion into the sorted bottom-k, skipping a name given twice.
    let i = k;
    while (i > 0 && best[i - 1]! > h) i--;
    if (i > 0 && best[i - 1] === h) continue;
    if (i >= TOOL_NAMES) continue;
    for (let j = Math.min(k, TOOL_NAMES - 1); j > i; j--) best[j] = best[j - 1]!;
    best[i] = h;
    if (k < TOOL_NAMES) k++;
  }
  return k === 0 ? undefined : k === TOOL_NAMES ? best : best.slice(0, k);
}

/** Token ids a logit_bias map names (of its first TOOL_SCAN keys): the tokens whose odds the request moves. */
function biasTokenHashes(bias: unknown): { tokens: Uint32Array; digest: number } | undefined {
  if (!bias || typeof bias !== 'object' || Array.isArray(bias)) return undefined;
  const keys: string[] = [];
  let digest = 0;
  for (const k in bias) {
    if (keys.length >= TOOL_SCAN) break;
    keys.push(k);
    const v = (bias as Record<string, unknown>)[k];
    digest = (digest + mixHash(fnv1a(k), fnv1a(typeof v === 'number' ? String(v) : typeof v))) >>> 0;
  }
  const tokens = bottomHashes(keys);
  return tokens ? { tokens, digest } : undefined;
}

/** Content made of tool results and nothing the user wrote (no text part): Anthropic's tool_result blocks. */
function toolResultsOnly(c: unknown): boolean {
  if (!Array.isArray(c) || c.length === 0) return false;
  for (const part of c.slice(0, 64)) {
    const t = part && typeof part === 'object' ? (part as { type?: unknown }).type : undefined;
    if (typeof t !== 'string' || !isToolResultPart(t)) return false;
  }
  return true;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** The answer budget a request body sets, whichever API's name it uses (chat completions, o-series, Responses). */
export function answerBudgetOf(b: Record<string, unknown>): number | undefined {
  return num(b.max_tokens) ?? num(b.max_completion_tokens) ?? num(b.max_output_tokens);
}

function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && v !== 'false';
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Whether a body names a conversation stored upstream: a Responses API `previous_response_id`, or a `conversation`
 * given as its id or as an object carrying one. Anything else in those fields (false, {}, '') names nothing, so it
 * cannot make a sweep's requests read as follow-ups.
 */
function storedConversation(b: Record<string, unknown>): boolean {
  const c = b.conversation;
  return isId(b.previous_response_id) || isId(c) || (!!c && typeof c === 'object' && isId((c as { id?: unknown }).id));
}


/**
 * Whether a request to `endpoint` can name a conversation stored upstream: only the Responses API keeps one. A chat
 * or messages body carrying `previous_response_id` is refused by OpenAI and Anthropic, but an OpenAI-compatible
 * upstream that ignores unknown fields would answer it, and the field would make a sweep read as follow-ups. A trace
 * written before doors were recorded (no endpoint) is read as before.
 */
function storesConversations(endpoint: string | undefined): boolean {
  return endpoint === undefined || endpoint.endsWith('/responses');
}

/** `endpoint`: the door's path as the trace records it (TraceRequestLine.endpoint). */
export function viewRequest(body: unknown, endpoint?: string): RequestView {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const stored = storesConversations(endpoint);
  let prompt = '';
  let previous = '';
  let system = contentText(b.system) || instructionsText(b.instructions);
  let userTurns = 0;
  // The digest of every message so far, its value just before the last user turn, and of the messages after it.
  let digest = 0;
  let history = 0;
  let after = 0;
  let turn = 0;
  let parentTurn = 0;
  let answered = 0;
  let toolSteps = 0;
  // Chat messages, or the Responses API's input items (same role/content shape).
  const messages = Array.isArray(b.messages) ? b.messages : Array.isArray(b.input) ? b.input : [];
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    if (isToolStep(m as Record<string, unknown>)) toolSteps++;
    const role = (m as { role?: unknown }).role;
    const text = contentText((m as { content?: unknown }).content);
    if (role === 'system' || role === 'developer') {
      if (!system) system = text;
      continue;
    }
    // A user message made only of tool results (Anthropic's shape for an agent's loop) is a tool step, as OpenAI's
    // `tool` message is: read as the user's turn, every step after the first would have no prompt, and a request
    // could hide its words from the classifier behind a trailing tool result.
    const userTurn = role === 'user' && !(text === '' && toolResultsOnly((m as { content?: unknown }).content));
    if (userTurn) {
      userTurns++;
      if (userTurns > 1 && (prompt.length >= FOLLOW_UP_CHARS || previous.length < FOLLOW_UP_CHARS)) previous = prompt;
      prompt = text;
      history = digest;
      after = 0;
    }
    const d = messageDigest(m as Record<string, unknown>, role, text);
    if (userTurn) {
      parentTurn = answered;
      // Zero is "none": map a real digest of zero away from it.
      turn = d || 1;
    } else answered = turn;
    digest = mixHash(digest, d);
    if (!userTurn) after = mixHash(after, d);
  }
  if (userTurns <= 1) history = 0;
  else {
    if (after !== 0) history = mixHash(history, after);
    // A zero digest is "no history": map the (unlikely) zero hash of a real one away from it.
    if (history === 0) history = 1;
  }
  // A Responses API follow-up keeps its conversation upstream; the response it continues stands for its history,
  // so items sent one after another behind the same stored preamble repeat it as a fixed preamble would.
  if (history === 0 && stored && isId(b.previous_response_id)) history = fnv1a(b.previous_response_id.slice(0, 200)) || 1;
  if (!userTurns) {
    // Legacy completions and the Responses API's string input.
    const p = b.prompt ?? (typeof b.input === 'string' ? b.input : undefined);
    prompt = typeof p === 'string' ? p : contentText(p);
    if (prompt) {
      userTurns = 1;
      turn = messageDigest({}, 'user', prompt) || 1;
    }
  }
  const capped = prompt.length > PROMPT_CAP_CHARS || system.length > PROMPT_CAP_CHARS;
  const toolList = Array.isArray(b.tools) ? (b.tools as unknown[]) : undefined;
  const functionList = Array.isArray(b.functions) ? (b.functions as unknown[]) : undefined;
  const tools = (toolList?.length ?? 0) + (functionList?.length ?? 0);
  const rf = b.response_format ?? (b.text && typeof b.text === 'object' ? (b.text as { format?: unknown }).format : undefined);
  const rfType = rf && typeof rf === 'object' ? (rf as { type?: unknown }).type : undefined;
  const bias = biasTokenHashes(b.logit_bias);
  const keys: string[] = [];
  for (const k of Object.keys(b)) if (!CONVERSATION_KEYS.has(k) && keys.length < 32) keys.push(k.slice(0, 40));
  keys.sort();
  return {
    prompt: prompt.length > PROMPT_CAP_CHARS ? prompt.slice(0, PROMPT_CAP_CHARS) : prompt,
    previous: previous.length > PROMPT_CAP_CHARS ? previous.slice(0, PROMPT_CAP_CHARS) : previous,
    system: system.length > PROMPT_CAP_CHARS ? system.slice(0, PROMPT_CAP_CHARS) : system,
    userTurns,
    history,
    turn,
    parentTurn,
    stepsAfterTurn: after !== 0,
    continues: stored && storedConversation(b),
    temperature: num(b.temperature),
    maxTokens: answerBudgetOf(b),
    topP: num(b.top_p),
    n: num(b.n),
    logprobs: truthy(b.logprobs) || (num(b.top_logprobs) ?? 0) > 0,
    logitBias: bias !== undefined,
    biasTokens: bias?.tokens,
    biasDigest: bias?.digest ?? 0,
    seed: b.seed !== undefined && b.seed !== null,
    stream: b.stream === true,
    tools,
    toolNames: tools > 0 ? toolNameHashes(toolList, functionList) : undefined,
    toolSteps,
    jsonFormat: rfType === 'json_object' || rfType === 'json_schema',
    model: typeof b.model === 'string' ? b.model.slice(0, 200) : '',
    reasoningRequested:
      (b.thinking !== undefined && b.thinking !== null && (b.thinking as { type?: unknown }).type !== 'disabled') ||
      b.reasoning_effort !== undefined ||
      b.reasoning !== undefined,
    paramKeys: keys.join(','),
    capped,
  };
}
