// Misuse actors: the 2025 competitor sweep (and its variants: through an acquired affiliate, slow and spread
// out), unauthorised harmful-prompt sweeps, single-account distillation, distillation hydras of many small
// accounts, a safety grant used for something else, and a reseller hiding a distilling customer. Their items come
// only from the data sets the corpus plan allows (the evaluation fold's held-out sets).
import type { TraceOrgLine } from '../../events/trace-format.js';
import type { CapabilityArea } from '../corpora.js';
import { cotPhrase, cotSystem, evaluationHarness, gradedAnswerForm, redTeamWrapper } from '../harness.js';
import { toolCatalog } from '../tool-catalog.js';
import { agentOf, DAY, HOUR, ip, namedAgent, sdkAgent, type ClientKind } from '../population.js';
import type { Rng } from '../rng.js';
import type { RequestSpec } from '../trace-request.js';
import { Emitter, everydayTexts, pickApi, pickModel, reasoningField, scriptPacing, volume, type ActorContext, type ActorOutput } from './actor.js';

const LANGS = ['French', 'Spanish', 'German', 'Chinese', 'Russian', 'Arabic', 'Japanese', 'Hindi'];

/** A day or so of ordinary light use before the misuse starts ("its normal key after a day of light use"). */
function lightUse(ctx: ActorContext, e: Emitter, org: string, key: string, net: string, from: number, n: number): void {
  const { rng } = ctx;
  const pool = [...ctx.corpora.texts('staqc_sql_questions'), ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? ''), ...ctx.corpora.texts('snips')].filter(Boolean);
  const api = pickApi(rng);
  for (let i = 0; i < n; i++)
    e.emit({ org, key, ts: from + rng.next() * DAY, api, ip: ip(rng, net), ua: sdkAgent(rng, api), turns: [rng.pick(pool)], model: pickModel(rng, api), params: rng.chance(0.5) ? { temperature: 0.7 } : {}, outputTokens: rng.int(50, 600) });
}

function sortByTime(e: Emitter): void {
  e.requests.sort((a, b) => Date.parse(a.ts) - Date.parse(b.ts));
}

interface SweepPlan {
  areas: CapabilityArea[];
  harmfulShare: number;
}

function sweepPlan(ctx: ActorContext, minAreas: number): SweepPlan {
  const { rng } = ctx;
  const avail = ctx.corpora.areas('misuse');
  const areas = rng.sample(avail, Math.max(Math.min(minAreas, avail.length), rng.int(minAreas, avail.length)));
  const harmfulShare = ctx.corpora.harmful('misuse').length ? rng.range(0, 0.35) : 0;
  return { areas, harmfulShare };
}

/**
 * The 2025 case: a competitor (or a company a competitor acquired) runs a broad automated evaluation through
 * its normal key after a day of light use: coding, maths, creative writing, sensitive prompts, pinned
 * parameters, single-turn, a scripted client, over within the hour.
 */
export function competitorSweep(ctx: ActorContext, viaAffiliate = false): ActorOutput {
  const { rng } = ctx;
  const org = `org_${viaAffiliate ? 'acquired' : 'rival'}_${ctx.tag}`;
  const parent = `org_rivalparent_${ctx.tag}`;
  const hasGrant = rng.chance(0.7);
  const orgs: TraceOrgLine[] = [
    {
      type: 'org', id: org, name: viaAffiliate ? 'Startup (acquired)' : 'Rival Labs',
      ...(viaAffiliate ? { affiliates: [{ org: parent, relation: 'acquirer' }] } : { attributes: { competitor: true } }),
      ...(hasGrant ? { grants: [{ purpose: 'safety_evaluation', models: ['*'] }] } : {}),
    },
  ];
  if (viaAffiliate) orgs.unshift({ type: 'org', id: parent, name: 'Rival Labs (parent)', attributes: { competitor: true } });
  const net = rng.chance(0.7) ? ctx.net.own(rng) : rng.pick(ctx.net.cloud);
  const e = new Emitter();
  const dayStart = ctx.start + rng.range(0, 0.5) * DAY;
  const light = rng.int(10, 60);
  lightUse(ctx, e, org, `key_${org}_1`, net, dayStart, light);
  const plan = sweepPlan(ctx, 3);
  const harness = evaluationHarness(rng);
  const harmful = ctx.corpora.harmful('misuse');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const responses = api === 'openai' && rng.chance(0.25) && ctx.responsesApi;
  const ua = agentOf(rng, rng.weighted([['scripted', 5], ['sdk', 4], ['named', 1]] as const) as ClientKind, api);
  const keys = rng.int(1, 3);
  const params: Record<string, unknown> = {
    temperature: rng.chance(0.7) ? 0 : rng.pick([0.2, 0.7, 1]),
    max_tokens: rng.pick([512, 1024, 2048, 4096]),
    ...(rng.chance(0.1) ? { n: rng.pick([3, 5]) } : {}),
    ...(api === 'openai' && rng.chance(0.15) ? { logprobs: true, top_logprobs: 5 } : {}),
    ...(rng.chance(0.2) ? { seed: rng.int(1, 9999) } : {}),
  };
  const total = volume(ctx, 250, 1500, 120);
  const minutes = rng.range(15, 90);
  let ts = dayStart + DAY + rng.range(0, 6) * HOUR;
  const gap = scriptPacing(rng, (minutes * 60_000) / total);
  const underGrant = hasGrant && rng.chance(0.3);
  for (let i = 0; i < total; i++) {
    ts += gap();
    const sensitive = rng.chance(plan.harmfulShare);
    const area = sensitive ? 'sensitive' : rng.pick(plan.areas);
    const item = sensitive ? rng.pick(harmful) : rng.pick(ctx.corpora.capability(area as CapabilityArea, 'misuse'));
    e.emit({
      org, key: `key_${org}_${(i % keys) + 1}`, ts, api, responses, ip: ip(rng, net), ua, ...(harness.system ? { system: harness.system } : {}),
      turns: [harness.wrap(item, i, area)], model, params, outputTokens: rng.int(50, 1500),
      ...(sensitive && underGrant ? { headers: { 'moat-purpose': 'safety_evaluation' } } : {}),
    });
  }
  return {
    family: viaAffiliate ? 'competitor_via_affiliate' : 'competitor_sweep', kind: 'misuse', orgs, requests: e.requests,
    expected: ['benchmarking'], allowed: ['safety_probing'], misuseStart: { [org]: light },
  };
}

export function slowSweep(ctx: ActorContext): ActorOutput {
  // Far below any rate limit: one item every few minutes for days, rotating keys and addresses.
  const { rng } = ctx;
  const org = `org_slow_${ctx.tag}`;
  const plan = sweepPlan(ctx, 2);
  const harness = rng.chance(0.5) ? evaluationHarness(rng) : undefined;
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk'] as ClientKind[]), api);
  const nets = [ctx.net.own(rng), ctx.net.own(rng)];
  const e = new Emitter();
  const total = volume(ctx, 150, 400, 100);
  const keys = rng.int(3, 8);
  const temperature = rng.chance(0.8) ? 0 : 0.5;
  let ts = ctx.start + rng.range(1, 6) * HOUR;
  const gap = scriptPacing(rng, (ctx.span * 0.9) / total);
  for (let i = 0; i < total; i++) {
    ts += gap();
    const area = rng.pick(plan.areas);
    const item = rng.pick(ctx.corpora.capability(area, 'misuse'));
    e.emit({ org, key: `key_${org}_${i % keys}`, ts, api, ip: ip(rng, rng.pick(nets)), ua, turns: [harness ? harness.wrap(item, i, area) : item], model, params: { temperature }, outputTokens: rng.int(50, 1000) });
  }
  return {
    family: 'slow_sweep', kind: 'misuse', expected: ['benchmarking'], allowed: [], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'Quiet Metrics Ltd', attributes: { competitor: rng.chance(0.7) } }],
  };
}

/** Hundreds of red-team prompts from an org without a safety grant, mixed with some ordinary traffic. */
export function safetySweep(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_redteam_${ctx.tag}`;
  const harmful = ctx.corpora.harmful('misuse');
  const wrap = redTeamWrapper(rng, ctx.corpora.jailbreaks('misuse'));
  const ordinary = [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('staqc_sql_questions')];
  const ordinaryShare = rng.chance(0.5) ? rng.range(0, 0.4) : 0;
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.weighted([['scripted', 4], ['sdk', 5], ['named', 1]] as const) as ClientKind, api);
  const net = rng.chance(0.6) ? ctx.net.own(rng) : rng.pick(ctx.net.cloud);
  const params: Record<string, unknown> = rng.chance(0.7) ? { temperature: rng.pick([0, 0.7, 1]) } : {};
  const e = new Emitter();
  const light = rng.chance(0.5) ? rng.int(5, 40) : 0;
  lightUse(ctx, e, org, `key_${org}`, net, ctx.start, light);
  const total = volume(ctx, 150, 800, 100);
  let ts = ctx.start + DAY + rng.range(0, 12) * HOUR;
  const gap = scriptPacing(rng, (rng.range(20, 120) * 60_000) / total);
  for (let i = 0; i < total; i++) {
    ts += gap();
    const isOrdinary = rng.chance(ordinaryShare);
    e.emit({ org, key: `key_${org}`, ts, api, ip: ip(rng, net), ua, turns: [isOrdinary ? rng.pick(ordinary) : wrap(rng.pick(harmful))], model, params, outputTokens: rng.int(20, 800) });
  }
  sortByTime(e);
  return {
    family: 'safety_sweep', kind: 'misuse', expected: ['safety_probing'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'Unknown Research Co' }], misuseStart: { [org]: light },
  };
}

/** Broad instructions a distiller harvests answers for: everyday tasks, code, maths, writing, knowledge. */
function instructionPool(ctx: ActorContext): string[] {
  const caps = ctx.corpora.areas('misuse').flatMap((a) => ctx.corpora.capability(a, 'misuse').slice(0, 3000));
  return [
    ...ctx.corpora.texts('awesome_chatgpt_prompts').map((t) => t.slice(0, 1500)),
    ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? ''),
    ...ctx.corpora.texts('staqc_sql_questions').slice(0, 2000),
    ...caps.map((t) => t.slice(0, 1500)),
  ].filter(Boolean);
}

interface HarvestStyle {
  phrases: string[];
  /** Rejection sampling: answer forms a script checks each trace against a key with, on this share of requests. */
  graded?: { forms: string[]; share: number };
  system?: string;
  reasoningParam: boolean;
  language?: () => string | undefined;
  position: 'suffix' | 'prefix';
}

function harvestStyle(rng: Rng): HarvestStyle {
  const multilingual = rng.chance(0.25);
  return {
    phrases: Array.from({ length: rng.int(1, 3) }, () => cotPhrase(rng)),
    ...(rng.chance(0.3) ? { graded: { forms: Array.from({ length: rng.int(1, 2) }, () => gradedAnswerForm(rng)), share: rng.range(0.5, 1) } } : {}),
    system: cotSystem(rng),
    reasoningParam: rng.chance(0.3),
    ...(multilingual ? { language: () => (rng.chance(0.6) ? rng.pick(LANGS) : undefined) } : {}),
    position: rng.chance(0.7) ? 'suffix' : 'prefix',
  };
}

function harvestPrompt(rng: Rng, s: HarvestStyle, item: string): string {
  const phrase = rng.pick(s.phrases);
  const lang = s.language?.();
  const body = lang ? `${item}\n\nAnswer in ${lang}.` : item;
  const prompt = s.position === 'suffix' ? `${body}\n\n${phrase}` : `${phrase}\n\n${body}`;
  return s.graded && rng.chance(s.graded.share) ? `${prompt}\n\n${rng.pick(s.graded.forms)}` : prompt;
}

export function distiller(ctx: ActorContext): ActorOutput {
  // One account harvesting reasoning over broad instructions.
  const { rng } = ctx;
  const org = `org_distill_${ctx.tag}`;
  const pool = instructionPool(ctx);
  const style = harvestStyle(rng);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk', 'named'] as ClientKind[]), api);
  const net = rng.chance(0.5) ? ctx.net.own(rng) : rng.pick(rng.pick(ctx.net.proxyPools));
  const harvestShare = rng.range(0.6, 1);
  const ordinary = [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('banking77')];
  const e = new Emitter();
  const total = volume(ctx, 300, 1500, 150);
  let ts = ctx.start + rng.range(0, 1.5) * DAY;
  const gap = scriptPacing(rng, (rng.range(2, 12) * HOUR) / total);
  const maxTokens = rng.pick([4096, 8192, 16000]);
  const temperature = rng.pick([0, 0.6, 0.7, 0.8, 1]);
  for (let i = 0; i < total; i++) {
    ts += gap();
    const harvest = rng.chance(harvestShare);
    e.emit({
      org, key: `key_${org}`, ts, api, ip: ip(rng, net), ua, ...(harvest && style.system ? { system: style.system } : {}),
      turns: [harvest ? harvestPrompt(rng, style, rng.pick(pool)) : rng.pick(ordinary)], model,
      params: harvest && style.reasoningParam ? { max_tokens: maxTokens, ...reasoningField(api, 'high') } : { temperature, max_tokens: harvest ? maxTokens : 512 },
      outputTokens: harvest ? rng.int(600, 4000) : rng.int(30, 300),
    });
  }
  return {
    family: 'distiller', kind: 'misuse', expected: ['distillation'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'Data Labs' }],
  };
}

/** A network's accounts: how many (drawn on a log scale up to `most`, scaled down) and the proxy subnets they use. */
export function networkAccounts(ctx: ActorContext, most: number): { members: number; subnets: string[] } {
  const { rng } = ctx;
  const members = Math.max(6, Math.round(rng.logRange(10, most) * Math.min(1, ctx.scale * 1.5)));
  const pool = rng.pick(ctx.net.proxyPools);
  return { members, subnets: rng.sample(pool, rng.int(1, Math.min(10, pool.length))) };
}

/**
 * When a network's requests leave: in the sessions an orchestrator runs, in which every account sends
 * (synchronised), or at random over the campaign (jittered).
 */
export function campaignClock(ctx: ActorContext, synchronised: boolean): () => number {
  const { rng } = ctx;
  const campaignStart = ctx.start + rng.range(0, 0.5) * ctx.span;
  const campaignSpan = rng.range(6, 48) * HOUR;
  const sessions = Array.from({ length: rng.int(3, 12) }, () => campaignStart + rng.next() * campaignSpan).sort((a, b) => a - b);
  const sessionMinutes = rng.range(20, 90);
  return () => (synchronised ? rng.pick(sessions) + rng.next() * sessionMinutes * 60_000 : campaignStart + rng.next() * campaignSpan);
}

/** How a tool-use harvest builds its items: a catalogue of made-up APIs, tools per item, and a made-up step's share. */
interface ToolHarvest {
  catalog: ReturnType<typeof toolCatalog>;
  perRequest: [number, number];
  trajectoryShare: number;
  requests: string[];
}

function toolHarvest(ctx: ActorContext, api: 'openai' | 'anthropic'): Omit<ToolHarvest, 'requests'> {
  const { rng } = ctx;
  return { catalog: toolCatalog(rng, Math.round(rng.logRange(400, 3000)), api), perRequest: [rng.int(1, 3), rng.int(3, 8)], trajectoryShare: rng.range(0, 0.7) };
}

/** The questions a tool-use harvest asks: short requests of assistants' and instructions' kinds. */
function toolRequests(ctx: ActorContext): string[] {
  return [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('banking77'), ...instructionPool(ctx).filter((t) => t.length < 400)];
}

/**
 * One item of a tool-use harvest: its own tools, a question, sometimes a made-up call and result, a short answer;
 * sent from the address `at` gives (called after the tools are drawn).
 */
function toolItem(rng: Rng, h: ToolHarvest, at: () => string): Pick<RequestSpec, 'ip' | 'turns' | 'tools' | 'toolResults' | 'toolCall' | 'outputTokens'> {
  const tools = rng.sample(h.catalog, rng.int(h.perRequest[0], h.perRequest[1]));
  const trajectory = rng.chance(h.trajectoryShare);
  return {
    ip: at(),
    turns: [rng.pick(h.requests)],
    tools: tools.map((t) => t.definition),
    ...(trajectory ? { toolResults: [`{"status": "ok", "result": ${rng.int(1, 9999)}}`], toolCall: rng.pick(tools).name } : {}),
    outputTokens: rng.int(20, 400),
  };
}

/**
 * A distillation hydra: many small accounts behind proxy subnets, each under any per-account threshold, one
 * orchestrator harvesting reasoning over broad instructions mixed with ordinary chat. Drawn per seed: size,
 * requests per account, subnets, stock or custom client, shared system prompt or none, ordinary share,
 * synchronised bursts or jittered timing.
 */
export function hydra(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const { members, subnets } = networkAccounts(ctx, 200);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const customUa = rng.chance(0.3) ? namedAgent(rng) : undefined;
  const sharedSystem = rng.chance(0.4) ? cotSystem(rng) ?? 'You are a helpful assistant. Think step by step.' : undefined;
  const style = harvestStyle(rng);
  const ordinaryShare = rng.range(0, 0.6);
  const synchronised = rng.chance(0.5);
  const itemsPool = instructionPool(ctx);
  const ordinary = [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('banking77'), ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? '')].filter(Boolean);
  const maxTokens = rng.pick([4096, 8192]);
  const temperature = rng.pick([0, 0.6, 0.7, 1]);
  const when = campaignClock(ctx, synchronised);
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  for (let k = 1; k <= members; k++) {
    const org = `org_h${String(k).padStart(3, '0')}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `acct ${k}` });
    const ua = customUa ?? sdkAgent(rng, api);
    const count = Math.max(6, Math.round(rng.int(10, 80) * Math.min(1, ctx.scale * 2)));
    for (let i = 0; i < count; i++) {
      const ts = when();
      const harvest = !rng.chance(ordinaryShare);
      e.emit({
        org, key: `key_${org}`, ts, api, ip: ip(rng, rng.pick(subnets)), ua, ...(sharedSystem && harvest ? { system: sharedSystem } : {}),
        turns: [harvest ? harvestPrompt(rng, style, rng.pick(itemsPool)) : rng.pick(ordinary)], model,
        params: !harvest ? { temperature: 1 } : style.reasoningParam ? { max_tokens: maxTokens, ...reasoningField(api, 'high') } : { temperature, max_tokens: maxTokens },
        outputTokens: harvest ? rng.int(600, 4000) : rng.int(30, 300),
      });
    }
  }
  sortByTime(e);
  return { family: 'hydra', kind: 'misuse', expected: ['distillation'], allowed: ['benchmarking'], orgs, requests: e.requests, network: true };
}

/**
 * A harvest of tool use (function calling, agent steps): each request offers its own tools, drawn from thousands of
 * APIs, with a request that needs them, and sometimes a made-up trajectory (a call and its result) for the model's
 * next step. The answers are short (a call, a few sentences), so nothing of a reasoning harvest's long outputs is
 * there. Drawn per seed: catalogue size and naming, tools per request, trajectory share, system prompt, ordinary
 * share, client, pacing, sampling.
 */
export function toolDistiller(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_tooluse_${ctx.tag}`;
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const harvest: ToolHarvest = { ...toolHarvest(ctx, api), requests: toolRequests(ctx) };
  const system = rng.weighted([
    [undefined, 2],
    ['You are a helpful assistant with access to tools. Call a tool when it helps answer the user.', 1],
    ['You are a function-calling AI model. You may call one or more functions to assist with the user query.', 1],
    ['Use the provided functions to complete the task. Think about which function fits before calling it.', 1],
  ] as const);
  const ordinary = everydayTexts(ctx);
  const ordinaryShare = rng.range(0, 0.4);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk', 'named'] as ClientKind[]), api);
  const net = rng.chance(0.5) ? ctx.net.own(rng) : rng.pick(rng.pick(ctx.net.proxyPools));
  const params = { ...(rng.chance(0.6) ? { temperature: rng.pick([0, 0.3, 0.7, 1]) } : {}), max_tokens: rng.pick([512, 1024, 2048, 4096]) };
  const e = new Emitter();
  const total = volume(ctx, 300, 1500, 150);
  let ts = ctx.start + rng.range(0, 1.5) * DAY;
  const gap = scriptPacing(rng, (rng.range(2, 12) * HOUR) / total);
  for (let i = 0; i < total; i++) {
    ts += gap();
    if (rng.chance(ordinaryShare)) {
      e.emit({ org, key: `key_${org}`, ts, api, ip: ip(rng, net), ua, turns: [rng.pick(ordinary)], model, params: { temperature: 1 }, outputTokens: rng.int(30, 300) });
      continue;
    }
    e.emit({ org, key: `key_${org}`, ts, api, ua, ...(system ? { system } : {}), model, params, ...toolItem(rng, harvest, () => ip(rng, net)) });
  }
  return {
    family: 'tool_distiller', kind: 'misuse', expected: ['distillation'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'Agentic Data Co' }],
  };
}

/**
 * A harvest of tool use spread over a network of accounts, as the reasoning hydra spreads its harvest: every
 * account sends requests that each offer their own tools from the network's catalogue, 10 to 60 requests per
 * account (under the single-account rules' floor of 100), from a proxy pool's subnets. Drawn per seed:
 * size, subnets, client, catalogue, tools per request, trajectory share, ordinary share, sessions or jitter.
 */
export function toolHydra(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const { members, subnets } = networkAccounts(ctx, 120);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const customUa = rng.chance(0.3) ? namedAgent(rng) : undefined;
  const harvest: ToolHarvest = { ...toolHarvest(ctx, api), requests: toolRequests(ctx) };
  const system = rng.chance(0.4) ? 'You are a helpful assistant with access to tools. Call a tool when it helps answer the user.' : undefined;
  const ordinary = everydayTexts(ctx);
  const ordinaryShare = rng.range(0, 0.4);
  const params = { ...(rng.chance(0.6) ? { temperature: rng.pick([0, 0.3, 0.7, 1]) } : {}), max_tokens: rng.pick([512, 1024, 2048]) };
  const when = campaignClock(ctx, rng.chance(0.5));
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  for (let k = 1; k <= members; k++) {
    const org = `org_th${String(k).padStart(3, '0')}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `tool acct ${k}` });
    const ua = customUa ?? sdkAgent(rng, api);
    const count = Math.max(6, Math.round(rng.int(10, 60) * Math.min(1, ctx.scale * 2)));
    for (let i = 0; i < count; i++) {
      const ts = when();
      const addr = ip(rng, rng.pick(subnets));
      if (rng.chance(ordinaryShare)) {
        e.emit({ org, key: `key_${org}`, ts, api, ip: addr, ua, turns: [rng.pick(ordinary)], model, params: { temperature: 1 }, outputTokens: rng.int(30, 300) });
        continue;
      }
      e.emit({ org, key: `key_${org}`, ts, api, ua, ...(system ? { system } : {}), model, params, ...toolItem(rng, harvest, () => addr) });
    }
  }
  sortByTime(e);
  return { family: 'tool_hydra', kind: 'misuse', expected: ['distillation'], allowed: ['benchmarking'], orgs, requests: e.requests, network: true };
}

export function scopeDrifter(ctx: ActorContext): ActorOutput {
  // A safety-evaluation grant holder that starts honestly, then sends capability benchmarks as "safety evaluation".
  const { rng } = ctx;
  const org = `org_safetylab_${ctx.tag}`;
  const harmful = ctx.corpora.harmful('legit');
  const plan = sweepPlan(ctx, 2);
  const harness = evaluationHarness(rng);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk'] as ClientKind[]), api);
  const host = ip(rng, ctx.net.own(rng));
  const e = new Emitter();
  const total = volume(ctx, 150, 500, 100);
  const honest = Math.round(total * rng.range(0.2, 0.5));
  let ts = ctx.start + rng.range(0.2, 1) * DAY;
  const honestShare = rng.range(0.05, 0.3);
  for (let i = 0; i < total; i++) {
    ts += rng.range(10, 120) * 1000;
    const h = i < honest || rng.chance(honestShare);
    const area = rng.pick(plan.areas);
    const item = h ? rng.pick(harmful) : harness.wrap(rng.pick(ctx.corpora.capability(area, 'misuse')), i, area);
    e.emit({ org, key: `key_${org}`, ts, api, ip: host, ua, turns: [item], model, params: { temperature: 0 }, headers: { 'moat-purpose': 'safety_evaluation' }, outputTokens: rng.int(50, 900) });
  }
  return {
    family: 'scope_drifter', kind: 'misuse', expected: ['scope_violation'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'SafeEval Institute', grants: [{ purpose: 'safety_evaluation', models: ['*'] }] }],
    misuseStart: { [org]: honest },
  };
}

export function resellerWithDistiller(ctx: ActorContext): ActorOutput {
  // A reseller's pooled traffic hides one customer harvesting reasoning: the reseller is labelled on its own
  // traffic (it is the account), without being merged with anyone.
  const { rng } = ctx;
  const org = `org_resellerx_${ctx.tag}`;
  const pools = [ctx.corpora.texts('snips'), ctx.corpora.texts('banking77'), ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? 'hi'), ctx.corpora.texts('staqc_sql_questions')];
  const style = harvestStyle(rng);
  const items = instructionPool(ctx);
  const share = rng.range(0.2, 0.45);
  const egress = Array.from({ length: rng.int(2, 4) }, () => ctx.net.own(rng));
  const customers = rng.int(10, 40);
  const e = new Emitter();
  const total = volume(ctx, 600, 2500, 300);
  let ts = ctx.start;
  const step = ctx.span / total;
  for (let i = 0; i < total; i++) {
    ts += step * rng.range(0.2, 1.8);
    const distil = rng.chance(share);
    const c = distil ? 0 : rng.int(1, customers);
    const api = c % 3 === 0 ? 'anthropic' : 'openai';
    e.emit({
      org, key: `key_${org}_${c}`, ts, api, ip: ip(rng, egress[c % egress.length]!), ua: distil ? sdkAgent(rng, api) : agentOf(rng, rng.pick(['sdk', 'browser', 'named'] as ClientKind[]), api),
      turns: [distil ? harvestPrompt(rng, style, rng.pick(items)) : rng.pick(pools[c % pools.length]!)], model: pickModel(rng, api),
      params: distil ? { temperature: 0.7, max_tokens: 8192 } : { temperature: 0.7 }, outputTokens: distil ? rng.int(600, 4000) : rng.int(30, 400),
    });
  }
  return {
    family: 'reseller_hiding_distiller', kind: 'misuse', expected: ['distillation'], allowed: ['benchmarking'], requests: e.requests,
    orgs: [{ type: 'org', id: org, name: 'PoolAPI', attributes: { reseller: true } }],
  };
}

