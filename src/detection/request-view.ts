// What detection reads from one request body, for both APIs (chat completions, legacy completions, the
// Responses API, messages), tolerant of any shape: the user turns, the system prompt and the sampling
// parameters. Text is capped so a huge prompt costs a bounded amount of work.
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
  temperature?: number;
  maxTokens?: number;
  topP?: number;
  n?: number;
  /** logprobs / top_logprobs asked for. */
  logprobs: boolean;
  logitBias: boolean;
  seed: boolean;
  stream: boolean;
  /** Number of tools (function, legacy functions, server tools) offered. */
  tools: number;
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

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function truthy(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false && v !== 0 && v !== '' && v !== 'false';
}

export function viewRequest(body: unknown): RequestView {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  let prompt = '';
  let previous = '';
  let system = contentText(b.system) || instructionsText(b.instructions);
  let userTurns = 0;
  // Chat messages, or the Responses API's input items (same role/content shape).
  const messages = Array.isArray(b.messages) ? b.messages : Array.isArray(b.input) ? b.input : [];
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const role = (m as { role?: unknown }).role;
    const text = contentText((m as { content?: unknown }).content);
    if (role === 'user') {
      userTurns++;
      if (userTurns > 1 && (prompt.length >= FOLLOW_UP_CHARS || previous.length < FOLLOW_UP_CHARS)) previous = prompt;
      prompt = text;
    } else if ((role === 'system' || role === 'developer') && !system) system = text;
  }
  if (!userTurns) {
    // Legacy completions and the Responses API's string input.
    const p = b.prompt ?? (typeof b.input === 'string' ? b.input : undefined);
    prompt = typeof p === 'string' ? p : contentText(p);
    if (prompt) userTurns = 1;
  }
  const capped = prompt.length > PROMPT_CAP_CHARS || system.length > PROMPT_CAP_CHARS;
  const tools = (Array.isArray(b.tools) ? b.tools.length : 0) + (Array.isArray(b.functions) ? b.functions.length : 0);
  const rf = b.response_format ?? (b.text && typeof b.text === 'object' ? (b.text as { format?: unknown }).format : undefined);
  const rfType = rf && typeof rf === 'object' ? (rf as { type?: unknown }).type : undefined;
  const keys: string[] = [];
  for (const k of Object.keys(b)) if (!CONVERSATION_KEYS.has(k) && keys.length < 32) keys.push(k.slice(0, 40));
  keys.sort();
  return {
    prompt: prompt.length > PROMPT_CAP_CHARS ? prompt.slice(0, PROMPT_CAP_CHARS) : prompt,
    previous: previous.length > PROMPT_CAP_CHARS ? previous.slice(0, PROMPT_CAP_CHARS) : previous,
    system: system.length > PROMPT_CAP_CHARS ? system.slice(0, PROMPT_CAP_CHARS) : system,
    userTurns,
    temperature: num(b.temperature),
    maxTokens: num(b.max_tokens) ?? num(b.max_completion_tokens) ?? num(b.max_output_tokens),
    topP: num(b.top_p),
    n: num(b.n),
    logprobs: truthy(b.logprobs) || (num(b.top_logprobs) ?? 0) > 0,
    logitBias: !!b.logit_bias && typeof b.logit_bias === 'object' && Object.keys(b.logit_bias).length > 0,
    seed: b.seed !== undefined && b.seed !== null,
    stream: b.stream === true,
    tools,
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
