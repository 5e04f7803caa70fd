// Ways an attacker with a valid key tried to use a denied feature, each sent through the real hot path (body
// reading, shape checks, facts, the policy decision) with the example policy's features all denied to the org.
// Every variant must be refused by Moat itself (403 feature_denied, or 400 when the shape cannot be judged);
// none may reach the upstream.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { request } from 'undici';
import { decide } from '../../src/policy/decide.js';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import type { PolicyRules } from '../../src/policy/policy-rules.js';
import { startHarness, type Harness } from './harness.js';

type Api = 'openai' | 'anthropic';
const PATH: Record<Api, string> = { openai: '/v1/chat/completions', anthropic: '/v1/messages' };
const MODEL: Record<Api, string> = { openai: 'demo-gpt', anthropic: 'demo-claude' };

let h: Harness;

before(async () => {
  const example = loadPolicyFile(join(import.meta.dirname, '../../examples/policy.yaml'));
  const features = Object.keys(example.rules.features ?? {});
  const rules: PolicyRules = { ...example.rules, version: 1, denials: features.map((feature) => ({ feature, subject: { org: 'org_a' }, clause: 'aup-4' })) };
  h = await startHarness({
    deps: { decide },
    upstreams: (url) => [
      { name: 'anthropic', api: 'anthropic', baseUrl: url, models: ['*claude*', '*CLAUDE*'] },
      { name: 'openai', api: 'openai', baseUrl: url, models: ['*'] },
    ],
  });
  h.view.snapshot = { ...h.view.snapshot, rules };
});
after(() => h.close());

/** A plain request of each door, that the rows below change. */
const BASE: Record<string, Record<string, unknown>> = {
  '/v1/responses': { input: 'hi', max_output_tokens: 16 },
  '/v1/completions': { prompt: 'hi', max_tokens: 16 },
  '/v1/embeddings': { input: 'hi' },
  '/v1/messages/count_tokens': { messages: [{ role: 'user', content: 'hi' }] },
};

async function send(api: Api, body: string | Buffer | Record<string, unknown>, headers: Record<string, string> = {}, door = PATH[api]) {
  const base = BASE[door] ?? { max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify({ model: MODEL[api], ...base, ...body });
  const auth: Record<string, string> = api === 'openai' ? { authorization: `Bearer ${h.secret}` } : { 'x-api-key': h.secret, 'anthropic-version': '2023-06-01' };
  const r = await request(h.url + door, { method: 'POST', headers: { 'content-type': 'application/json', ...auth, ...headers }, body: payload });
  const text = await r.body.text();
  return { status: r.statusCode, code: r.headers['moat-error-code'], text };
}

const fn = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });

interface Row {
  what: string;
  api: Api;
  body: string | Buffer | Record<string, unknown>;
  headers?: Record<string, string>;
  /** The front door, when not the API's chat door. */
  door?: string;
  /** feature_denied, or invalid_request / invalid_json when Moat cannot judge the shape. */
  code: 'feature_denied' | 'invalid_request' | 'invalid_json';
}

// The list an attacker tried against the previous release (each reached the upstream), plus neighbours.
const ROWS: Row[] = [
  { what: 'baseline: a bash function tool', api: 'openai', body: { tools: [fn('bash')] }, code: 'feature_denied' },
  { what: 'legacy functions', api: 'openai', body: { functions: [{ name: 'run_shell', parameters: {} }] }, code: 'feature_denied' },
  { what: 'legacy function_call naming the tool', api: 'openai', body: { function_call: { name: 'bash' } }, code: 'feature_denied' },
  { what: 'top-level name differs from function.name', api: 'openai', body: { tools: [{ type: 'function', name: 'get_weather', function: { name: 'bash' } }] }, code: 'feature_denied' },
  { what: 'function.name differs from top-level name', api: 'openai', body: { tools: [{ type: 'function', name: 'bash', function: { name: 'get_weather' } }] }, code: 'feature_denied' },
  { what: 'OpenAI custom tool', api: 'openai', body: { tools: [{ type: 'custom', custom: { name: 'shell' } }] }, code: 'feature_denied' },
  { what: 'tool name in another case (Bash)', api: 'openai', body: { tools: [fn('Bash')] }, code: 'feature_denied' },
  { what: 'tool name in another case (SHELL), Anthropic', api: 'anthropic', body: { tools: [{ name: 'SHELL', input_schema: { type: 'object' } }] }, code: 'feature_denied' },
  { what: 'tool name in full-width letters', api: 'anthropic', body: { tools: [{ name: 'ｂａｓｈ', input_schema: { type: 'object' } }] }, code: 'feature_denied' },
  { what: 'tool name with a zero-width space', api: 'openai', body: { tools: [fn('ba\u200bsh')] }, code: 'feature_denied' },
  { what: 'tool_choice naming the tool', api: 'openai', body: { tool_choice: { type: 'function', function: { name: 'bash' } } }, code: 'feature_denied' },
  { what: 'Anthropic server tool type in another case', api: 'anthropic', body: { tools: [{ type: 'BASH_20250124', name: 'x' }] }, code: 'feature_denied' },
  { what: 'logprobs: 1', api: 'openai', body: { logprobs: 1 }, code: 'feature_denied' },
  { what: 'logprobs: "true"', api: 'openai', body: { logprobs: 'true' }, code: 'feature_denied' },
  { what: 'logprobs as an object', api: 'openai', body: { logprobs: { on: true } }, code: 'invalid_request' },
  { what: 'model in another case against a glob', api: 'openai', body: { model: 'GPT-IMAGE-1' }, code: 'feature_denied' },
  { what: 'anthropic-beta in another case', api: 'anthropic', body: {}, headers: { 'anthropic-beta': 'COMPUTER-USE-2025-01-24' }, code: 'feature_denied' },
  { what: 'anthropic-beta separated by ;', api: 'anthropic', body: {}, headers: { 'anthropic-beta': 'prompt-caching-2024-07-31;computer-use-2025-01-24' }, code: 'feature_denied' },
  { what: 'anthropic-beta separated by spaces', api: 'anthropic', body: {}, headers: { 'anthropic-beta': 'prompt-caching-2024-07-31 code-execution-2025-05-22' }, code: 'feature_denied' },
  { what: 'Anthropic mcp_servers', api: 'anthropic', body: { mcp_servers: [{ type: 'url', url: 'https://mcp.example.com/sse', name: 'files' }] }, code: 'feature_denied' },
  { what: 'Anthropic container.skills', api: 'anthropic', body: { container: { skills: [{ type: 'anthropic', skill_id: 'xlsx', version: 'latest' }] } }, code: 'feature_denied' },
  { what: 'Anthropic web_fetch server tool', api: 'anthropic', body: { tools: [{ type: 'web_fetch_20250910', name: 'web_fetch' }] }, code: 'feature_denied' },
  { what: 'chat_template_kwargs.enable_thinking', api: 'openai', body: { chat_template_kwargs: { enable_thinking: true } }, code: 'feature_denied' },
  { what: 'reasoning_effort in capitals', api: 'openai', body: { reasoning_effort: 'HIGH' }, code: 'feature_denied' },
  { what: 'user agent with the product not first', api: 'anthropic', body: {}, headers: { 'user-agent': 'Mozilla/5.0 claude-cli/1.0.88 (external, cli)' }, code: 'feature_denied' },
  { what: 'user agent product inside a comment', api: 'openai', body: {}, headers: { 'user-agent': 'python-requests/2.32 (aider/0.80)' }, code: 'feature_denied' },
  { what: 'duplicate key: denied tools first, empty last', api: 'openai', body: `{"model":"demo-gpt","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"bash"}}],"tools":[]}`, code: 'invalid_request' },
  { what: 'duplicate key spelled with an escape', api: 'anthropic', body: `{"model":"demo-claude","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"tools":[],"too\\u006cs":[{"name":"bash"}]}`, code: 'invalid_request' },
  { what: 'tools that are not a list', api: 'openai', body: { tools: { 0: fn('bash') } }, code: 'invalid_request' },
  { what: 'a function tool without function.name', api: 'openai', body: { tools: [{ type: 'function', name: 'bash' }] }, code: 'invalid_request' },
  { what: 'tool name that is not a string', api: 'anthropic', body: { tools: [{ name: ['bash'] }] }, code: 'invalid_request' },
  { what: 'invalid UTF-8 in a tool name', api: 'openai', body: Buffer.concat([Buffer.from('{"model":"demo-gpt","messages":[],"tools":[{"type":"function","function":{"name":"b'), Buffer.from([0xff]), Buffer.from('ash"}}]}')]), code: 'invalid_json' },
  // The Responses API: tools have a top-level name, remote MCP servers are `mcp` tools, logprobs come through `include`.
  { what: 'Responses function tool', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'function', name: 'bash', parameters: {} }] }, code: 'feature_denied' },
  { what: 'Responses function tool named twice, the denied name nested', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'function', name: 'get_weather', function: { name: 'run_shell' } }] }, code: 'feature_denied' },
  { what: 'Responses local_shell tool', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'local_shell' }] }, code: 'feature_denied' },
  { what: 'Responses code_interpreter tool', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, code: 'feature_denied' },
  { what: 'Responses web_search tool', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'web_search' }] }, code: 'feature_denied' },
  { what: 'Responses remote MCP server', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'mcp', server_label: 'files', server_url: 'https://mcp.example.com' }] }, code: 'feature_denied' },
  { what: 'Responses reasoning effort', api: 'openai', door: '/v1/responses', body: { reasoning: { effort: 'high' } }, code: 'feature_denied' },
  { what: 'Responses logprobs through include', api: 'openai', door: '/v1/responses', body: { include: ['message.output_text.logprobs'] }, code: 'feature_denied' },
  { what: 'Responses tool_choice naming a shell', api: 'openai', door: '/v1/responses', body: { tool_choice: { type: 'function', name: 'bash' } }, code: 'feature_denied' },
  { what: 'Responses tool without a type', api: 'openai', door: '/v1/responses', body: { tools: [{ name: 'bash' }] }, code: 'invalid_request' },
  { what: 'Responses function tool without a name', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'function', parameters: {} }] }, code: 'invalid_request' },
  { what: 'Responses mcp tool without server_label', api: 'openai', door: '/v1/responses', body: { tools: [{ type: 'mcp', server_url: 'https://mcp.example.com' }] }, code: 'invalid_request' },
  { what: 'Responses input that is neither text nor items', api: 'openai', door: '/v1/responses', body: { input: { role: 'user', content: 'hi' } }, code: 'invalid_request' },
  { what: 'Responses include that is not a list', api: 'openai', door: '/v1/responses', body: { include: 'message.output_text.logprobs' }, code: 'invalid_request' },
  { what: 'legacy completions logprobs', api: 'openai', door: '/v1/completions', body: { logprobs: 5 }, code: 'feature_denied' },
  { what: 'legacy completions prompt as an object', api: 'openai', door: '/v1/completions', body: { prompt: { text: 'hi' } }, code: 'invalid_request' },
  { what: 'embeddings without input', api: 'openai', door: '/v1/embeddings', body: { input: undefined }, code: 'invalid_request' },
  { what: 'Anthropic token counting with a bash tool', api: 'anthropic', door: '/v1/messages/count_tokens', body: { tools: [{ type: 'bash_20250124', name: 'bash' }] }, code: 'feature_denied' },
];

test('a request without denied features is served (the table below is not refusing everything)', async () => {
  for (const [api, door] of [['openai', '/v1/responses'], ['openai', '/v1/completions'], ['openai', '/v1/embeddings'], ['anthropic', '/v1/messages/count_tokens']] as const) {
    const r = await send(api, door === '/v1/responses' ? { tools: [{ type: 'function', name: 'get_weather', parameters: {} }] } : {}, {}, door);
    assert.equal(r.status, 200, `${door}: ${r.text}`);
  }
});

test('a request without denied features is served (the table below is not refusing everything)', async () => {
  for (const api of ['openai', 'anthropic'] as const) {
    const r = await send(api, { tools: [api === 'openai' ? fn('get_weather') : { name: 'get_weather', input_schema: { type: 'object' } }] });
    assert.equal(r.status, 200, r.text);
  }
});

for (const row of ROWS) {
  test(`refused by Moat, never forwarded: ${row.what} (${row.door ?? row.api})`, async () => {
    const lastUpstreamRequest = h.demo.requests.at(-1);
    const r = await send(row.api, row.body, row.headers, row.door);
    assert.equal(r.code, row.code, `${r.status} ${r.text}`);
    assert.equal(r.status, row.code === 'feature_denied' ? 403 : 400);
    assert.equal(h.demo.requests.at(-1), lastUpstreamRequest, 'the upstream was called');
  });
}
