// Generated from examples/policy.yaml: for every feature matcher, a request that uses the feature is built from
// the matcher's own conditions, then re-spelled every way an upstream would still read as the same feature
// (other tool shapes, case, Unicode forms, header separators, coerced parameter values, user-agent position).
// Each variant goes through the hot path's reading of a body (parse, shape check, facts) and must either still
// match the feature or be refused as unjudgeable; none may slip past. Adding a feature to the example adds its cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import fc from 'fast-check';
import { MoatError } from '../../src/errors/moat-error.js';
import { extractFacts } from '../../src/gateway/extract-facts.js';
import { parseJsonBody } from '../../src/gateway/parse-json-body.js';
import { checkRequestShape } from '../../src/gateway/request-schema.js';
import { compileMatcher } from '../../src/policy/compile-policy.js';
import { loadPolicyFile } from '../../src/policy/parse-policy-file.js';
import type { FeatureMatcher } from '../../src/policy/policy-rules.js';

type Api = 'openai' | 'anthropic';
type Body = Record<string, unknown>;
interface Req {
  api: Api;
  body: Body;
  headers: Record<string, string>;
}

const example = loadPolicyFile(join(import.meta.dirname, '../../examples/policy.yaml'));

/** A concrete value a glob matches: stars dropped, `?` as x (e.g. `bash_*` → `bash_`, `*bash*` → `bash`). */
const fromGlob = (g: string) => g.replace(/\*/g, '').replace(/\?/g, 'x');
const toolTypeFrom = (g: string) => (g.endsWith('*') ? fromGlob(g) + '20250124' : fromGlob(g));

function baseRequest(api: Api): Req {
  return {
    api,
    body: { model: api === 'openai' ? 'demo-gpt' : 'demo-claude', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
    headers: api === 'anthropic' ? { 'anthropic-version': '2023-06-01' } : {},
  };
}

const fullWidth = (s: string) => s.replace(/[a-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x61 + 0xff41));
const titleCase = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const withZeroWidth = (s: string) => (s.length > 1 ? s[0] + '\u200b' + s.slice(1) : s);
const fnTool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object' } } });

/** Ways to offer a tool called `name`, per API. */
function toolNameVariants(name: string): Array<[string, Api, (b: Body) => void]> {
  const spellings: Array<[string, string]> = [
    ['as is', name],
    ['upper case', name.toUpperCase()],
    ['title case', titleCase(name)],
    ['full-width', fullWidth(name)],
    ['zero-width space', withZeroWidth(name)],
  ];
  const out: Array<[string, Api, (b: Body) => void]> = [];
  for (const [how, n] of spellings) {
    out.push([`function tool, ${how}`, 'openai', (b) => (b.tools = [fnTool(n)])]);
    out.push([`Anthropic tool, ${how}`, 'anthropic', (b) => (b.tools = [{ name: n, input_schema: { type: 'object' } }])]);
  }
  out.push(['custom tool', 'openai', (b) => (b.tools = [{ type: 'custom', custom: { name } }])]);
  out.push(['legacy functions', 'openai', (b) => (b.functions = [{ name, parameters: {} }])]);
  out.push(['legacy function_call', 'openai', (b) => (b.function_call = { name })]);
  out.push(['tool_choice', 'openai', (b) => (b.tool_choice = { type: 'function', function: { name } })]);
  out.push(['top-level name beside another function.name', 'openai', (b) => (b.tools = [{ type: 'function', name, function: { name: 'lookup' } }])]);
  out.push(['function.name beside another top-level name', 'openai', (b) => (b.tools = [{ type: 'function', name: 'lookup', function: { name } }])]);
  out.push(['Anthropic tool_choice', 'anthropic', (b) => (b.tool_choice = { type: 'tool', name })]);
  out.push(['MCP allowed tool', 'anthropic', (b) => (b.mcp_servers = [{ type: 'url', url: 'https://mcp.example.com', name: 'srv', tool_configuration: { allowed_tools: [name] } }])]);
  return out;
}

/** Ways to offer a tool of type `type`. */
function toolTypeVariants(type: string): Array<[string, Api, (b: Body) => void]> {
  if (type === 'mcp_server') return [['mcp_servers entry', 'anthropic', (b) => (b.mcp_servers = [{ type: 'url', url: 'https://mcp.example.com', name: 'srv' }])]];
  if (type === 'skill') return [['container skill', 'anthropic', (b) => (b.container = { skills: [{ type: 'anthropic', skill_id: 'pptx', version: 'latest' }] })]];
  const out: Array<[string, Api, (b: Body) => void]> = [];
  for (const [how, t] of [['as is', type], ['upper case', type.toUpperCase()], ['title case', titleCase(type)]] as const)
    for (const api of ['anthropic', 'openai'] as const) out.push([`${api} tool type, ${how}`, api, (b) => (b.tools = [{ type: t, name: 'x', mcp_server_name: 'srv' }])]);
  return out;
}

function betaVariants(value: string): Array<[string, Api, (h: Record<string, string>) => void]> {
  return [
    ['as is', 'anthropic', (h) => (h['anthropic-beta'] = value)],
    ['upper case', 'anthropic', (h) => (h['anthropic-beta'] = value.toUpperCase())],
    ['after a comma', 'anthropic', (h) => (h['anthropic-beta'] = `prompt-caching-2024-07-31,${value}`)],
    ['after a semicolon', 'anthropic', (h) => (h['anthropic-beta'] = `prompt-caching-2024-07-31;${value}`)],
    ['after whitespace', 'anthropic', (h) => (h['anthropic-beta'] = `prompt-caching-2024-07-31 \t${value}`)],
  ];
}

/** A user agent the rule's regular expression matches, found by fast-check (deterministic seed). */
function userAgentFor(pattern: string): string {
  const re = new RegExp(pattern, 'i');
  const plain = new RegExp(pattern.replace(/\\b/g, ''));
  const found = fc.sample(fc.stringMatching(plain), { seed: 42, numRuns: 200 }).map((s) => `${s}/1.0`).find((s) => re.test(s) && !/\s/.test(s));
  if (!found) throw new Error(`no sample user agent for ${pattern}`);
  return found;
}

function userAgentVariants(pattern: string): Array<[string, Api, (h: Record<string, string>) => void]> {
  const ua = userAgentFor(pattern);
  return [
    ['as is', 'openai', (h) => (h['user-agent'] = ua)],
    ['upper case', 'anthropic', (h) => (h['user-agent'] = ua.toUpperCase())],
    ['after another product', 'openai', (h) => (h['user-agent'] = `Mozilla/5.0 ${ua}`)],
    ['inside a comment', 'anthropic', (h) => (h['user-agent'] = `python-httpx/0.28 (${ua})`)],
  ];
}

function paramPresentVariants(name: string): Array<[string, Api, (b: Body) => void]> {
  const set = (b: Body, v: unknown) => {
    const path = name.split('.');
    let cur = b;
    for (const p of path.slice(0, -1)) cur = (cur[p] ??= {}) as Body;
    cur[path[path.length - 1] as string] = v;
  };
  const out: Array<[string, Api, (b: Body) => void]> = [];
  const values: Array<[string, unknown]> =
    name === 'thinking' ? [['an enabled object', { type: 'enabled', budget_tokens: 1024 }], ['true', true]] : name === 'reasoning' ? [['an effort', { effort: 'high' }], ['a level', 'high']] : [['true', true], ['1', 1], ['"true"', 'true'], ['"HIGH"', 'HIGH']];
  for (const [how, v] of values) for (const api of ['openai', 'anthropic'] as const) out.push([`${name} = ${how}`, api, (b) => set(b, v)]);
  if (name === 'thinking')
    for (const v of [true, 'true', 1]) out.push([`chat_template_kwargs.enable_thinking = ${JSON.stringify(v)}`, 'openai', (b) => (b.chat_template_kwargs = { enable_thinking: v })]);
  return out;
}

function paramEqualVariants(name: string, want: string | number | boolean): Array<[string, Api, (b: Body) => void]> {
  const values: unknown[] = typeof want === 'boolean' ? (want ? [true, 1, 'true', 'True', '1'] : [false, 0, 'false']) : typeof want === 'number' ? [want, String(want)] : [want, want.toUpperCase()];
  return values.map((v) => [`${name} = ${JSON.stringify(v)}`, 'openai', (b: Body) => (b[name] = v)]);
}

function modelVariants(glob: string): Array<[string, Api, (b: Body) => void]> {
  const m = fromGlob(glob) || 'model';
  const name = glob.startsWith('*') ? `gpt-${m}` : m;
  return [
    ['as is', 'openai', (b) => (b.model = name)],
    ['upper case', 'openai', (b) => (b.model = name.toUpperCase())],
    ['title case', 'anthropic', (b) => (b.model = titleCase(name))],
    ['full-width', 'openai', (b) => (b.model = fullWidth(name))],
  ];
}

type Outcome = 'matched' | 'refused' | 'missed';

function judge(r: Req, matcher: FeatureMatcher): Outcome {
  let body: Body;
  try {
    body = parseJsonBody(Buffer.from(JSON.stringify(r.body)), { maxDepth: 64 });
    checkRequestShape(r.api === 'openai' ? 'chat' : 'messages', body);
  } catch (e) {
    if (e instanceof MoatError && e.status === 400) return 'refused';
    throw e;
  }
  const facts = extractFacts({ api: r.api, endpoint: r.api === 'openai' ? '/v1/chat/completions' : '/v1/messages', body, headers: r.headers, orgId: 'org_a', keyId: 'key_1', ip: '127.0.0.1', now: 0 });
  return compileMatcher(matcher)(facts) ? 'matched' : 'missed';
}

/** One variant per way of spelling each condition of the matcher, the other conditions kept at a plain spelling. */
function variantsOf(m: FeatureMatcher): Array<{ what: string; req: Req }> {
  const conds: Array<Array<[string, Api, (r: Req) => void]>> = [];
  const body = (f: (b: Body) => void) => (r: Req) => f(r.body);
  const headers = (f: (h: Record<string, string>) => void) => (r: Req) => f(r.headers);
  if (m.toolNames) conds.push(m.toolNames.flatMap((g) => toolNameVariants(fromGlob(g)).map(([w, a, f]) => [`tool name ${g}: ${w}`, a, body(f)] as [string, Api, (r: Req) => void])));
  if (m.toolTypes) conds.push(m.toolTypes.flatMap((g) => toolTypeVariants(toolTypeFrom(g)).map(([w, a, f]) => [`tool type ${g}: ${w}`, a, body(f)] as [string, Api, (r: Req) => void])));
  if (m.anthropicBeta) conds.push(m.anthropicBeta.flatMap((g) => betaVariants(toolTypeFrom(g).replace(/_$/, '-2025-01-24')).map(([w, a, f]) => [`beta ${g}: ${w}`, a, headers(f)] as [string, Api, (r: Req) => void])));
  if (m.userAgent !== undefined) conds.push(userAgentVariants(m.userAgent).map(([w, a, f]) => [`user agent: ${w}`, a, headers(f)] as [string, Api, (r: Req) => void]));
  if (m.paramsPresent) conds.push(m.paramsPresent.flatMap((p) => paramPresentVariants(p).map(([w, a, f]) => [`param ${w}`, a, body(f)] as [string, Api, (r: Req) => void])));
  if (m.paramsEqual) for (const [k, v] of Object.entries(m.paramsEqual)) conds.push(paramEqualVariants(k, v).map(([w, a, f]) => [`param ${w}`, a, body(f)] as [string, Api, (r: Req) => void]));
  if (m.models) conds.push(m.models.flatMap((g) => modelVariants(g).map(([w, a, f]) => [`model ${g}: ${w}`, a, body(f)] as [string, Api, (r: Req) => void])));
  const out: Array<{ what: string; req: Req }> = [];
  conds.forEach((variants, i) => {
    for (const [what, api, apply] of variants) {
      const req = baseRequest(api);
      // Every other condition at its first (plain) spelling, in this variant's API where it has one.
      conds.forEach((others, j) => {
        if (j === i) return;
        const plain = others.find(([, a]) => a === api) ?? others[0];
        plain?.[2](req);
      });
      apply(req);
      out.push({ what, req });
    }
  });
  return out;
}

for (const [name, def] of Object.entries(example.rules.features ?? {})) {
  def.match.forEach((m, i) => {
    const label = `examples/policy.yaml feature ${name}, matcher ${i + 1}`;
    if (m.endpoints) {
      // Front doors are fixed paths: a caller cannot re-spell the endpoint, so there is nothing to vary.
      test(`${label}: endpoint-only matcher has no request-controlled spelling`, () => assert.ok(m.endpoints!.length > 0));
      return;
    }
    test(`${label}: holds against every spelling of its conditions`, () => {
      const variants = variantsOf(m);
      assert.ok(variants.length > 0);
      const outcomes = variants.map((v) => ({ what: v.what, api: v.req.api, outcome: judge(v.req, m) }));
      assert.equal(outcomes[0]?.outcome, 'matched', 'the plain spelling must match');
      assert.deepEqual(outcomes.filter((o) => o.outcome === "missed"), []);
    });
  });
}
