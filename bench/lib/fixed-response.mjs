// @ts-check
// The upstreams' payloads: one fixed OpenAI chat completion (served by nginx `return 200`) and the SSE chunks of
// the streaming mock. Both carry usage, so Moat's metering does its real work.
export const FAST_MODEL = 'bench-fast';
export const STREAM_MODEL = 'bench-stream';
/** Models the streaming mock answers with a long stream (LONG_STREAM_CHUNKS text events): OpenAI chat and Anthropic messages. */
export const LONG_STREAM_MODEL = 'bench-long-stream';
export const LONG_ANTHROPIC_MODEL = 'bench-long-claude';
export const LONG_STREAM_CHUNKS = 500;

/**
 * The fixed answer's text: a few words, or with BENCH_ANSWER_CHARS=N an answer of about N characters (real answers
 * run to hundreds of tokens; what the gateway does with the text, e.g. keep it for the trace, scales with it).
 */
const ANSWER_CHARS = Number(process.env.BENCH_ANSWER_CHARS ?? 0);
export const ANSWER = ANSWER_CHARS > 0
  ? Array.from({ length: Math.ceil(ANSWER_CHARS / 6) }, (_, i) => ['the', 'model', 'answers', 'with', 'a', 'long', 'text'][i % 7]).join(' ').slice(0, ANSWER_CHARS)
  : 'A fixed answer of a few words for the benchmark.';

export const FIXED_COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1767225600, model: FAST_MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: Math.max(11, Math.round(ANSWER.length / 4)), total_tokens: 14 + Math.max(11, Math.round(ANSWER.length / 4)) },
});

/**
 * The benchmark's conversation: one short prompt, or with BENCH_PROMPT_CHARS=N a system prompt and eight turns of
 * about N characters in all (what a chat application or an agent sends: the history grows with every turn).
 */
const PROMPT_CHARS = Number(process.env.BENCH_PROMPT_CHARS ?? 0);
function messages() {
  if (!(PROMPT_CHARS > 0)) return [{ role: 'user', content: 'Measure me: a short prompt of a few words.' }];
  const words = ['please', 'review', 'this', 'function', 'and', 'explain', 'what', 'the', 'loop', 'does', 'with', 'its', 'input'];
  const text = (n, seed) => Array.from({ length: Math.ceil(n / 6) }, (_, i) => words[(i * 7 + seed) % words.length]).join(' ').slice(0, n);
  const per = Math.floor(PROMPT_CHARS / 9);
  return [{ role: 'system', content: text(per, 0) }, ...Array.from({ length: 8 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: text(per, i + 1) }))];
}

export function requestBody(stream) {
  return JSON.stringify({
    model: stream ? STREAM_MODEL : FAST_MODEL,
    messages: messages(),
    max_tokens: 64,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

const chunk = (delta, finish, usage) =>
  `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1767225600, model: STREAM_MODEL, choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;

/** First SSE event (sent as soon as the request is read) and the rest (sent a few ms later). */
export const SSE_FIRST = chunk({ role: 'assistant', content: '' }, null);
export const SSE_REST =
  ['A', ' fixed', ' streamed', ' answer', ' of', ' a', ' few', ' words', '.'].map((w) => chunk({ content: w }, null)).join('') +
  chunk({}, 'stop') +
  chunk(undefined, null, { prompt_tokens: 14, completion_tokens: 9, total_tokens: 23 }) +
  'data: [DONE]\n\n';

/** Request bodies of the long streams, one per door. */
export function longStreamBody(door) {
  const messages = [{ role: 'user', content: 'Measure me: a short prompt of a few words.' }];
  return door === 'anthropic'
    ? JSON.stringify({ model: LONG_ANTHROPIC_MODEL, max_tokens: 2048, stream: true, messages })
    : JSON.stringify({ model: LONG_STREAM_MODEL, max_tokens: 2048, stream: true, stream_options: { include_usage: true }, messages });
}

/** The events of a long stream, in the door's wire format: first, the text events (one per chunk), then the end. */
export function longStreamEvents(door, n) {
  const words = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? ' the' : ` w${i}`));
  if (door === 'anthropic') {
    const ev = (type, data) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
    return {
      first: ev('message_start', { message: { id: 'msg_bench', type: 'message', role: 'assistant', model: LONG_ANTHROPIC_MODEL, content: [], stop_reason: null, usage: { input_tokens: 14, output_tokens: 1 } } }) +
        ev('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
      chunks: words.map((w) => ev('content_block_delta', { index: 0, delta: { type: 'text_delta', text: w } })),
      last: ev('content_block_stop', { index: 0 }) + ev('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: n } }) + ev('message_stop', {}),
    };
  }
  const c = (delta, finish, usage) =>
    `data: ${JSON.stringify({ id: 'chatcmpl-bench', object: 'chat.completion.chunk', created: 1767225600, model: LONG_STREAM_MODEL, choices: usage ? [] : [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
  return {
    first: c({ role: 'assistant', content: '' }, null),
    chunks: words.map((w) => c({ content: w }, null)),
    last: c({}, 'stop') + c(undefined, null, { prompt_tokens: 14, completion_tokens: n, total_tokens: n + 14 }) + 'data: [DONE]\n\n',
  };
}
