// @ts-check
// The upstreams' payloads: one fixed OpenAI chat completion (served by nginx `return 200`) and the SSE chunks of
// the streaming mock. Both carry usage, so Moat's metering does its real work.
export const FAST_MODEL = 'bench-fast';
export const STREAM_MODEL = 'bench-stream';

export const FIXED_COMPLETION = JSON.stringify({
  id: 'chatcmpl-bench', object: 'chat.completion', created: 1767225600, model: FAST_MODEL,
  choices: [{ index: 0, message: { role: 'assistant', content: 'A fixed answer of a few words for the benchmark.' }, logprobs: null, finish_reason: 'stop' }],
  usage: { prompt_tokens: 14, completion_tokens: 11, total_tokens: 25 },
});

export function requestBody(stream) {
  return JSON.stringify({
    model: stream ? STREAM_MODEL : FAST_MODEL,
    messages: [{ role: 'user', content: 'Measure me: a short prompt of a few words.' }],
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
