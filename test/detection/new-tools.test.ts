import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetectionAssets } from '../../src/detection/assets.js';
import { aggregateGetter, type Aggregate } from '../../src/detection/aggregate-features.js';
import { createDetector } from '../../src/detection/detector.js';
import { OrgWindow } from '../../src/detection/org-window.js';
import { TOOL_NAMES, viewRequest } from '../../src/detection/request-view.js';
import { NEW_TOOLS } from '../../src/detection/signals/request-flags.js';
import { extractSignals } from '../../src/detection/signals/request-signals.js';
import type { TraceRequestLine } from '../../src/events/trace-format.js';
import { Rng } from '../../src/simulator/rng.js';
import { toolCatalog } from '../../src/simulator/tool-catalog.js';

const assets = loadDetectionAssets();
const newTools = aggregateGetter('new_tools_share')!;
const newToolsRate = aggregateGetter('new_tools_rate')!;
const chatTool = (name: string) => ({ type: 'function', function: { name, parameters: { type: 'object', properties: {} } } });

test('tool names: the same catalogue gives the same names in any order and any API shape, at most the smallest few', () => {
  const names = ['get_weather', 'search_flights', 'book_hotel'];
  const chat = viewRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: names.map(chatTool) }).toolNames;
  const reordered = viewRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: [...names].reverse().map(chatTool) }).toolNames;
  const anthropic = viewRequest({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], tools: names.map((name) => ({ name, input_schema: { type: 'object' } })) }).toolNames;
  const responses = viewRequest({ model: 'm', input: 'hi', tools: names.map((name) => ({ type: 'function', name, parameters: {} })) }).toolNames;
  const legacy = viewRequest({ model: 'm', messages: [{ role: 'user', content: 'hi' }], functions: names.map((name) => ({ name, parameters: {} })) }).toolNames;
  assert.equal(chat?.length, 3);
  for (const v of [reordered, anthropic, responses, legacy]) assert.deepEqual(v, chat);
  // A tool offered twice counts once; unnamed tools (a server tool of a bare type) count none.
  assert.deepEqual(viewRequest({ model: 'm', messages: [], tools: [...names, names[0]!].map(chatTool) }).toolNames, chat);
  assert.equal(viewRequest({ model: 'm', messages: [], tools: [{ type: 'web_search' }] }).toolNames, undefined);
  assert.equal(viewRequest({ model: 'm', messages: [] }).toolNames, undefined);
  // A large catalogue is judged by its TOOL_NAMES smallest names, ascending, whatever their order.
  const many = Array.from({ length: 100 }, (_, i) => `tool_${i}`);
  const big = viewRequest({ model: 'm', messages: [], tools: many.map(chatTool) }).toolNames!;
  assert.equal(big.length, TOOL_NAMES);
  assert.deepEqual([...big], [...big].sort((a, b) => a - b));
  assert.deepEqual(viewRequest({ model: 'm', messages: [], tools: [...many].reverse().map(chatTool) }).toolNames, big);
});

/** `ask`: the user's request (default: the same question numbered); `params`: sampling parameters of the body. */
function line(i: number, org: string, tools: unknown[], steps = 0, ask = `Request number ${i}: what is on my calendar?`, params: Record<string, unknown> = {}): TraceRequestLine {
  const messages: unknown[] = [{ role: 'user', content: ask }];
  for (let s = 0; s < steps; s++) messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `c${i}_${s}`, type: 'function', function: { name: 'x', arguments: '{}' } }] }, { role: 'tool', tool_call_id: `c${i}_${s}`, content: '{}' });
  return { type: 'request', id: `r${org}${i}`, ts: new Date(Date.parse('2026-08-03T09:00:00Z') + i * 20_000).toISOString(), org, key: `k_${org}`, api: 'openai', body: { model: 'gpt-4o', messages, tools, ...params } };
}

/** new_tools_share (or new_tools_rate) of each org's window after its traffic. */
function shares(traffic: Record<string, (i: number) => TraceRequestLine>, n: number, feature = newTools): Record<string, number> {
  const last = new Map<string, Aggregate>();
  const d = createDetector({ ...assets, onWindow: (org, _k, w) => last.set(org, w) });
  for (let i = 0; i < n; i++) for (const make of Object.values(traffic)) d.ingest(make(i));
  return Object.fromEntries(Object.keys(traffic).map((org) => [org, feature(last.get(org)!, assets.baselines) as number]));
}

test('new tools: an app offering its own catalogue, whole or a few tools at a time, offers nothing new after its first requests; a harvest drawing every request\'s tools from thousands does', () => {
  const rng = new Rng(7);
  const defs = (n: number) => toolCatalog(rng, n, 'openai').map((t) => t.definition);
  const agent = defs(9);
  const retrieval = defs(150);
  const harvest = defs(3000);
  const s = shares(
    {
      agent: (i) => line(i, 'agent', agent, i % 5),
      retrieval: (i) => line(i, 'retrieval', rng.sample(retrieval, rng.int(3, 10))),
      harvest: (i) => line(i, 'harvest', rng.sample(harvest, rng.int(1, 6))),
      chat: (i) => line(i, 'chat', []),
    },
    600,
  );
  assert.equal(s.agent, 0, 'a fixed catalogue is new only on the org\'s first request (out of the window by now)');
  assert.equal(s.chat, 0, 'no tools, nothing new');
  assert.ok(s.retrieval! < 0.1, `a product choosing among its 150 tools: ${s.retrieval}`);
  assert.ok(s.harvest! > 0.9, `a harvest of tool use: ${s.harvest}`);
});

test('new tools rate: of the requests offering tools, a harvest\'s nearly all bring new ones however much chat it mixes in; an agent builder\'s tenants once per session', () => {
  const rng = new Rng(11);
  const harvest = toolCatalog(rng, 3000, 'openai').map((t) => t.definition);
  const tenants = Array.from({ length: 400 }, () => rng.sample(harvest, rng.int(2, 8)));
  const s = shares(
    {
      // Half its requests ordinary chat without tools.
      harvest: (i) => line(i, 'harvest', i % 2 ? [] : rng.sample(harvest, rng.int(1, 6))),
      // A session of four steps per tenant, tenants in turn (their tools long forgotten when they come back).
      builder: (i) => line(i, 'builder', tenants[Math.floor(i / 4) % tenants.length]!, i % 4),
      once: (i) => line(i, 'once', i === 3 ? harvest.slice(0, 3) : []),
    },
    600,
    newToolsRate,
  );
  assert.ok(s.harvest! > 0.9, `harvest: ${s.harvest}`);
  assert.ok(s.builder! > 0.2 && s.builder! < 0.3, `agent builder: ${s.builder}`);
  assert.equal(s.once, 0, 'a single offer has long left the window');
  const early = shares({ once: (i) => line(i, 'once', i === 0 ? harvest.slice(0, 3) : []) }, 10, newToolsRate);
  assert.ok(early.once! <= 1 / 6, `one new offer among few counts as little: ${early.once}`);
});

test('new tools: the names a window remembers survive a checkpoint, so a restored window judges the next request as one that never stopped', () => {
  const tools = ['get_weather', 'search_flights', 'book_hotel', 'list_orders'].map(chatTool);
  const models = { fingerprints: assets.fingerprints, text: assets.text, disabled: new Set<never>() };
  const w = new OrgWindow(200);
  const first = extractSignals(line(0, 'o', tools), 0, models);
  assert.equal(w.newTools(first.toolNames), true, 'the first offer of a catalogue is new');
  w.push({ ...first, flags: first.flags | NEW_TOOLS });
  const restored = new OrgWindow(200);
  restored.restore(JSON.parse(JSON.stringify(w.toState())));
  const next = extractSignals(line(1, 'o', tools.slice(1)), 1000, models);
  assert.equal(restored.newTools(next.toolNames), false);
  assert.equal(new OrgWindow(200).newTools(next.toolNames), true, 'a window that never saw them reads them as new');
});

test('new tools: a constant list of decoy tools beside each item\'s own does not hide the new ones', () => {
  const rng = new Rng(5);
  const decoys = toolCatalog(rng, 30, 'openai').map((t) => t.definition);
  const harvest = toolCatalog(rng, 3000, 'openai').map((t) => t.definition);
  const s = shares({ padded: (i) => line(i, 'padded', [...decoys, ...rng.sample(harvest, rng.int(2, 5))]) }, 300, newToolsRate);
  assert.ok(s.padded! > 0.5, `padded harvest: ${s.padded}`);
});

test('a tool-use harvest at temperature 0 is labelled distillation by its tools and its ever-new requests; an agent builder\'s tenants and a fixed agent are not', () => {
  const rng = new Rng(23);
  const catalog = toolCatalog(rng, 3000, 'openai').map((t) => t.definition);
  const tenants = Array.from({ length: 400 }, () => rng.sample(catalog, rng.int(2, 8)));
  const agent = toolCatalog(rng, 9, 'openai').map((t) => t.definition);
  const words = 'invoice flight weather refund parcel meeting budget salary recipe ticket route hotel stock museum tax loan printer garden concert lesson'.split(' ');
  // Every item its own request and its own tools; the agents' users ask the same few things (an agent loop resends its request).
  const ask = () => `Please ${rng.pick(['find', 'check', 'book', 'compare'])} the ${rng.sample(words, 4).join(' and the ')} for ${rng.int(2, 900)} people in ${rng.pick(['Lyon', 'Osaka', 'Lima', 'Perth'])}`;
  const asks = Array.from({ length: 20 }, ask);
  const traffic: Record<string, (i: number) => TraceRequestLine> = {
    harvest: (i) => line(i, 'harvest', rng.sample(catalog, rng.int(1, 6)), 0, ask(), { temperature: 0 }),
    builder: (i) => line(i, 'builder', tenants[Math.floor(i / 4) % tenants.length]!, i % 4),
    agent: (i) => line(i, 'agent', agent, 0, asks[Math.floor(i / 5) % asks.length]!),
  };
  const d = createDetector({ ...assets });
  for (let i = 0; i < 300; i++) for (const make of Object.values(traffic)) d.ingest(make(i));
  const rulesOf = (org: string) => d.snapshot().orgs.find((o) => o.org === org)?.activities.flatMap((a) => a.rules) ?? [];
  assert.ok(rulesOf('harvest').includes('distill.tool-harvest'), `harvest: ${rulesOf('harvest')}`);
  assert.deepEqual(rulesOf('builder'), []);
  assert.deepEqual(rulesOf('agent'), []);
});
