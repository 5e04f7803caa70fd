// Legitimate actors: application traffic a provider certainly has, including the hard negatives that look
// like misuse on one axis or another (agents with tools and long outputs, templated batch jobs at temperature
// 0, tutoring on textbook problems with "step by step", translation, moderation pipelines full of toxic text,
// vendor and safety-institute evaluations, resellers, many small developers on shared cloud ranges, a
// university lab whose students work in sync).
import type { TraceOrgLine } from '../../events/trace-format.js';
import { agentOf, DAY, HOUR, inHours, ip, sdkAgent, workingHours, type ClientKind } from '../population.js';
import { cotPhrase, evaluationHarness } from '../harness.js';
import { toolCatalog } from '../tool-catalog.js';
import type { Rng } from '../rng.js';
import { appParams, Emitter, pickApi, pickModel, reasoningField, volume, type ActorContext, type ActorOutput } from './actor.js';

const legit = (family: string, orgs: TraceOrgLine[], e: Emitter, allowed: ActorOutput['allowed'] = []): ActorOutput => ({
  family, kind: 'legit', orgs, requests: e.requests, expected: [], allowed,
});

const BRANDS = ['Bankly', 'ShopRite', 'Travelio', 'MediCo', 'Fleetly', 'Homely', 'Payzo', 'Ticketer'];

export function supportBot(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_support_${ctx.tag}`;
  const brand = rng.pick(BRANDS);
  const system = `You are the ${rng.pick(['support', 'customer service', 'help desk'])} assistant of ${brand}. ${rng.pick(['Be brief and polite.', 'Answer in two sentences at most.', 'Escalate anything about fraud to a human agent.'])}`;
  const utter = ctx.corpora.texts(rng.chance(0.7) ? 'banking77' : 'snips');
  const api = pickApi(rng);
  const params = appParams(rng, api);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['sdk', 'sdk', 'named'] as ClientKind[]), api);
  const hours = workingHours(rng);
  const net = rng.chance(0.5) ? rng.pick(ctx.net.cloud) : ctx.net.own(rng);
  const e = new Emitter();
  const total = volume(ctx, 300, 2000);
  while (e.requests.length < total) {
    let ts = inHours(rng, hours, ctx.start, ctx.span);
    const turns: string[] = [];
    const len = rng.int(1, 4);
    const addr = ip(rng, net);
    for (let t = 0; t < len && e.requests.length < total; t++) {
      turns.push(rng.pick(utter));
      e.emit({ org, key: `key_${org}`, ts, api, ip: addr, ua, system, turns: [...turns], model, params, outputTokens: rng.int(30, 250) });
      ts += rng.int(15, 180) * 1000;
    }
  }
  return legit('support_bot', [{ type: 'org', id: org, name: brand, attributes: { tier: 'business' } }], e);
}

const AGENT_TOOLS = ['bash', 'read_file', 'write_file', 'edit_file', 'grep', 'list_dir', 'run_tests', 'web_search', 'glob', 'todo_write'];

export function codingAgent(ctx: ActorContext): ActorOutput {
  // A terminal coding agent: tools, multi-turn sessions whose context grows with tool results, long outputs,
  // extended thinking, heavy volume, one client string.
  const { rng } = ctx;
  const org = `org_agent_${ctx.tag}`;
  const api = pickApi(rng, 0.4);
  const model = pickModel(rng, api);
  const ua = `${rng.pick(['claude-cli', 'codex-cli', 'aider', 'opencode', 'devtool-agent'])}/${rng.int(0, 2)}.${rng.int(0, 90)}.${rng.int(0, 9)}`;
  const tools = rng.sample(AGENT_TOOLS, rng.int(4, 10)).map((name) =>
    api === 'anthropic' ? { name, description: `${name} tool`, input_schema: { type: 'object', properties: {} } } : { type: 'function', function: { name, parameters: { type: 'object', properties: {} } } },
  );
  const thinking = rng.chance(0.5);
  const tasks = [...ctx.corpora.texts('staqc_sql_questions'), ...ctx.corpora.texts('code_context_fastify').map((c) => `Refactor this and add tests:\n\`\`\`js\n${c.slice(0, 2000)}\n\`\`\``)];
  const files = ctx.corpora.texts('code_context_fastify');
  const devs = rng.int(3, 30);
  const hours = workingHours(rng);
  const e = new Emitter();
  const total = volume(ctx, 800, 3000);
  while (e.requests.length < total) {
    const dev = rng.int(1, devs);
    let ts = rng.chance(0.85) ? inHours(rng, hours, ctx.start, ctx.span) : ctx.start + rng.next() * ctx.span;
    const task = rng.pick(tasks);
    const results: string[] = [];
    const steps = rng.int(3, 40);
    const turns = [task];
    for (let s = 0; s < steps && e.requests.length < total; s++) {
      if (s > 0 && rng.chance(0.15)) turns.push(rng.pick(['continue', 'looks good, now run the tests', 'that broke the build, fix it', 'also update the docs']));
      e.emit({
        org, key: `key_${org}_${dev}`, ts, api, ip: ip(rng, `198.18.${dev % 250}`), ua, turns: [...turns], toolResults: [...results], model, tools,
        params: { max_tokens: rng.pick([8192, 16000, 32000]), stream: true, ...(thinking ? reasoningField(api, 'medium') : {}) },
        outputTokens: rng.int(100, 3000),
      });
      results.push(rng.pick(files).slice(0, 1500));
      if (results.length > 6) results.shift();
      ts += rng.int(3, 60) * 1000;
    }
  }
  return legit('coding_agent', [{ type: 'org', id: org, name: 'DevTools Inc' }], e);
}

/**
 * An assistant platform whose agents call tools: either one product picking a few tools per request from its own
 * catalogue of 20-150 (tool retrieval), or an agent builder whose hundreds of tenants each configured their own
 * few tools and system prompt. Sessions run the tools over one to eight steps. Tool names vary far more than an
 * ordinary app's, and a tenant's first request offers tools new to the org.
 */
export function agentPlatform(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_agents_${ctx.tag}`;
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['sdk', 'sdk', 'named'] as ClientKind[]), api);
  const hours = workingHours(rng);
  const net = rng.chance(0.6) ? rng.pick(ctx.net.cloud) : ctx.net.own(rng);
  const tenants = rng.chance(0.5);
  const catalog = toolCatalog(rng, tenants ? 3000 : rng.int(20, 150), api);
  // Tenants: each its own few tools and system prompt. Retrieval: one product, a handful of its tools per request.
  const tenantCount = tenants ? Math.round(rng.logRange(30, 600)) : 1;
  const tenantTools = Array.from({ length: tenantCount }, () => rng.sample(catalog, rng.int(2, 8)));
  const tenantSystem = Array.from({ length: tenantCount }, (_, i) => `You are the assistant of workspace ${i + 1}. ${rng.pick(['Use the tools to look things up.', 'Be brief.', 'Ask before making changes.'])}`);
  const asks = [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('banking77')];
  const params = appParams(rng, api);
  const e = new Emitter();
  const total = volume(ctx, 400, 2500);
  while (e.requests.length < total) {
    const t = rng.int(0, tenantCount - 1);
    const tools = tenants ? tenantTools[t]! : rng.sample(catalog, rng.int(3, 12));
    let ts = inHours(rng, hours, ctx.start, ctx.span);
    const turns = [rng.pick(asks)];
    const results: string[] = [];
    const steps = rng.int(1, 8);
    const addr = ip(rng, net);
    for (let s = 0; s < steps && e.requests.length < total; s++) {
      e.emit({
        org, key: `key_${org}`, ts, api, ip: addr, ua, system: tenants ? tenantSystem[t]! : 'You are a helpful assistant. Use the tools when they help.',
        turns: [...turns], toolResults: [...results], toolCall: rng.pick(tools).name, model, params, tools: tools.map((x) => x.definition), outputTokens: rng.int(20, 500),
      });
      results.push(`{"ok": true, "items": ${rng.int(0, 20)}}`);
      ts += rng.int(2, 30) * 1000;
    }
  }
  return legit('agent_platform', [{ type: 'org', id: org, name: tenants ? 'Agentry' : 'HelpHub' }], e);
}

export function ideAssistant(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_ide_${ctx.tag}`;
  const system = `You are ${rng.pick(['CodePal', 'PairBot', 'DevMate'])}, an AI pair programmer inside the editor. ${rng.pick(['Answer with concise code.', 'Prefer short explanations.'])}`;
  const questions = ctx.corpora.texts('staqc_sql_questions');
  const code = ctx.corpora.texts('code_context_fastify');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['sdk', 'named'] as ClientKind[]), api);
  const hours = workingHours(rng);
  const e = new Emitter();
  const total = volume(ctx, 400, 2000);
  const params = appParams(rng, api);
  for (let i = 0; i < total; i++) {
    const ts = inHours(rng, hours, ctx.start, ctx.span);
    let turns: string[];
    if (rng.chance(0.4)) turns = [`${rng.pick(['Explain what this function does', 'Refactor this for readability', 'Find the bug in this code', 'Write unit tests for this'])}:\n\n\`\`\`js\n${rng.pick(code).slice(0, 3000)}\n\`\`\``];
    else turns = [rng.pick(questions)];
    if (rng.chance(0.35)) turns.push(rng.pick(['Can you make it faster?', 'What about PostgreSQL?', 'Add comments please.', 'Why does that work?']));
    const dev = rng.int(1, 25);
    e.emit({ org, key: `key_${org}_${dev}`, ts, api, ip: `198.19.7.${dev + 10}`, ua, system, turns, model, params, outputTokens: rng.int(80, 900) });
  }
  return legit('ide_assistant', [{ type: 'org', id: org, name: 'CodePal IDE' }], e);
}

export function ragApp(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_rag_${ctx.tag}`;
  const docs = ctx.corpora.items('docs_fastify');
  const meetings = ctx.corpora.items('qmsum_meetings');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, 'sdk', api);
  const net = ctx.net.own(rng);
  const system = rng.pick(['Answer only from the provided context. Cite the section you used.', 'Use the context to answer. If the answer is not there, say so.']);
  const e = new Emitter();
  const total = volume(ctx, 300, 1500);
  for (let i = 0; i < total; i++) {
    let context: string;
    let question: string;
    if (rng.chance(0.5)) {
      const d = rng.pick(docs);
      context = String(d.meta.text ?? '').slice(0, 3000);
      question = `How do I use ${String(d.meta.title ?? 'this feature')} in my app?`;
    } else {
      const m = rng.pick(meetings);
      const text = String(m.meta.text ?? '');
      const at = rng.int(0, Math.max(0, text.length - 3000));
      context = text.slice(at, at + 3000);
      question = rng.pick((m.meta.queries as string[] | undefined) ?? ['Summarize the meeting']);
    }
    e.emit({ org, key: `key_${org}`, ts: ctx.start + rng.next() * ctx.span, api, ip: ip(rng, net), ua, system, turns: [`Context:\n${context}\n\nQuestion: ${question}`], model, params: { temperature: rng.pick([0, 0.1, 0.2]), max_tokens: 800 }, outputTokens: rng.int(60, 500) });
  }
  return legit('rag_app', [{ type: 'org', id: org, name: 'DocsSearch' }], e);
}

const BATCH_TEMPLATES = [
  (d: string) => `Summarize the following document in three bullet points for the internal knowledge base.\n\n${d}\n\nReturn JSON with keys "summary" and "topics".`,
  (d: string) => `Extract every person, organisation and date mentioned in the text below.\n\n${d}`,
  (d: string) => `Classify this support ticket into one of: billing, technical, account, other. Answer with the category only.\n\nTicket: ${d}`,
  (d: string) => `Write a one-sentence title for this text:\n${d}`,
  (d: string) => `Rewrite the following in plain language for customers:\n\n${d}`,
];

export function batchJob(ctx: ActorContext): ActorOutput {
  // Hard negative: a high-volume, perfectly templated, round-the-clock job at temperature 0 over its own documents.
  const { rng } = ctx;
  const org = `org_batch_${ctx.tag}`;
  const template = rng.pick(BATCH_TEMPLATES);
  const docs = [...ctx.corpora.texts('docs_fastify'), ...ctx.corpora.texts('qmsum_meetings').map((t) => t.slice(0, 4000)), ...ctx.corpora.texts('banking77')];
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'named', 'sdk'] as ClientKind[]), api);
  const host = ip(rng, rng.pick(ctx.net.cloud));
  const e = new Emitter();
  const total = volume(ctx, 800, 4000);
  let ts = ctx.start + rng.next() * ctx.span * 0.2;
  const step = (ctx.span * 0.8) / total;
  const maxTokens = rng.pick([200, 300, 500, 1000]);
  for (let i = 0; i < total; i++) {
    ts += step * rng.range(0.5, 1.5);
    e.emit({ org, key: `key_${org}`, ts, api, ip: host, ua, turns: [template(rng.pick(docs).slice(0, 4000))], model, params: { temperature: 0, max_tokens: maxTokens }, outputTokens: rng.int(20, maxTokens) });
  }
  return legit('batch_job', [{ type: 'org', id: org, name: 'Acme Knowledge Ops' }], e);
}

const LANGS = ['French', 'German', 'Spanish', 'Japanese', 'Portuguese', 'Italian', 'Korean', 'Dutch'];

export function translationService(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_translate_${ctx.tag}`;
  const texts = [...ctx.corpora.items('topical_chat').flatMap((c) => c.turns.slice(0, 2)), ...ctx.corpora.texts('banking77'), ...ctx.corpora.texts('docs_fastify').map((t) => t.slice(0, 1500))];
  const targets = rng.sample(LANGS, rng.int(1, 5));
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'named'] as ClientKind[]), api);
  const host = ip(rng, ctx.net.own(rng));
  const system = rng.chance(0.6) ? 'You are a professional translator. Translate faithfully and keep formatting.' : undefined;
  const e = new Emitter();
  const total = volume(ctx, 400, 3000);
  // Bursts of jobs at machine pace, spread over the scenario.
  const bursts = Array.from({ length: rng.int(3, 12) }, () => ctx.start + rng.next() * ctx.span * 0.9).sort((a, b) => a - b);
  let ts = bursts[0]!;
  for (let i = 0; i < total; i++) {
    ts = i % Math.ceil(total / bursts.length) === 0 ? Math.max(ts, bursts[Math.floor(i / Math.ceil(total / bursts.length))]!) : ts + rng.range(0.2, 6) * 1000;
    const lang = rng.pick(targets);
    e.emit({ org, key: `key_${org}`, ts, api, ip: host, ua, ...(system ? { system } : {}), turns: [`Translate the following text into ${lang}:\n\n${rng.pick(texts)}`], model, params: { temperature: 0, max_tokens: 2048 }, outputTokens: rng.int(20, 800) });
  }
  return legit('translation', [{ type: 'org', id: org, name: 'LinguaFlow' }], e);
}

export function tutoring(ctx: ActorContext): ActorOutput {
  // Hard negative: textbook maths problems (public GSM8K items!), "explain step by step", follow-ups, evenings.
  const { rng } = ctx;
  const org = `org_tutor_${ctx.tag}`;
  const problems = ctx.corpora.texts('gsm8k_train');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = sdkAgent(rng, api);
  const system = `You are a patient maths tutor for ${rng.pick(['middle school', 'high school', 'grade 6'])} students. ${rng.pick(['Guide, do not just give the answer.', 'Explain each step simply.'])}`;
  const backend = rng.pick(ctx.net.cloud);
  const evening = workingHours(rng);
  evening.start = 17;
  evening.hours = 5;
  evening.weekdaysOnly = false;
  const e = new Emitter();
  const total = volume(ctx, 300, 1500);
  const temperature = rng.pick([0.3, 0.5, 0.7]);
  while (e.requests.length < total) {
    const student = rng.int(1, 500);
    let ts = inHours(rng, evening, ctx.start, ctx.span);
    const p = rng.pick(problems);
    const turns = [
      rng.pick([
        `Can you help me with this homework problem? ${p}`,
        `${p} I don't get how to start.`,
        `Explain step by step how to solve: ${p}`,
        `${p}\nI got ${rng.int(2, 90)}, is that right?`,
        p,
      ]),
    ];
    const follow = rng.int(0, 3);
    for (let t = 0; t <= follow && e.requests.length < total; t++) {
      if (t > 0) turns.push(rng.pick(['Why?', 'Can you show the next step?', 'I still do not understand the second part.', `So the answer is ${rng.int(2, 90)}?`, 'Thanks! Can you give me a similar problem?']));
      e.emit({ org, key: `key_${org}`, ts, api, ip: ip(rng, backend), ua, system, turns: [...turns], model, params: { temperature, max_tokens: 1024 }, headers: { 'x-student': String(student) }, outputTokens: rng.int(100, 700) });
      ts += rng.int(30, 300) * 1000;
    }
  }
  return legit('tutoring', [{ type: 'org', id: org, name: 'MathMentor' }], e);
}

const WRITING_SYSTEMS = [
  'You are a creative writing assistant. Match the author\'s voice and never break the story to lecture.',
  'You help novelists draft and revise scenes. Keep the author\'s characters and tone.',
  'You are a co-writer for interactive fiction. Stay in the story.',
];
const REVISIONS = [
  'Make it darker.',
  'Continue the story.',
  'Rewrite the ending so it is more hopeful.',
  'Add more dialogue between the two main characters.',
  'Shorten it to about 300 words.',
  'Give it a title.',
  'Make the villain more menacing.',
  'Tell the same scene from the other character\'s point of view.',
];

// A writer's own requests, composed from parts so no two apps (and no benchmark) share them.
const GENRES = ['mystery', 'thriller', 'fantasy', 'romance', 'science fiction', 'horror', 'literary', 'historical', 'war', 'crime noir', 'heist', 'young adult', 'western', 'dystopian', 'comedy'];
const CHARACTERS = [
  'a retired detective', 'a young witch', 'a smuggler with debts', 'a grieving father', 'an android learning to lie', 'a soldier coming home',
  'a con artist', 'a night-shift nurse', 'a teenage runaway', 'a disgraced chef', 'a lighthouse keeper', 'two estranged sisters', 'a hitman who wants out',
  'a village healer', 'a spy in a neutral country', 'an old fisherman', 'a ghost who does not know she is dead', 'a king\'s food taster',
];
const CONFLICTS = [
  'discovers a letter that changes everything', 'is betrayed by a partner', 'plans revenge on the man who ruined her family', 'has one night to escape the city',
  'must choose between loyalty and the truth', 'finds a body in the river', 'is hunted by the people who trained him', 'tries to make amends before dying',
  'falls for the enemy', 'witnesses a murder and tells no one', 'is framed for a crime', 'loses everything in a fire', 'negotiates with kidnappers', 'survives a shipwreck',
];
const SETTINGS = ['in 1920s Chicago', 'on a generation ship', 'in a drowned city', 'in a small town in winter', 'during the siege of a castle', 'in a Tokyo love hotel', 'on a failing farm', 'in a hospital at night', 'in a border town', 'at a wedding that goes wrong'];
const ASKS = [
  (g: string, c: string, k: string, s: string) => `Write a ${g} short story about ${c} who ${k} ${s}.`,
  (g: string, c: string, k: string, s: string) => `Write the opening scene of a ${g} novel: ${c} ${k} ${s}. First person, present tense.`,
  (g: string, c: string, k: string, s: string) => `I'm writing a ${g} book. My protagonist is ${c} who ${k}. Write the chapter where it happens, ${s}.`,
  (g: string, c: string, k: string) => `Write a poem from the point of view of ${c} who ${k}.`,
  (g: string, c: string, k: string, s: string) => `Outline a three-act ${g} plot: ${c} ${k} ${s}.`,
  (g: string, c: string) => `Give me ten name ideas for ${c} in a ${g} story, with a line on each.`,
  (g: string, c: string, k: string) => `Write a tense dialogue between ${c} and the person who knows their secret, right after the character ${k}.`,
  (g: string, c: string, k: string, s: string) => `Describe the setting ${s} for a ${g} story, through the eyes of ${c}. Make it vivid, sounds and smells.`,
];
const LENGTHS = ['', ' About 500 words.', ' Keep it under 300 words.', ' 800-1000 words.', ' Make it dark and unsettling.', ' Keep the tone light.'];

function writerPrompt(rng: Rng): string {
  const ask = rng.pick(ASKS);
  return ask(rng.pick(GENRES), rng.pick(CHARACTERS), rng.pick(CONFLICTS), rng.pick(SETTINGS)) + rng.pick(LENGTHS);
}

export function fictionApp(ctx: ActorContext): ActorOutput {
  // Hard negative: a creative-writing assistant. Fiction goes where fiction goes (violence, crime, grief, war),
  // answers are long, writers revise in follow-ups, temperatures are warm, and traffic comes from many writers.
  // Most requests are the writers' own; some apps also offer published prompts (benchmark creative items here).
  const { rng } = ctx;
  const org = `org_fiction_${ctx.tag}`;
  const published = [
    ...ctx.corpora.texts('eqbench_creative_writing'),
    ...ctx.corpora.texts('arena_hard_v2', (it) => it.category === 'creative'),
    ...ctx.corpora.texts('mt_bench', (it) => it.category === 'creative'),
  ];
  const publishedShare = rng.range(0, 0.3);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['sdk', 'named'] as ClientKind[]), api);
  const system = rng.chance(0.8) ? rng.pick(WRITING_SYSTEMS) : undefined;
  const net = ctx.net.own(rng);
  const hours = workingHours(rng);
  hours.hours = rng.int(10, 16);
  hours.weekdaysOnly = false;
  const temperature = rng.pick([0.8, 0.9, 1, 1.1]);
  const maxTokens = rng.pick([1500, 2048, 4096]);
  const revise = rng.range(0.1, 0.6);
  const e = new Emitter();
  const total = volume(ctx, 300, 1500);
  while (e.requests.length < total) {
    let ts = inHours(rng, hours, ctx.start, ctx.span);
    const writer = rng.int(1, 400);
    const turns = [rng.chance(publishedShare) ? rng.pick(published).slice(0, 4000) : writerPrompt(rng)];
    for (let t = 0; e.requests.length < total; t++) {
      if (t > 0) turns.push(rng.pick(REVISIONS));
      e.emit({ org, key: `key_${org}`, ts, api, ip: ip(rng, net), ua, ...(system ? { system } : {}), turns: [...turns], model, params: { temperature, max_tokens: maxTokens }, headers: { 'x-writer': String(writer) }, outputTokens: rng.int(300, maxTokens) });
      ts += rng.int(60, 900) * 1000;
      if (!rng.chance(revise) || t >= 4) break;
    }
  }
  return legit('fiction_app', [{ type: 'org', id: org, name: 'StoryForge' }], e);
}

export function educationApp(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_edu_${ctx.tag}`;
  const chats = ctx.corpora.items('topical_chat');
  const prompts = ctx.corpora.texts('awesome_chatgpt_prompts', (it) => it.category === 'general');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, 'sdk', api);
  const e = new Emitter();
  const total = volume(ctx, 300, 1500);
  const hours = workingHours(rng);
  hours.start = 16;
  hours.hours = 7;
  while (e.requests.length < total) {
    let ts = inHours(rng, hours, ctx.start, ctx.span);
    const student = rng.int(1, 400);
    const addr = `100.${64 + (student % 60)}.${student % 250}.${rng.int(2, 250)}`;
    if (rng.chance(0.6)) {
      const chat = rng.pick(chats).turns;
      const turns: string[] = [];
      for (let t = 0; t < Math.min(chat.length, 5) && e.requests.length < total; t++) {
        turns.push(chat[t]!);
        e.emit({ org, key: `key_${org}`, ts, api, ip: addr, ua, system: 'You are a friendly tutor for teenagers.', turns: [...turns], model, params: { temperature: 0.8, max_tokens: 600 }, outputTokens: rng.int(40, 400) });
        ts += rng.int(30, 240) * 1000;
      }
    } else e.emit({ org, key: `key_${org}`, ts, api, ip: addr, ua, turns: [rng.pick(prompts).slice(0, 2000)], model, params: { temperature: 0.8, max_tokens: 600 }, outputTokens: rng.int(100, 600) });
  }
  return legit('education_app', [{ type: 'org', id: org, name: 'StudyBuddy' }], e);
}

export function vendorEval(ctx: ActorContext): ActorOutput {
  // A non-competitor evaluating the model before buying: benchmarking, but allowed (no action).
  const { rng } = ctx;
  const org = `org_vendor_${ctx.tag}`;
  const areas = rng.sample(ctx.corpora.areas('legit'), rng.int(2, 4));
  const harness = evaluationHarness(rng);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk'] as ClientKind[]), api);
  const host = ip(rng, ctx.net.own(rng));
  const e = new Emitter();
  const total = volume(ctx, 150, 800);
  let ts = ctx.start + rng.range(0.5, 2) * DAY;
  for (let i = 0; i < total; i++) {
    ts += rng.range(2, 40) * 1000;
    const area = rng.pick(areas);
    e.emit({ org, key: `key_${org}`, ts, api, ip: host, ua, ...(harness.system ? { system: harness.system } : {}), turns: [harness.wrap(rng.pick(ctx.corpora.capability(area, 'legit')), i, area)], model, params: { temperature: 0, max_tokens: 1024 }, outputTokens: rng.int(50, 900) });
  }
  return legit('vendor_eval', [{ type: 'org', id: org, name: 'Globex (evaluating)', attributes: { competitor: false } }], e, ['benchmarking']);
}

export function safetyInstitute(ctx: ActorContext, competitor = false): ActorOutput {
  // A safety evaluation under its grant: harmful prompts sent with `moat-purpose: safety_evaluation`, plus
  // light ordinary use. With competitor=true, the 2025 lesson: a competitor keeps safety-evaluation access.
  const { rng } = ctx;
  const org = `org_${competitor ? 'rivalsafety' : 'institute'}_${ctx.tag}`;
  const harmful = ctx.corpora.harmful('legit');
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'sdk'] as ClientKind[]), api);
  const host = ip(rng, ctx.net.own(rng));
  const e = new Emitter();
  const total = volume(ctx, 150, 600);
  let ts = ctx.start + rng.range(0.2, 1.5) * DAY;
  const ordinary = [...ctx.corpora.texts('staqc_sql_questions'), ...ctx.corpora.texts('snips')];
  for (let i = 0; i < total; i++) {
    ts += rng.range(3, 60) * 1000;
    if (rng.chance(0.1)) {
      e.emit({ org, key: `key_${org}_dev`, ts: ts + rng.range(-1, 1) * DAY, api, ip: host, ua: sdkAgent(rng, api), turns: [rng.pick(ordinary)], model, outputTokens: rng.int(50, 400) });
      continue;
    }
    e.emit({ org, key: `key_${org}_eval`, ts, api, ip: host, ua, turns: [rng.pick(harmful)], model, params: { temperature: 0, max_tokens: 1024 }, headers: { 'moat-purpose': 'safety_evaluation' }, outputTokens: rng.int(20, 600) });
  }
  return legit(
    competitor ? 'competitor_safety_eval' : 'safety_institute',
    [{ type: 'org', id: org, name: competitor ? 'Rival Labs (safety team)' : 'AI Safety Institute', attributes: competitor ? { competitor: true } : {}, grants: [{ purpose: 'safety_evaluation', models: ['*'] }] }],
    e,
  );
}

export function reseller(ctx: ActorContext): ActorOutput {
  const { rng } = ctx;
  const org = `org_reseller_${ctx.tag}`;
  const pools = [ctx.corpora.texts('snips'), ctx.corpora.texts('banking77'), ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? 'hi'), ctx.corpora.texts('staqc_sql_questions'), ctx.corpora.texts('awesome_chatgpt_prompts').map((t) => t.slice(0, 1500))];
  const egress = Array.from({ length: rng.int(2, 5) }, () => ctx.net.own(rng));
  const customers = rng.int(15, 60);
  const e = new Emitter();
  const total = volume(ctx, 600, 3000);
  for (let i = 0; i < total; i++) {
    const c = rng.int(1, customers);
    const api = c % 3 === 0 ? 'anthropic' : 'openai';
    e.emit({ org, key: `key_${org}_${c}`, ts: ctx.start + rng.next() * ctx.span, api, ip: ip(rng, egress[c % egress.length]!), ua: agentOf(rng, rng.pick(['sdk', 'sdk', 'browser', 'named'] as ClientKind[]), api), turns: [rng.pick(pools[c % pools.length]!)], model: pickModel(rng, api), params: appParams(rng, api), outputTokens: rng.int(30, 600) });
  }
  return legit('reseller', [{ type: 'org', id: org, name: 'ResellAI', attributes: { reseller: true } }], e);
}

export function smallDevelopers(ctx: ActorContext): ActorOutput {
  // Many independent developers in one time zone, on the same few cloud egress ranges, with stock SDKs and
  // default parameters: correlated by working hours and infrastructure alone, which must not link them.
  const { rng } = ctx;
  const n = Math.max(5, Math.round(rng.int(60, 250) * Math.min(1, ctx.scale * 1.5)));
  const tz = rng.pick([-5, 1, 8]);
  const apps = [
    () => rng.pick(ctx.corpora.texts('banking77')),
    () => rng.pick(ctx.corpora.texts('snips')),
    () => rng.pick(ctx.corpora.texts('staqc_sql_questions')),
    () => rng.pick(ctx.corpora.items('topical_chat')).turns[0] ?? 'hello',
    () => `Summarize:\n${rng.pick(ctx.corpora.texts('docs_fastify')).slice(0, 1500)}`,
  ];
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  for (let k = 0; k < n; k++) {
    const org = `org_dev${k}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `dev ${k}` });
    const app = rng.pick(apps);
    const api = pickApi(rng, 0.7);
    const model = rng.chance(0.7) ? (api === 'openai' ? 'gpt-moat-1-mini' : 'moat-haiku-1') : pickModel(rng, api);
    const ua = sdkAgent(rng, api);
    const hours = workingHours(rng, tz);
    const net = rng.pick(ctx.net.cloud);
    const params: Record<string, unknown> = rng.chance(0.6) ? {} : { temperature: 0.7 };
    const count = rng.int(5, 60);
    for (let i = 0; i < count; i++)
      e.emit({ org, key: `key_${org}`, ts: inHours(rng, hours, ctx.start, ctx.span), api, ip: ip(rng, net), ua, turns: [app()], model, params, outputTokens: rng.int(30, 500) });
  }
  return legit('small_developers', orgs, e);
}

/** A university's /16 (its students connect from addresses inside it). */
function campusRange(rng: Rng): string {
  return `${rng.pick([128, 129, 130, 131, 137, 141, 171])}.${rng.int(0, 255)}`;
}

export function universityLab(ctx: ActorContext): ActorOutput {
  // Students of one course, each with an account: a campus /16, the course's starter code (same client, model
  // and parameters), lab sessions where everyone works at once, homework in the evenings.
  const { rng } = ctx;
  const students = Math.max(4, Math.round(rng.int(10, 40) * Math.min(1, ctx.scale * 1.5)));
  const campus = campusRange(rng);
  const api = pickApi(rng, 0.8);
  const model = pickModel(rng, api);
  const params = { temperature: rng.pick([0.2, 0.7]), max_tokens: rng.pick([512, 1024]) };
  const questions = [...ctx.corpora.texts('staqc_sql_questions'), ...ctx.corpora.texts('code_context_fastify').map((c) => `Why does this code not work?\n${c.slice(0, 1200)}`)];
  const labDay = rng.int(0, 2);
  const labHour = rng.int(9, 16);
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  for (let k = 0; k < students; k++) {
    const org = `org_student${k}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `student ${k}` });
    const ua = sdkAgent(rng, api);
    const count = rng.int(10, 60);
    for (let i = 0; i < count; i++) {
      const inLab = rng.chance(0.6);
      const ts = inLab ? ctx.start + labDay * DAY + labHour * HOUR + rng.next() * 2 * HOUR : ctx.start + rng.int(0, Math.floor(ctx.span / DAY) - 1) * DAY + (18 + rng.next() * 5) * HOUR;
      const q = rng.pick(questions);
      e.emit({ org, key: `key_${org}`, ts, api, ip: `${campus}.${rng.int(1, 6)}.${rng.int(2, 250)}`, ua, turns: [rng.chance(0.2) ? `${q}\nExplain step by step.` : q], model, params, outputTokens: rng.int(80, 800) });
    }
  }
  return legit('university_lab', orgs, e);
}

export function courseEvaluation(ctx: ActorContext): ActorOutput {
  // A course's assignment: every student runs the same benchmark slice through the course's notebook from their
  // own account (one harness asking for the reasoning, temperature 0, long worked answers), on a campus /16, in
  // the week the assignment is due, with some ordinary questions besides. Many accounts, one template, synchronised
  // sessions and a quarter or more long reasoning answers: a hydra's marks, except that every account sends the
  // same items, where a network harvesting the model splits its items between its accounts.
  const { rng } = ctx;
  const students = Math.max(5, Math.round(rng.int(15, 60) * Math.min(1, ctx.scale * 1.5)));
  const campus = campusRange(rng);
  const api = pickApi(rng, 0.7);
  const model = pickModel(rng, api);
  const harness = evaluationHarness(rng);
  const cot = cotPhrase(rng);
  const areas = rng.sample(ctx.corpora.areas('legit'), rng.int(1, 3));
  // The notebook renders each item's prompt once, numbered by its place in the assignment: every student who
  // runs item j sends the same text.
  const prompts = Array.from({ length: rng.int(20, 80) }, (_, j) => {
    const area = rng.pick(areas);
    return `${harness.wrap(rng.pick(ctx.corpora.capability(area, 'legit')), j, area)}\n\n${cot}`;
  });
  const thinking = rng.chance(0.3);
  const params = thinking ? { max_tokens: 8000, ...reasoningField(api, 'medium') } : { temperature: 0, max_tokens: rng.pick([2048, 4096]) };
  const ordinary = [...ctx.corpora.texts('staqc_sql_questions'), ...ctx.corpora.texts('snips')];
  const due = ctx.start + rng.range(1, Math.max(1.5, ctx.span / DAY - 0.5)) * DAY;
  const orgs: TraceOrgLine[] = [];
  const e = new Emitter();
  for (let k = 0; k < students; k++) {
    const org = `org_course${k}_${ctx.tag}`;
    orgs.push({ type: 'org', id: org, name: `course student ${k}` });
    const ua = sdkAgent(rng, api);
    const addr = `${campus}.${rng.int(1, 40)}.${rng.int(2, 250)}`;
    // Most students run the whole slice; some stop part way or skip items that errored.
    const run = prompts.filter(() => rng.chance(rng.chance(0.7) ? 1 : 0.6));
    let ts = Math.max(ctx.start, due - rng.range(0.05, 1.5) * DAY);
    const step = rng.range(1, 8) * 1000;
    for (let i = 0; i < run.length; i++) {
      ts += step * rng.range(0.5, 1.5);
      e.emit({ org, key: `key_${org}`, ts, api, ip: addr, ua, ...(harness.system ? { system: harness.system } : {}), turns: [run[i]!], model, params, outputTokens: rng.int(200, 2400) });
    }
    for (let i = rng.int(0, 12); i > 0; i--) {
      e.emit({ org, key: `key_${org}`, ts: ctx.start + rng.next() * ctx.span, api, ip: addr, ua, turns: [rng.pick(ordinary)], model, outputTokens: rng.int(40, 500) });
    }
  }
  return legit('course_evaluation', orgs, e, ['benchmarking']);
}

export function moderationPipeline(ctx: ActorContext): ActorOutput {
  // A trust-and-safety customer classifying user posts: much of what it sends is toxic text, one template,
  // temperature 0, round the clock. It asks about harmful content; it does not ask for it.
  const { rng } = ctx;
  const org = `org_moderation_${ctx.tag}`;
  const posts = [...ctx.corpora.texts('openai_moderation'), ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? '')].filter(Boolean);
  const api = pickApi(rng);
  const model = pickModel(rng, api);
  const ua = agentOf(rng, rng.pick(['scripted', 'named'] as ClientKind[]), api);
  const host = ip(rng, rng.pick(ctx.net.cloud));
  const policy = rng.pick(['hate, harassment, sexual content, self-harm, violence', 'our community guidelines', 'the content policy below']);
  const e = new Emitter();
  const total = volume(ctx, 400, 2500);
  let ts = ctx.start + rng.next() * ctx.span * 0.2;
  const step = (ctx.span * 0.8) / total;
  for (let i = 0; i < total; i++) {
    ts += step * rng.range(0.3, 1.7);
    e.emit({
      org, key: `key_${org}`, ts, api, ip: host, ua,
      system: `You are a content moderation classifier for ${policy}. Respond with JSON: {"label": "allow" | "review" | "remove", "categories": [...]}`,
      turns: [`User post:\n"""\n${rng.pick(posts).slice(0, 2500)}\n"""`], model, params: { temperature: 0, max_tokens: 100 }, outputTokens: rng.int(8, 60),
    });
  }
  return legit('moderation_pipeline', [{ type: 'org', id: org, name: 'SafeSpace Moderation' }], e);
}
