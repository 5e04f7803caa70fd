// What detection reads from one request body, for both APIs, tolerant of any shape: the user turns, the system
// prompt and the sampling parameters. Text is capped so a huge prompt costs a bounded amount of work.
export const PROMPT_CAP_CHARS = 8192;

export interface RequestView {
  /** Text of the last user turn (capped). */
  prompt: string;
  /** System prompt text (capped), '' when none. */
  system: string;
  userTurns: number;
  temperature?: number;
  maxTokens?: number;
  model: string;
  /** Anthropic `thinking` or OpenAI `reasoning_effort`/`reasoning`: asks the model to reason at length. */
  reasoningRequested: boolean;
  capped: boolean;
}

function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) {
    let s = '';
    for (const part of c) {
      if (part && typeof part === 'object' && typeof (part as { text?: unknown }).text === 'string') {
        s += (s ? '\n' : '') + (part as { text: string }).text;
        if (s.length > PROMPT_CAP_CHARS) break;
      }
    }
    return s;
  }
  return '';
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function viewRequest(body: unknown): RequestView {
  const b = body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  let prompt = '';
  let system = contentText(b.system);
  let userTurns = 0;
  const messages = Array.isArray(b.messages) ? b.messages : [];
  for (const m of messages) {
    if (!m || typeof m !== 'object') continue;
    const role = (m as { role?: unknown }).role;
    const text = contentText((m as { content?: unknown }).content);
    if (role === 'user') {
      userTurns++;
      prompt = text;
    } else if ((role === 'system' || role === 'developer') && !system) system = text;
  }
  if (!messages.length) {
    // Legacy completions and odd clients: fall back to `prompt` / `input`.
    const p = b.prompt ?? b.input;
    prompt = typeof p === 'string' ? p : contentText(p);
    if (prompt) userTurns = 1;
  }
  const capped = prompt.length > PROMPT_CAP_CHARS || system.length > PROMPT_CAP_CHARS;
  return {
    prompt: prompt.length > PROMPT_CAP_CHARS ? prompt.slice(0, PROMPT_CAP_CHARS) : prompt,
    system: system.length > PROMPT_CAP_CHARS ? system.slice(0, PROMPT_CAP_CHARS) : system,
    userTurns,
    temperature: num(b.temperature),
    maxTokens: num(b.max_tokens) ?? num(b.max_completion_tokens) ?? num(b.max_output_tokens),
    model: typeof b.model === 'string' ? b.model.slice(0, 200) : '',
    reasoningRequested:
      (b.thinking !== undefined && b.thinking !== null && (b.thinking as { type?: unknown }).type !== 'disabled') ||
      b.reasoning_effort !== undefined ||
      b.reasoning !== undefined,
    capped,
  };
}
