// Reads token usage and response text from upstream responses, streamed or not, per kind of front door.
//   Chat / completions stream: the final chunk with `usage` (and empty `choices`) when
//                     stream_options.include_usage is set.
//   Responses:        `usage.input_tokens/output_tokens` of the body, or of `response.completed` (also
//                     `response.incomplete` / `response.failed`) in a stream; text from `response.output_text.delta`.
//   Embeddings:       `usage.prompt_tokens`; no output.
//   Anthropic stream: `message_start.message.usage` (input, first output count) and `message_delta.usage`
//                     (cumulative output; newer servers also repeat input there).
//   Token counting:   no model work, nothing charged.
// A stream cut short (client gone, upstream closed) keeps what it saw; missing numbers are estimated
// (input from the request estimate, output at ~4 characters per token) so cut streams are still counted.
// Reasoning tokens (part of the output count) as OpenAI reports them (`completion_tokens_details` /
// `output_tokens_details`); Anthropic does not split them, so when a response holds thinking blocks they are the
// output beyond its visible text (~4 characters per token). Detection reads answer length without them.
import type { TraceUsage } from '../events/trace-format.js';
import type { DoorKind } from './front-doors.js';
import type { SseEvent } from './sse-parser.js';
import { isJsonObject } from '../json/is-json-object.js';

type Json = Record<string, unknown>;

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** An Anthropic content block of the model's reasoning (shown or encrypted). */
const isThinkingBlock = (b: unknown): boolean => isJsonObject(b) && (b.type === 'thinking' || b.type === 'redacted_thinking');

export class UsageMeter {
  private input: number | undefined;
  private output: number | undefined;
  private text = '';
  private outputChars = 0;
  /** Whether `output` is the final count (Anthropic's message_start only carries a provisional one). */
  private outputFinal = false;
  /** Reasoning tokens as the upstream reported them (OpenAI), or whether Anthropic thinking blocks were seen. */
  private reasoning: number | undefined;
  private thinking = false;
  /** The Responses API's id of the response (retrievable later when the upstream stored it). */
  private respId: string | undefined;

  constructor(
    readonly kind: DoorKind,
    private readonly textCap: number,
  ) {
    if (kind === 'count_tokens') {
      this.input = 0;
      this.output = 0;
      this.outputFinal = true;
    }
  }

  /** Observes one SSE event. Returns true when it is OpenAI's usage-only chunk (empty choices, usage set). */
  observeEvent(ev: SseEvent): boolean {
    if (ev.data === '' || ev.data === '[DONE]') return false;
    let msg: unknown;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return false;
    }
    if (!isJsonObject(msg)) return false;
    switch (this.kind) {
      case 'chat':
      case 'completions':
        return this.observeOpenAiChunk(msg);
      case 'responses':
        this.observeResponsesEvent(msg);
        return false;
      case 'messages':
        this.observeAnthropicEvent(msg);
        return false;
      default:
        return false;
    }
  }

  /** Observes a complete non-streaming response body. */
  observeBody(body: unknown): void {
    if (!isJsonObject(body)) return;
    const usage = body.usage;
    switch (this.kind) {
      case 'chat':
      case 'completions': {
        if (isJsonObject(usage)) this.setOpenAiUsage(usage);
        const choices = Array.isArray(body.choices) ? body.choices : [];
        for (const c of choices) {
          if (!isJsonObject(c)) continue;
          if (isJsonObject(c.message) && typeof c.message.content === 'string') this.addText(c.message.content);
          if (typeof c.text === 'string') this.addText(c.text);
        }
        break;
      }
      case 'responses':
        this.observeResponse(body);
        break;
      case 'embeddings':
        if (isJsonObject(usage)) {
          const p = num(usage.prompt_tokens) ?? num(usage.input_tokens);
          if (p !== undefined) this.input = p;
        }
        this.output = 0;
        this.outputFinal = true;
        break;
      case 'messages': {
        if (isJsonObject(usage)) this.setAnthropicUsage(usage, true);
        const content = Array.isArray(body.content) ? body.content : [];
        for (const b of content) {
          if (isJsonObject(b) && typeof b.text === 'string') this.addText(b.text);
          if (isThinkingBlock(b)) this.thinking = true;
        }
        break;
      }
      case 'count_tokens':
        break;
    }
  }

  /** Usage as reported, with estimates filling what a cut-short response never reported. */
  usage(inputEstimate: number): TraceUsage {
    const output = this.outputFinal ? (this.output ?? 0) : Math.max(this.output ?? 0, Math.ceil(this.outputChars / 4));
    const reasoning = this.reasoning ?? (this.thinking ? Math.max(0, output - Math.ceil(this.outputChars / 4)) : undefined);
    return { input_tokens: this.input ?? inputEstimate, output_tokens: output, ...(reasoning !== undefined ? { reasoning_tokens: Math.min(reasoning, output) } : {}) };
  }

  get reported(): boolean {
    return this.input !== undefined && this.outputFinal;
  }

  /** The id of a Responses API response, once seen. */
  get responseId(): string | undefined {
    return this.respId;
  }

  responseText(): string {
    return this.text;
  }

  private observeOpenAiChunk(msg: Json): boolean {
    const choices = Array.isArray(msg.choices) ? msg.choices : undefined;
    if (choices) {
      for (const c of choices) {
        if (!isJsonObject(c)) continue;
        if (isJsonObject(c.delta) && typeof c.delta.content === 'string') this.addText(c.delta.content);
        if (typeof c.text === 'string') this.addText(c.text); // legacy completions
      }
    }
    if (isJsonObject(msg.usage)) {
      this.setOpenAiUsage(msg.usage);
      return choices !== undefined && choices.length === 0;
    }
    return false;
  }

  private observeAnthropicEvent(msg: Json): void {
    switch (msg.type) {
      case 'message_start':
        if (isJsonObject(msg.message) && isJsonObject(msg.message.usage)) this.setAnthropicUsage(msg.message.usage, false);
        break;
      case 'message_delta':
        if (isJsonObject(msg.usage)) this.setAnthropicUsage(msg.usage, true);
        break;
      case 'content_block_start':
        if (isThinkingBlock(msg.content_block)) this.thinking = true;
        break;
      case 'content_block_delta':
        if (isJsonObject(msg.delta) && typeof msg.delta.text === 'string') this.addText(msg.delta.text);
        break;
    }
  }

  private observeResponsesEvent(msg: Json): void {
    if (this.respId === undefined && isJsonObject(msg.response) && typeof msg.response.id === 'string') this.respId = msg.response.id;
    switch (msg.type) {
      case 'response.output_text.delta':
        if (typeof msg.delta === 'string') this.addText(msg.delta);
        break;
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed':
        // The final response object; its text was already seen as deltas.
        if (isJsonObject(msg.response) && isJsonObject(msg.response.usage)) this.setResponsesUsage(msg.response.usage);
        break;
    }
  }

  /** A whole Responses API response object: usage and the text of its output messages. */
  private observeResponse(r: Json): void {
    if (typeof r.id === 'string') this.respId = r.id;
    if (isJsonObject(r.usage)) this.setResponsesUsage(r.usage);
    const output = Array.isArray(r.output) ? r.output : [];
    for (const item of output) {
      if (!isJsonObject(item) || !Array.isArray(item.content)) continue;
      for (const c of item.content) if (isJsonObject(c) && typeof c.text === 'string') this.addText(c.text);
    }
  }

  private setResponsesUsage(u: Json): void {
    const i = num(u.input_tokens);
    const o = num(u.output_tokens);
    if (i !== undefined) this.input = i;
    if (o !== undefined) {
      this.output = o;
      this.outputFinal = true;
    }
    if (isJsonObject(u.output_tokens_details)) this.reasoning = num(u.output_tokens_details.reasoning_tokens) ?? this.reasoning;
  }

  private setOpenAiUsage(u: Json): void {
    const p = num(u.prompt_tokens);
    const c = num(u.completion_tokens);
    if (p !== undefined) this.input = p;
    if (c !== undefined) {
      this.output = c;
      this.outputFinal = true;
    }
    if (isJsonObject(u.completion_tokens_details)) this.reasoning = num(u.completion_tokens_details.reasoning_tokens) ?? this.reasoning;
  }

  /** Input counts cache writes and reads too: all of them are input the model processed. */
  private setAnthropicUsage(u: Json, final: boolean): void {
    const i = num(u.input_tokens);
    if (i !== undefined) this.input = i + (num(u.cache_creation_input_tokens) ?? 0) + (num(u.cache_read_input_tokens) ?? 0);
    const o = num(u.output_tokens);
    if (o !== undefined) {
      this.output = o;
      this.outputFinal = final;
    }
  }

  private addText(t: string): void {
    this.outputChars += t.length;
    if (this.text.length < this.textCap) this.text += t.slice(0, this.textCap - this.text.length);
  }
}
