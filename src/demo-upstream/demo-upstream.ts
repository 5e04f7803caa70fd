// The built-in demo upstream: a STAND-IN for a real model server, not a model. It speaks the wire formats of
// every front door Moat serves — OpenAI chat completions, Responses, legacy completions and embeddings;
// Anthropic messages and token counting; model lists and lookups — exactly (streaming and usage included) and
// answers deterministically by echoing, so Moat can be tried and tested without a model. Every reply says what
// it is; embeddings are a hash of the text, not a meaning.
// Tests steer it with setBehavior() (delays, and failure modes: garbage, close mid-stream, hangs).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { UpstreamSchema, type UpstreamConfig } from '../config/schema.js';
import { createDemoBatches, type DemoBatches } from './demo-batches.js';
import { isJsonObject } from '../json/is-json-object.js';

export const DEMO_NOTICE = '[Moat demo upstream: a stand-in, not a model]';
/** Words a long demo answer is padded with (replyWords). */
const FILLER = 'and so on, word after word, as long as asked. '.split(/(?<=\s)/);

export type DemoFault =
  | 'none'
  /** 200 with a body that is neither JSON nor an event stream. */
  | 'garbage'
  /** Bytes that are not HTTP at all. */
  | 'invalid-http'
  /** Headers and part of the body, then the connection is destroyed. */
  | 'close-mid-stream'
  /** Accepts the request and never answers. */
  | 'hang-before-headers'
  /** Answers 503 at once, in the caller's error format. */
  | 'http-503'
  /** Headers and the first part of the body, then silence. */
  | 'hang-mid-body';

export interface DemoBehavior {
  fault: DemoFault;
  /** Delay before the response headers. */
  delayMs: number;
  /** Delay between streamed chunks. */
  chunkDelayMs: number;
  /** Batches end as soon as they are created (default); false leaves them in progress until cancelled. */
  batchesComplete: boolean;
  /**
   * Words in each answer (0: the echo alone). Tests that replay simulated traffic set it per request to the
   * simulated answer's length, since detection reads how long answers are.
   */
  replyWords: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface DemoUpstream {
  url: string;
  port: number;
  /** Requests received, oldest first (the last 100). */
  requests: RecordedRequest[];
  /** Streams whose connection closed before the stream ended (e.g. Moat aborted the upstream request). */
  stats: { abortedStreams: number };
  setBehavior(b: Partial<DemoBehavior>): void;
  /** Batches and files the demo holds (bounded). */
  batches: DemoBatches;
  close(): Promise<void>;
}

export interface DemoUpstreamOptions {
  port?: number;
  host?: string;
  models?: string[];
  /** Epoch milliseconds for `created` fields (deterministic in tests). */
  now?: () => number;
}

type Json = Record<string, unknown>;
type DemoKind = 'chat' | 'responses' | 'completions' | 'embeddings' | 'messages' | 'count_tokens';
const DEMO_PATHS: Record<string, DemoKind | undefined> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
  '/v1/messages': 'messages',
  '/v1/messages/count_tokens': 'count_tokens',
};

export async function startDemoUpstream(opts: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const models = opts.models ?? ['demo-gpt', 'demo-claude'];
  const now = opts.now ?? (() => Date.now());
  let behavior: DemoBehavior = { fault: 'none', delayMs: 0, chunkDelayMs: 0, batchesComplete: true, replyWords: 0 };
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const stats = { abortedStreams: 0 };
  let seq = 0;
  /** Responses kept for `GET /v1/responses/{id}` (the last 1,000). */
  const storedResponses = new Map<string, Json>();
  const batches = createDemoBatches({
    now,
    run(kind, body, n) {
      const refused = refusal(kind, body, kind === 'messages', models);
      if (refused) return refused;
      const b = body as Json;
      return wholeAnswer(kind, b.model as string, b, { n, created: Math.floor(now() / 1000) });
    },
  });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const text = raw.toString('utf8');
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = text;
      }
      requests.push({ method: req.method ?? '', path: req.url ?? '', headers: { ...req.headers }, body });
      if (requests.length > 100) requests.shift();
      const b = behavior;
      const go = () => void answer(req, res, body, b, ++seq, raw).catch(() => res.destroy());
      if (b.delayMs > 0) setTimeout(go, b.delayMs);
      else go();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function answer(req: IncomingMessage, res: ServerResponse, body: unknown, b: DemoBehavior, n: number, raw: Buffer): Promise<void> {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    if (b.fault === 'none') {
      const batch = await batches.answer(req.method ?? '', path, req.headers, raw, b.batchesComplete);
      if (batch) return batch.text !== undefined ? sendText(res, batch.status, batch.text, batch.contentType) : json(res, batch.status, batch.body);
    }
    const anthropic = path.startsWith('/v1/messages') || (path.startsWith('/v1/models') && req.headers['anthropic-version'] !== undefined);
    const stored = /^\/v1\/responses\/([^/]+)(\/cancel)?$/.exec(path);
    if (stored) {
      const r = storedResponses.get(stored[1] as string);
      if (!r) return json(res, 404, apiError(false, 404, 'invalid_request_error', `Response with id '${stored[1]}' not found.`));
      if (req.method === 'POST' && stored[2]) return json(res, 400, apiError(false, 400, 'invalid_request_error', 'Only responses created with background=true can be cancelled.'));
      return json(res, 200, r);
    }
    if (req.method === 'GET' && path === '/v1/models') return json(res, 200, modelList(anthropic, models));
    if (req.method === 'GET' && path.startsWith('/v1/models/')) {
      const id = decodeURIComponent(path.slice('/v1/models/'.length));
      if (!models.includes(id)) return json(res, 404, apiError(anthropic, 404, 'not_found_error', `model: ${id} not found`));
      return json(res, 200, modelObject(anthropic, id));
    }
    const kind = req.method === 'POST' ? DEMO_PATHS[path] : undefined;
    if (!kind) return json(res, 404, apiError(anthropic, 404, 'not_found_error', `Unknown path ${path}`));
    if (b.fault === 'hang-before-headers') return; // the test (or close()) ends the socket
    if (b.fault === 'invalid-http') {
      res.socket?.end('THIS IS NOT HTTP\r\n\r\n');
      return;
    }
    if (b.fault === 'garbage') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('<<< demo upstream garbage: not JSON, not SSE >>>');
      return;
    }
    if (b.fault === 'http-503') return json(res, 503, apiError(anthropic, 503, 'overloaded_error', 'Demo upstream told to fail'));
    const refused = refusal(kind, body, anthropic, models);
    if (refused) return json(res, refused.status, refused.body);
    if (!isJsonObject(body) || typeof body.model !== 'string') return;
    const model = body.model;
    if (kind === 'embeddings') return json(res, 200, embeddingsResponse(model, body));
    if (kind === 'count_tokens') return json(res, 200, { input_tokens: demoReply(body, true).inputTokens });
    const reply = demoReply(body, kind === 'messages', b.replyWords);
    const ids = { n, created: Math.floor(now() / 1000) };
    if (kind === 'responses' && body.store !== false) {
      const r = responseObject(model, reply, ids, 'completed');
      storedResponses.set(r.id as string, r);
      if (storedResponses.size > 1000) storedResponses.delete(storedResponses.keys().next().value as string);
    }
    if (body.stream === true) {
      const events =
        kind === 'messages'
          ? anthropicStream(model, reply, ids)
          : kind === 'responses'
            ? responsesStream(model, reply, ids)
            : kind === 'completions'
              ? completionsStream(model, reply, ids, includeUsage(body))
              : openAiStream(model, reply, ids, includeUsage(body));
      return streamEvents(res, events, b);
    }
    const full = wholeAnswer(kind, model, body, ids, b.replyWords).body;
    if (b.fault === 'close-mid-stream' || b.fault === 'hang-mid-body') {
      const text = JSON.stringify(full);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
      await new Promise((r) => res.write(text.slice(0, Math.floor(text.length / 2)), r));
      if (b.fault === 'close-mid-stream') res.destroy();
      return;
    }
    return json(res, 200, full);
  }

  async function streamEvents(res: ServerResponse, events: string[], b: DemoBehavior): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.on('close', () => {
      if (!res.writableFinished && b.fault === 'none') stats.abortedStreams++;
    });
    const cutAt = b.fault === 'close-mid-stream' || b.fault === 'hang-mid-body' ? 3 : events.length;
    for (let i = 0; i < cutAt && i < events.length; i++) {
      if (res.destroyed) return;
      // Wait for each write to reach the socket so a deliberate destroy() below cannot swallow it.
      await new Promise((r) => res.write(events[i] as string, r));
      if (b.chunkDelayMs > 0) await new Promise((r) => setTimeout(r, b.chunkDelayMs));
    }
    if (b.fault === 'close-mid-stream') res.destroy();
    else if (b.fault !== 'hang-mid-body') res.end();
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', () => batches.setUrl(`http://${opts.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`));
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${opts.host ?? '127.0.0.1'}:${port}`,
    port,
    requests,
    stats,
    batches,
    setBehavior(b) {
      behavior = { ...behavior, ...b };
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}

/** Upstream entries routing the demo's models: names containing "claude" speak Anthropic, the rest OpenAI. */
export function demoUpstreamConfigs(url: string, models: string[]): UpstreamConfig[] {
  const claude = models.filter((m) => m.includes('claude'));
  const other = models.filter((m) => !m.includes('claude'));
  const out: UpstreamConfig[] = [];
  if (other.length) out.push(UpstreamSchema.parse({ name: 'demo-openai', api: 'openai', baseUrl: url, models: other }));
  if (claude.length) out.push(UpstreamSchema.parse({ name: 'demo-anthropic', api: 'anthropic', baseUrl: url, models: claude }));
  return out;
}

/** The demo's refusal of a request body (the model server's own 4xx), or undefined when it would answer. */
function refusal(kind: DemoKind, body: unknown, anthropic: boolean, models: readonly string[]): { status: number; body: Json } | undefined {
  if (!isJsonObject(body)) return err(400, apiError(anthropic, 400, 'invalid_request_error', 'Body must be a JSON object'));
  const model = body.model;
  if (typeof model !== 'string') return err(400, apiError(anthropic, 400, 'invalid_request_error', 'model: Field required'));
  if (!models.includes(model)) return err(404, apiError(anthropic, 404, 'not_found_error', `model: ${model} not found`));
  if (kind === 'messages' && typeof body.max_tokens !== 'number') return err(400, apiError(true, 400, 'invalid_request_error', 'max_tokens: Field required'));
  return undefined;
}

const err = (status: number, body: Json) => ({ status, body });

/** A whole (non-streamed) answer of the demo for a body it accepts. */
function wholeAnswer(kind: DemoKind, model: string, body: Json, ids: { n: number; created: number }, replyWords = 0): { status: number; body: Json } {
  if (kind === 'embeddings') return { status: 200, body: embeddingsResponse(model, body) };
  if (kind === 'count_tokens') return { status: 200, body: { input_tokens: demoReply(body, true).inputTokens } };
  const reply = demoReply(body, kind === 'messages', replyWords);
  const full =
    kind === 'messages'
      ? anthropicMessage(model, reply, ids)
      : kind === 'responses'
        ? responseObject(model, reply, ids, 'completed')
        : kind === 'completions'
          ? textCompletion(model, reply, ids)
          : openAiCompletion(model, reply, ids);
  return { status: 200, body: full };
}

interface Reply {
  /** Output pieces, one per token (the demo counts a word with its trailing space as one token). */
  pieces: string[];
  inputTokens: number;
  truncated: boolean;
}

/** Input tokens the demo charges for an image or document part (a real server counts pixels and pages). */
const DEMO_MEDIA_TOKENS = { openai: 765, anthropic: 1600 } as const;

/**
 * Deterministic echo of the last user turn (chat messages, the Responses API's input, or a completions prompt);
 * token counts: input = characters / 4 (rounded up) plus a fixed cost per image or document part, output = one
 * per word.
 */
export function demoReply(body: Json, anthropic: boolean, replyWords = 0): Reply {
  const turns = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : [];
  const media = { parts: 0 };
  let chars = contentText(body.system, media).length + contentText(body.instructions, media).length;
  let lastUser = '';
  for (const m of turns) {
    if (!isJsonObject(m)) continue;
    const t = contentText(m.content, media);
    chars += t.length;
    if (m.role === 'user') lastUser = t;
  }
  const prompt = typeof body.input === 'string' ? body.input : body.prompt;
  if (typeof prompt === 'string') {
    chars += prompt.length;
    lastUser = prompt;
  } else if (Array.isArray(prompt) && typeof prompt[0] === 'string') {
    chars += prompt.join('').length;
    lastUser = String(prompt[0]);
  }
  if (Array.isArray(body.tools)) chars += JSON.stringify(body.tools).length;
  const words = `${DEMO_NOTICE} You said: ${lastUser.slice(0, 200)}`.split(/(?<=\s)/);
  for (let i = 0; words.length < replyWords; i++) words.push(FILLER[i % FILLER.length]!);
  const max = anthropic ? body.max_tokens : (body.max_output_tokens ?? body.max_completion_tokens ?? body.max_tokens);
  const limit = typeof max === 'number' && max > 0 ? max : Infinity;
  const mediaTokens = media.parts * DEMO_MEDIA_TOKENS[anthropic ? 'anthropic' : 'openai'];
  return { pieces: words.slice(0, limit), inputTokens: Math.max(1, Math.ceil(chars / 4) + mediaTokens), truncated: words.length > limit };
}

const MEDIA_PARTS = new Set(['image', 'image_url', 'input_image', 'document', 'input_file', 'file']);

function contentText(c: unknown, media: { parts: number }): string {
  if (typeof c === 'string') return c;
  if (!Array.isArray(c)) return '';
  let out = '';
  for (const p of c) {
    if (!isJsonObject(p)) continue;
    if (typeof p.type === 'string' && MEDIA_PARTS.has(p.type)) media.parts++;
    else if (typeof p.text === 'string') out += p.text;
  }
  return out;
}

function includeUsage(body: Json): boolean {
  return isJsonObject(body.stream_options) && body.stream_options.include_usage === true;
}

function openAiCompletion(model: string, r: Reply, ids: { n: number; created: number }): Json {
  return {
    id: `chatcmpl-demo${String(ids.n).padStart(6, '0')}`,
    object: 'chat.completion',
    created: ids.created,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: r.pieces.join(''), refusal: null, annotations: [] }, logprobs: null, finish_reason: r.truncated ? 'length' : 'stop' }],
    usage: chatUsage(r),
    service_tier: 'default',
    system_fingerprint: null,
  };
}

function openAiStream(model: string, r: Reply, ids: { n: number; created: number }, withUsage: boolean): string[] {
  const base = { id: `chatcmpl-demo${String(ids.n).padStart(6, '0')}`, object: 'chat.completion.chunk', created: ids.created, model, service_tier: 'default', system_fingerprint: null };
  // With include_usage, every chunk carries "usage": null and a last chunk with empty choices carries the usage.
  const chunk = (choices: unknown[], usage?: unknown) => `data: ${JSON.stringify({ ...base, choices, ...(withUsage ? { usage: usage ?? null } : {}) })}\n\n`;
  const out = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
  for (const p of r.pieces) out.push(chunk([{ index: 0, delta: { content: p }, logprobs: null, finish_reason: null }]));
  out.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: r.truncated ? 'length' : 'stop' }]));
  if (withUsage) out.push(chunk([], chatUsage(r)));
  out.push('data: [DONE]\n\n');
  return out;
}

/**
 * Chat Completions usage as OpenAI reports it: with the breakdown of the output, reasoning tokens 0 here (the
 * demo does not reason). A gateway reading the trace tells the visible answer's length from it.
 */
function chatUsage(r: Reply): Json {
  const completion = r.pieces.length;
  return {
    prompt_tokens: r.inputTokens,
    completion_tokens: completion,
    total_tokens: r.inputTokens + completion,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function anthropicMessage(model: string, r: Reply, ids: { n: number }): Json {
  return {
    id: `msg_demo${String(ids.n).padStart(6, '0')}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: r.pieces.join('') }],
    stop_reason: r.truncated ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: r.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: r.pieces.length },
  };
}

function anthropicStream(model: string, r: Reply, ids: { n: number }): string[] {
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [
    ev('message_start', {
      message: {
        id: `msg_demo${String(ids.n).padStart(6, '0')}`,
        type: 'message',
        role: 'assistant',
        model,
        content: [],
        stop_reason: null,
        stop_sequence: null,
        usage: { input_tokens: r.inputTokens, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 1 },
      },
    }),
    ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
    ev('ping', {}),
  ];
  for (const p of r.pieces) out.push(ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: p } }));
  out.push(ev('content_block_stop', { index: 0 }));
  out.push(ev('message_delta', { delta: { stop_reason: r.truncated ? 'max_tokens' : 'end_turn', stop_sequence: null }, usage: { output_tokens: r.pieces.length } }));
  out.push(ev('message_stop', {}));
  return out;
}

function modelObject(anthropic: boolean, id: string): Json {
  if (anthropic) return { type: 'model', id, display_name: `${id} (demo stand-in)`, created_at: '2025-01-01T00:00:00Z' };
  return { id, object: 'model', created: 1_735_689_600, owned_by: 'moat-demo-upstream' };
}

function modelList(anthropic: boolean, models: string[]): Json {
  const data = models.map((id) => modelObject(anthropic, id));
  if (anthropic) return { data, has_more: false, first_id: models[0] ?? null, last_id: models[models.length - 1] ?? null };
  return { object: 'list', data };
}

function textCompletion(model: string, r: Reply, ids: { n: number; created: number }): Json {
  const completion = r.pieces.length;
  return {
    id: `cmpl-demo${String(ids.n).padStart(6, '0')}`,
    object: 'text_completion',
    created: ids.created,
    model,
    choices: [{ text: r.pieces.join(''), index: 0, logprobs: null, finish_reason: r.truncated ? 'length' : 'stop' }],
    usage: { prompt_tokens: r.inputTokens, completion_tokens: completion, total_tokens: r.inputTokens + completion },
  };
}

function completionsStream(model: string, r: Reply, ids: { n: number; created: number }, withUsage: boolean): string[] {
  const base = { id: `cmpl-demo${String(ids.n).padStart(6, '0')}`, object: 'text_completion', created: ids.created, model };
  const chunk = (choices: unknown[], usage?: unknown) => `data: ${JSON.stringify({ ...base, choices, ...(withUsage ? { usage: usage ?? null } : {}) })}\n\n`;
  const out: string[] = [];
  for (const p of r.pieces) out.push(chunk([{ text: p, index: 0, logprobs: null, finish_reason: null }]));
  out.push(chunk([{ text: '', index: 0, logprobs: null, finish_reason: r.truncated ? 'length' : 'stop' }]));
  if (withUsage) out.push(chunk([], { prompt_tokens: r.inputTokens, completion_tokens: r.pieces.length, total_tokens: r.inputTokens + r.pieces.length }));
  out.push('data: [DONE]\n\n');
  return out;
}

function responseObject(model: string, r: Reply, ids: { n: number; created: number }, status: 'in_progress' | 'completed'): Json {
  const done = status === 'completed';
  const text = r.pieces.join('');
  return {
    id: `resp_demo${String(ids.n).padStart(6, '0')}`,
    object: 'response',
    created_at: ids.created,
    status,
    model,
    output: done ? [responseMessage(ids, text, 'completed')] : [],
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    incomplete_details: done && r.truncated ? { reason: 'max_output_tokens' } : null,
    error: null,
    usage: done
      ? { input_tokens: r.inputTokens, input_tokens_details: { cached_tokens: 0 }, output_tokens: r.pieces.length, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: r.inputTokens + r.pieces.length }
      : null,
  };
}

function responseMessage(ids: { n: number }, text: string, status: 'in_progress' | 'completed'): Json {
  return { type: 'message', id: `msg_demo${String(ids.n).padStart(6, '0')}`, status, role: 'assistant', content: status === 'completed' ? [{ type: 'output_text', text, annotations: [] }] : [] };
}

/** The Responses API's stream: created, the message item and its text part, one delta per word, then completed. */
function responsesStream(model: string, r: Reply, ids: { n: number; created: number }): string[] {
  let seq = 0;
  const ev = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`;
  const itemId = `msg_demo${String(ids.n).padStart(6, '0')}`;
  const text = r.pieces.join('');
  const at = { item_id: itemId, output_index: 0, content_index: 0 };
  const out = [
    ev('response.created', { response: responseObject(model, r, ids, 'in_progress') }),
    ev('response.in_progress', { response: responseObject(model, r, ids, 'in_progress') }),
    ev('response.output_item.added', { output_index: 0, item: responseMessage(ids, '', 'in_progress') }),
    ev('response.content_part.added', { ...at, part: { type: 'output_text', text: '', annotations: [] } }),
  ];
  for (const p of r.pieces) out.push(ev('response.output_text.delta', { ...at, delta: p }));
  out.push(ev('response.output_text.done', { ...at, text }));
  out.push(ev('response.content_part.done', { ...at, part: { type: 'output_text', text, annotations: [] } }));
  out.push(ev('response.output_item.done', { output_index: 0, item: responseMessage(ids, text, 'completed') }));
  out.push(ev('response.completed', { response: responseObject(model, r, ids, 'completed') }));
  return out;
}

/** Deterministic 8-dimensional vectors from a hash of each input: stand-ins with the right shape, no meaning. */
function embeddingsResponse(model: string, body: Json): Json {
  const input = body.input;
  const items: unknown[] = Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number' ? input : [input];
  let tokens = 0;
  const data = items.map((item, index) => {
    const text = typeof item === 'string' ? item : JSON.stringify(item ?? '');
    tokens += Array.isArray(item) ? item.length : Math.max(1, Math.ceil(text.length / 4));
    const v = new Float32Array(8);
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) {
      h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
      v[i % 8] = ((v[i % 8] as number) + ((h % 2000) - 1000) / 1000) % 1;
    }
    const embedding = body.encoding_format === 'base64' ? Buffer.from(v.buffer).toString('base64') : Array.from(v);
    return { object: 'embedding', index, embedding };
  });
  return { object: 'list', data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}

function apiError(anthropic: boolean, status: number, type: string, message: string): Json {
  if (anthropic) return { type: 'error', error: { type, message: `${DEMO_NOTICE} ${message}` } };
  return { error: { message: `${DEMO_NOTICE} ${message}`, type: status === 404 ? 'invalid_request_error' : type, param: null, code: status === 404 ? 'model_not_found' : null } };
}

function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}
