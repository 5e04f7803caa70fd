// Random and adversarial requests for every front door, shared by the fuzz test (seconds, in CI) and the longer
// run (scripts/fuzz-gateway.ts): fast-check bodies (valid, odd, deep, duplicated, wrong types, not JSON, not
// UTF-8) plus a corpus of raw HTTP byte streams that no HTTP client would send.
import fc from 'fast-check';

export type Api = 'openai' | 'anthropic';

export interface FuzzRequest {
  api: Api;
  /** The front door called: the API's main door most of the time, its other doors otherwise. */
  path: string;
  body: Buffer;
  headers: Record<string, string>;
}

export const DOOR: Record<Api, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
/** Every model door of each API. */
export const DOORS: Record<Api, readonly string[]> = {
  openai: ['/v1/chat/completions', '/v1/responses', '/v1/completions', '/v1/embeddings'],
  anthropic: ['/v1/messages', '/v1/messages/count_tokens'],
};

/** Fields Moat reads, each given random JSON of any type. */
const READ_FIELDS = [
  'model', 'messages', 'system', 'tools', 'functions', 'function_call', 'tool_choice', 'logprobs', 'top_logprobs', 'thinking',
  'reasoning', 'reasoning_effort', 'chat_template_kwargs', 'mcp_servers', 'container', 'stream', 'stream_options', 'max_tokens',
  'max_completion_tokens', 'input', 'instructions', 'prompt', 'include', 'max_output_tokens', '__proto__', 'constructor',
];

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom('bash', 'BASH', 'ｂａｓｈ', 'ba\u200bsh', '\u0000', '\ud800', 'a'.repeat(300), '', ' ', '../../etc/passwd'),
);

const toolName = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z_]{1,20}$/) }, { weight: 1, arbitrary: text });
const tool = fc.oneof(
  fc.record({ type: fc.constant('function'), function: fc.record({ name: toolName, parameters: fc.constant({ type: 'object' }) }) }),
  fc.record({ type: fc.constant('custom'), custom: fc.record({ name: toolName }) }),
  fc.record({ name: toolName, input_schema: fc.constant({ type: 'object' }) }),
  fc.record({ type: fc.constantFrom('bash_20250124', 'web_fetch_20250910', 'computer_20250124', 'mcp_toolset', 'weird'), name: toolName }),
  fc.jsonValue({ maxDepth: 3 }),
);

const message = fc.oneof(
  { weight: 4, arbitrary: fc.record({ role: fc.constantFrom('user', 'assistant', 'system', 'developer', 'tool'), content: fc.oneof(text, fc.array(fc.record({ type: fc.constant('text'), text }), { maxLength: 4 })) }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
);

/** A request body as a JS value: mostly plausible, with random fields of random types. */
const plausibleBody = (api: Api) =>
  fc
    .record(
      {
        // Mostly well-formed, so that a good share gets past the shape checks to the upstream and detection.
        model: fc.oneof({ weight: 4, arbitrary: fc.constant(api === 'openai' ? 'demo-gpt' : 'demo-claude') }, { weight: 1, arbitrary: text }),
        max_tokens: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 64 }) }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
        messages: fc.array(message, { maxLength: 5 }),
        tools: fc.array(tool, { maxLength: 4 }),
        stream: fc.oneof({ weight: 4, arbitrary: fc.boolean() }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
        extra: fc.oneof(fc.constant({}), fc.dictionary(fc.constantFrom(...READ_FIELDS), fc.jsonValue({ maxDepth: 4 }), { maxKeys: 3 })),
      },
      { requiredKeys: ['model', 'messages'] },
    )
    .map(({ extra, ...b }) => Buffer.from(JSON.stringify({ ...b, ...extra })));

/** Well-formed requests (random text, tools of every shape), which go through to the upstream and detection. */
const validBody = (api: Api) =>
  fc
    .record({
      messages: fc.array(fc.record({ role: fc.constantFrom('user', 'assistant'), content: fc.string({ maxLength: 200 }) }), { minLength: 1, maxLength: 4 }),
      names: fc.array(fc.stringMatching(/^[a-z_]{1,20}$/), { maxLength: 3 }),
      stream: fc.boolean(),
      temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    })
    .map(({ messages, names, stream, temperature }) => {
      const tools = names.map((name) => (api === 'openai' ? { type: 'function', function: { name, parameters: { type: 'object' } } } : { name, input_schema: { type: 'object' } }));
      return Buffer.from(JSON.stringify({ model: api === 'openai' ? 'demo-gpt' : 'demo-claude', max_tokens: 32, messages, stream, temperature, ...(tools.length ? { tools } : {}) }));
    });

/** Nesting far past the depth limit, in a field every reader walks. */
const deepBody = (api: Api) =>
  fc.record({ depth: fc.integer({ min: 60, max: 6000 }), open: fc.constantFrom('[', '{"a":'), stream: fc.boolean() }).map(({ depth, open, stream }) => {
    const close = open === '[' ? ']' : '}';
    const deep = open.repeat(depth) + '1' + close.repeat(depth);
    return Buffer.from(`{"model":"${api === 'openai' ? 'demo-gpt' : 'demo-claude'}","max_tokens":8,"stream":${stream},"messages":[{"role":"user","content":${deep}}]}`);
  });

/** The same key twice, in a field policy reads or deep inside. */
const duplicateKeyBody = (api: Api) =>
  fc.constantFrom('tools', 'model', 'messages', 'logprobs', 'stream').map((k) => {
    const m = api === 'openai' ? 'demo-gpt' : 'demo-claude';
    return Buffer.from(`{"model":"${m}","max_tokens":8,"messages":[{"role":"user","content":"hi","content":"x"}],"${k}":[],"${k}":true}`);
  });

/** Large arrays and strings, still under the body limit. */
const wideBody = (api: Api) =>
  fc.record({ n: fc.integer({ min: 1000, max: 20_000 }), what: fc.constantFrom('tools', 'messages', 'beta') }).map(({ n, what }) => {
    const m = api === 'openai' ? 'demo-gpt' : 'demo-claude';
    const items = what === 'tools' ? Array.from({ length: n }, (_, i) => ({ type: 'function', function: { name: `t${i}` } })) : Array.from({ length: n }, () => ({ role: 'user', content: 'x' }));
    return Buffer.from(JSON.stringify({ model: m, max_tokens: 8, messages: what === 'messages' ? items : [{ role: 'user', content: 'hi' }], ...(what === 'tools' ? { tools: items } : {}) }));
  });

/** Bytes that are not a JSON object: random, truncated JSON, invalid UTF-8, a BOM, numbers out of range. */
const notJson = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
  fc.constantFrom(
    '{"model":"demo-gpt","messages":[',
    '\ufeff{"model":"demo-gpt","messages":[]}',
    '{"model":"demo-gpt","messages":[],"max_tokens":1e400}',
    '{"model":"demo-gpt","messages":[],"max_tokens":NaN}',
    '[]',
    'null',
    '"string"',
    '{"model":"demo-gpt","messages":[{"role":"user","content":"\\ud800"}]}',
  ).map((s) => Buffer.from(s)),
  fc.constant(Buffer.from([0x7b, 0x22, 0x6d, 0x6f, 0x64, 0x65, 0x6c, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
);

const headerValue = fc.oneof(fc.string({ maxLength: 60 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), fc.constantFrom('COMPUTER-USE-2025-01-24', 'a;b, c', 'claude-cli/1.0', 'safety_evaluation', ''));

/** One request for a door: body, optional odd headers. */
export function fuzzRequest(): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom<Api>('openai', 'anthropic').chain((api) =>
    fc.record({
      api: fc.constant(api),
      path: fc.oneof({ weight: 2, arbitrary: fc.constant(DOOR[api]) }, { weight: 1, arbitrary: fc.constantFrom(...DOORS[api]) }),
      body: fc.oneof({ weight: 8, arbitrary: validBody(api) }, { weight: 8, arbitrary: plausibleBody(api) }, { weight: 2, arbitrary: deepBody(api) }, { weight: 1, arbitrary: duplicateKeyBody(api) }, { weight: 1, arbitrary: wideBody(api) }, { weight: 2, arbitrary: notJson }),
      // Odd headers on a minority of requests (a malformed moat-purpose alone is a 400 before anything else).
      headers: fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.record({ 'anthropic-beta': headerValue, 'user-agent': headerValue, 'moat-purpose': headerValue }, { requiredKeys: [] }) }),
    }),
  );
}

export interface RawCase {
  name: string;
  /** Bytes to write; `{KEY}` is replaced by a valid API key, `{HUGE}` by 20 KB of header. */
  data: string;
}

const ok = (door: string, body: string) => `POST ${door} HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nx-api-key: {KEY}\r\nanthropic-version: 2023-06-01\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
const chat = '{"model":"demo-gpt","messages":[{"role":"user","content":"hi"}]}';

/** Raw HTTP that clients would never send: malformed framing, smuggling attempts, oversize headers, odd methods. */
export const RAW_CORPUS: readonly RawCase[] = [
  { name: 'not HTTP at all', data: 'GARBAGE\r\n\r\n' },
  { name: 'HTTP/0.9 request line', data: 'GET /v1/models\r\n\r\n' },
  { name: 'header larger than the limit (431)', data: 'GET /v1/models HTTP/1.1\r\nHost: moat\r\nx-api-key: {KEY}\r\nX-Big: {HUGE}\r\n\r\n' },
  { name: 'content-length and chunked together', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n` },
  { name: 'bad chunk size', data: `POST /v1/messages HTTP/1.1\r\nHost: moat\r\nx-api-key: {KEY}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n` },
  { name: 'negative content-length', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nContent-Length: -5\r\n\r\n` },
  { name: 'enormous content-length', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 999999999999999999\r\n\r\n{}` },
  { name: 'NUL in a header value', data: 'GET /v1/models HTTP/1.1\r\nHost: moat\r\nx-api-key: a\u0000b\r\n\r\n' },
  { name: 'obsolete line folding', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nX-Folded: a\r\n b\r\nContent-Type: application/json\r\nContent-Length: ${chat.length}\r\n\r\n${chat}` },
  { name: 'body shorter than content-length, then close', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":` },
  { name: 'pipelined good, then garbage', data: ok('/v1/chat/completions', chat) + 'BLAH BLAH\r\n\r\n' },
  { name: 'unknown /v1 route', data: 'GET /v1/embeddings HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\n\r\n' },
  { name: 'wrong method on a front door', data: 'GET /v1/messages HTTP/1.1\r\nHost: moat\r\nx-api-key: {KEY}\r\nanthropic-version: 2023-06-01\r\n\r\n' },
  { name: 'DELETE on a front door', data: 'DELETE /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\n\r\n' },
  { name: 'absolute-form URL', data: `POST http://evil.example/v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: ${chat.length}\r\n\r\n${chat}` },
  { name: 'path with dot segments and encoded slashes', data: 'GET /v1/../admin/orgs%2f..%2f HTTP/1.1\r\nHost: moat\r\n\r\n' },
  { name: 'UTF-16 charset', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json; charset=utf-16\r\nContent-Length: ${chat.length}\r\n\r\n${chat}` },
  { name: 'Expect: 100-continue over the limit', data: `POST /v1/messages HTTP/1.1\r\nHost: moat\r\nx-api-key: {KEY}\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n` },
  { name: 'duplicate content-length', data: `POST /v1/chat/completions HTTP/1.1\r\nHost: moat\r\nAuthorization: Bearer {KEY}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: ${chat.length}\r\n\r\n${chat}` },
  { name: 'space before colon', data: `GET /v1/models HTTP/1.1\r\nHost : moat\r\n\r\n` },
];

export function rawBytes(c: RawCase, key: string): Buffer {
  return Buffer.from(c.data.replaceAll('{KEY}', key).replace('{HUGE}', 'x'.repeat(20_000)), 'latin1');
}
