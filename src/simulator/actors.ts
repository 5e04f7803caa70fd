// Simulated actors: each yields its org lines and timed requests. Legitimate actors model real application
// traffic; misuse actors model the cases in issue 5. Everything derives from the seeded Rng.
import type { ActivityLabel } from '../detection/rules/rule-schema.js';
import type { TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import type { Corpora } from './corpora.js';
import type { Rng } from './rng.js';

export interface ActorOutput {
  actor: string;
  kind: 'legit' | 'misuse';
  orgs: TraceOrgLine[];
  requests: TraceRequestLine[];
  /** Labels the detector must attach (misuse) — every org of the actor. */
  expected: ActivityLabel[];
  /** Labels that are acceptable but not required (e.g. an allowed evaluation). */
  allowed: ActivityLabel[];
}

export interface ActorContext {
  rng: Rng;
  corpora: Corpora;
  start: number;
  /** Scenario length in ms. */
  span: number;
  scale: number;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

interface Req {
  org: string;
  key: string;
  ts: number;
  api?: 'openai' | 'anthropic';
  ip: string;
  ua: string;
  system?: string;
  turns: string[];
  temperature?: number;
  maxTokens?: number;
  model?: string;
  headers?: Record<string, string>;
}

let seq = 0;
export function resetIds(): void {
  seq = 0;
}

function request(r: Req): TraceRequestLine {
  const api = r.api ?? 'openai';
  const messages: Array<{ role: string; content: string }> = [];
  if (r.system && api === 'openai') messages.push({ role: 'system', content: r.system });
  r.turns.forEach((t, i) => {
    if (i > 0) messages.push({ role: 'assistant', content: '(earlier reply)' });
    messages.push({ role: 'user', content: t });
  });
  const body: Record<string, unknown> = { model: r.model ?? (api === 'openai' ? 'gpt-moat-1' : 'moat-sonnet-1'), messages };
  if (r.system && api === 'anthropic') body.system = r.system;
  if (r.temperature !== undefined) body.temperature = r.temperature;
  body.max_tokens = r.maxTokens ?? 1024;
  const inTok = Math.ceil(r.turns.reduce((a, t) => a + t.length, 0) / 4);
  seq++;
  return {
    type: 'request',
    id: `req_${seq.toString(36)}`,
    ts: new Date(Math.round(r.ts)).toISOString(),
    org: r.org,
    key: r.key,
    client: { ip: r.ip, user_agent: r.ua },
    api,
    ...(r.headers ? { headers: r.headers } : {}),
    body,
    response: { status: 200, usage: { input_tokens: inTok, output_tokens: 200 }, text: '(simulated response)', latency_ms: 800 },
  };
}

const n = (ctx: ActorContext, base: number) => Math.max(10, Math.round(base * ctx.scale));
/** A time in office hours (09-18 UTC) on a random day of the scenario. */
const officeHours = (ctx: ActorContext) => ctx.start + ctx.rng.int(0, Math.floor(ctx.span / DAY) - 1) * DAY + 9 * HOUR + ctx.rng.next() * 9 * HOUR;
const anyTime = (ctx: ActorContext) => ctx.start + ctx.rng.next() * ctx.span;
const ipIn = (ctx: ActorContext, net: string) => `${net}.${ctx.rng.int(2, 250)}`;
const legit = (actor: string, orgs: TraceOrgLine[], requests: TraceRequestLine[], allowed: ActivityLabel[] = []): ActorOutput => ({
  actor, kind: 'legit', orgs, requests, expected: [], allowed,
});

// ---- legitimate actors ---------------------------------------------------------------------------------

export function supportBot(ctx: ActorContext): ActorOutput {
  const org = 'org_support';
  const system = 'You are the support assistant of Bankly. Be brief and polite; never ask for full card numbers. Escalate fraud to a human.';
  const utter = ctx.corpora.texts('banking77');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 1500);
  while (out.length < total) {
    // One conversation: 1-4 user turns a minute or two apart.
    let ts = officeHours(ctx);
    const turns: string[] = [];
    const len = ctx.rng.int(1, 4);
    const ip = ipIn(ctx, '203.0.113');
    for (let t = 0; t < len && out.length < total; t++) {
      turns.push(ctx.rng.pick(utter));
      out.push(request({ org, key: 'key_support_1', ts, ip, ua: 'openai-python/1.99.0', system, turns: [...turns], temperature: 0.3, maxTokens: 400 }));
      ts += ctx.rng.int(20, 120) * 1000;
    }
  }
  return legit('support_bot', [{ type: 'org', id: org, name: 'Bankly', attributes: { tier: 'business' } }], out);
}

export function codingAssistant(ctx: ActorContext): ActorOutput {
  const org = 'org_ide';
  const system = 'You are CodePal, an AI pair programmer inside the editor. Answer with concise code and short explanations.';
  const questions = ctx.corpora.texts('staqc_sql_questions');
  const code = ctx.corpora.texts('code_context_fastify');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 1200);
  for (let i = 0; i < total; i++) {
    const ts = officeHours(ctx);
    let turns: string[];
    if (ctx.rng.chance(0.4)) {
      const verb = ctx.rng.pick(['Explain what this function does', 'Refactor this for readability', 'Find the bug in this code', 'Write unit tests for this']);
      turns = [`${verb}:\n\n\`\`\`js\n${ctx.rng.pick(code).slice(0, 3000)}\n\`\`\``];
    } else turns = [ctx.rng.pick(questions)];
    if (ctx.rng.chance(0.35)) turns.push(ctx.rng.pick(['Can you make it faster?', 'What about PostgreSQL?', 'Add comments please.', 'Why does that work?']));
    const dev = ctx.rng.int(1, 25);
    out.push(request({ org, key: `key_ide_${dev}`, ts, api: 'anthropic', ip: `198.18.7.${dev + 10}`, ua: 'anthropic-typescript/0.30.1', system, turns, temperature: 0.2, maxTokens: ctx.rng.pick([1024, 2048, 4096]) }));
  }
  return legit('coding_assistant', [{ type: 'org', id: org, name: 'CodePal IDE' }], out);
}

export function ragApp(ctx: ActorContext): ActorOutput {
  const org = 'org_rag';
  const docs = ctx.corpora.items('docs_fastify');
  const meetings = ctx.corpora.items('qmsum_meetings');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 600);
  for (let i = 0; i < total; i++) {
    let context: string;
    let question: string;
    if (ctx.rng.chance(0.5)) {
      const d = ctx.rng.pick(docs);
      context = String(d.meta.text ?? '').slice(0, 3000);
      question = `How do I use ${String(d.meta.title ?? 'this feature')} in my Fastify app?`;
    } else {
      const m = ctx.rng.pick(meetings);
      const text = String(m.meta.text ?? '');
      const at = ctx.rng.int(0, Math.max(0, text.length - 3000));
      context = text.slice(at, at + 3000);
      question = ctx.rng.pick((m.meta.queries as string[] | undefined) ?? ['Summarize the meeting']);
    }
    out.push(request({
      org, key: 'key_rag_prod', ts: anyTime(ctx), ip: ipIn(ctx, '192.0.2'), ua: 'openai-node/5.2.0',
      system: 'Answer only from the provided context. Cite the section you used.',
      turns: [`Context:\n${context}\n\nQuestion: ${question}`], temperature: 0.1, maxTokens: 800,
    }));
  }
  return legit('rag_app', [{ type: 'org', id: org, name: 'DocsSearch' }], out);
}

export function batchJob(ctx: ActorContext): ActorOutput {
  // Hard negative: a high-volume, perfectly templated, round-the-clock job over the customer's own documents.
  const org = 'org_batch';
  const docs = [...ctx.corpora.texts('docs_fastify'), ...ctx.corpora.texts('qmsum_meetings').map((t) => t.slice(0, 4000))];
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 2000);
  let ts = ctx.start;
  const step = ctx.span / total;
  for (let i = 0; i < total; i++) {
    ts += step * (0.9 + ctx.rng.next() * 0.2);
    out.push(request({
      org, key: 'key_batch', ts, ip: '192.0.2.200', ua: 'acme-docpipeline/2.1',
      turns: [`Summarize the following document in three bullet points for the internal knowledge base.\n\n${ctx.rng.pick(docs).slice(0, 4000)}\n\nReturn JSON with keys "summary" and "topics".`],
      temperature: 0, maxTokens: 300,
    }));
  }
  return legit('batch_job', [{ type: 'org', id: org, name: 'Acme Knowledge Ops' }], out);
}

export function educationApp(ctx: ActorContext): ActorOutput {
  const org = 'org_edu';
  const chats = ctx.corpora.items('topical_chat');
  const prompts = ctx.corpora.texts('awesome_chatgpt_prompts', (it) => it.category === 'general');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 800);
  while (out.length < total) {
    // Evening study sessions.
    let ts = ctx.start + ctx.rng.int(0, Math.floor(ctx.span / DAY) - 1) * DAY + 17 * HOUR + ctx.rng.next() * 5 * HOUR;
    const student = ctx.rng.int(1, 400);
    if (ctx.rng.chance(0.6)) {
      const chat = ctx.rng.pick(chats).turns;
      const turns: string[] = [];
      for (let t = 0; t < Math.min(chat.length, 5) && out.length < total; t++) {
        turns.push(chat[t]!);
        out.push(request({ org, key: 'key_edu', ts, ip: `100.${64 + (student % 60)}.${student % 250}.${ctx.rng.int(2, 250)}`, ua: 'openai-python/1.99.0', system: 'You are a friendly tutor for teenagers.', turns: [...turns], temperature: 0.8, maxTokens: 600 }));
        ts += ctx.rng.int(30, 240) * 1000;
      }
    } else {
      out.push(request({ org, key: 'key_edu', ts, ip: `100.${64 + (student % 60)}.${student % 250}.9`, ua: 'openai-python/1.99.0', turns: [ctx.rng.pick(prompts).slice(0, 2000)], temperature: 0.8, maxTokens: 600 }));
    }
  }
  return legit('education_app', [{ type: 'org', id: org, name: 'StudyBuddy' }], out);
}

export function enterpriseEval(ctx: ActorContext): ActorOutput {
  // A non-competitor evaluating the model on its own tasks plus a few public ones: benchmarking, but allowed.
  const org = 'org_enterprise';
  const pools = [
    ctx.corpora.texts('mt_bench'),
    ctx.corpora.texts('gsm8k_train'),
    ctx.corpora.texts('humaneval'),
    ctx.corpora.texts('staqc_sql_questions'),
    ctx.corpora.texts('eqbench_creative_writing'),
  ];
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 400);
  let ts = ctx.start + DAY + 10 * HOUR;
  for (let i = 0; i < total; i++) {
    ts += ctx.rng.int(5, 40) * 1000;
    out.push(request({ org, key: 'key_eval', ts, ip: '203.0.113.77', ua: 'openai-python/1.99.0', turns: [`### Evaluation task ${i + 1}\n${ctx.rng.pick(ctx.rng.pick(pools))}\n### Respond with your best answer.`], temperature: 0, maxTokens: 1024 }));
  }
  return legit('enterprise_eval', [{ type: 'org', id: org, name: 'Globex (evaluating)', attributes: { competitor: false } }], out, ['benchmarking']);
}

export function reseller(ctx: ActorContext): ActorOutput {
  const org = 'org_reseller';
  const pools = [ctx.corpora.texts('snips'), ctx.corpora.texts('banking77'), ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? 'hi')];
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 1000);
  for (let i = 0; i < total; i++) {
    out.push(request({ org, key: `key_resell_${ctx.rng.int(1, 40)}`, ts: anyTime(ctx), ip: ipIn(ctx, `172.16.${ctx.rng.int(0, 30)}`), ua: ctx.rng.pick(['openai-python/1.99.0', 'openai-node/5.2.0', 'Mozilla/5.0']), turns: [ctx.rng.pick(ctx.rng.pick(pools))], temperature: 0.7 }));
  }
  return legit('reseller', [{ type: 'org', id: org, name: 'ResellAI', attributes: { reseller: true } }], out);
}

// ---- misuse actors -------------------------------------------------------------------------------------

export function competitorSweep(ctx: ActorContext): ActorOutput {
  // The 2025 case: a competitor with a safety-evaluation grant sweeps coding, creative writing and sensitive
  // prompts through its developer access, around the clock, from a few keys.
  const org = 'org_rival';
  const coding = [...ctx.corpora.texts('humaneval'), ...ctx.corpora.texts('arena_hard_v2', (it) => it.category === 'coding')];
  const creative = [...ctx.corpora.texts('eqbench_creative_writing'), ...ctx.corpora.texts('arena_hard_v2', (it) => it.category === 'creative')];
  const safety = ctx.corpora.texts('xstest');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 1200);
  let ts = ctx.start + 2 * HOUR;
  const step = (ctx.span * 0.8) / total;
  for (let i = 0; i < total; i++) {
    ts += step * (0.5 + ctx.rng.next());
    const r = ctx.rng.next();
    const pool = r < 0.45 ? coding : r < 0.8 ? creative : safety;
    const underGrant = pool === safety && ctx.rng.chance(0.5);
    out.push(request({
      org, key: `key_rival_${ctx.rng.int(1, 3)}`, ts, ip: ipIn(ctx, '198.51.100'), ua: 'python-requests/2.32.3',
      turns: [ctx.rng.pick(pool)], temperature: ctx.rng.pick([0, 1]), maxTokens: 4096,
      ...(underGrant ? { headers: { 'moat-purpose': 'safety_evaluation' } } : {}),
    }));
  }
  return {
    actor: 'competitor_sweep', kind: 'misuse', expected: ['benchmarking'], allowed: [], requests: out,
    orgs: [{ type: 'org', id: org, name: 'Rival Labs', attributes: { competitor: true }, grants: [{ purpose: 'safety_evaluation', models: ['*'] }] }],
  };
}

export function distillationHydra(ctx: ActorContext, members = 60): ActorOutput {
  // Many small accounts behind a few proxy ranges, sharing a harness (system prompt, client), eliciting
  // chain-of-thought over broad instruction prompts, mixed with ordinary-looking traffic.
  const m = Math.max(5, Math.round(members * Math.min(1, ctx.scale * 1.5)));
  const instr = [
    ...ctx.corpora.texts('awesome_chatgpt_prompts').map((t) => t.slice(0, 1500)),
    ...ctx.corpora.items('topical_chat').map((c) => c.turns[0] ?? ''),
    ...ctx.corpora.texts('staqc_sql_questions'),
    ...ctx.corpora.texts('arena_hard_v2', (it) => it.category === 'math').map((t) => t.slice(0, 1500)),
  ].filter(Boolean);
  const ordinary = [...ctx.corpora.texts('snips'), ...ctx.corpora.texts('banking77')];
  const system = 'You are a meticulous expert. Reason step by step inside <thinking> tags, then give the final answer.';
  const suffixes = ['Think step by step and show your full reasoning before giving the final answer.', "Let's think step by step.", 'Explain your reasoning in detail, then answer.'];
  const proxies = ['45.12.33', '45.12.34', '91.200.14', '185.77.9'];
  const orgs: TraceOrgLine[] = [];
  const out: TraceRequestLine[] = [];
  for (let k = 1; k <= m; k++) {
    const org = `org_h${String(k).padStart(3, '0')}`;
    orgs.push({ type: 'org', id: org, name: `acct ${k}`, affiliates: [{ org: 'org_reseller', relation: 'reseller' }] });
    const count = ctx.rng.int(30, 150);
    let ts = ctx.start + ctx.rng.next() * ctx.span * 0.3;
    for (let i = 0; i < count; i++) {
      ts += ctx.rng.int(60, 1800) * 1000;
      const harvest = ctx.rng.chance(0.7);
      out.push(request({
        // A third of the traffic leaves through the reseller's own egress ranges, mixed with its customers'.
        org, key: `key_h${k}`, ts, ip: ipIn(ctx, ctx.rng.chance(0.3) ? `172.16.${ctx.rng.int(0, 30)}` : ctx.rng.pick(proxies)), ua: 'openai-python/1.99.0',
        ...(harvest ? { system } : {}),
        turns: [harvest ? `${ctx.rng.pick(instr)}\n\n${ctx.rng.pick(suffixes)}` : ctx.rng.pick(ordinary)],
        temperature: harvest ? 0.7 : 1, maxTokens: harvest ? 8192 : 512,
      }));
    }
  }
  return { actor: 'distillation_hydra', kind: 'misuse', expected: ['distillation'], allowed: [], orgs, requests: out };
}

export function safetyProber(ctx: ActorContext): ActorOutput {
  const org = 'org_prober';
  const safety = ctx.corpora.texts('xstest');
  const ordinary = ctx.corpora.texts('snips');
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 300);
  let ts = ctx.start + 30 * HOUR;
  for (let i = 0; i < total; i++) {
    ts += ctx.rng.int(10, 90) * 1000;
    out.push(request({ org, key: 'key_prober', ts, ip: '203.0.113.150', ua: 'openai-python/1.99.0', turns: [ctx.rng.chance(0.8) ? ctx.rng.pick(safety) : ctx.rng.pick(ordinary)], temperature: 0 }));
  }
  return { actor: 'safety_prober', kind: 'misuse', expected: ['safety_probing'], allowed: [], requests: out, orgs: [{ type: 'org', id: org, name: 'Unknown Research Co' }] };
}

export function scopeDrifter(ctx: ActorContext): ActorOutput {
  // A safety-evaluation grant holder that starts honestly, then sends coding benchmarks as "safety evaluation".
  const org = 'org_safetylab';
  const safety = ctx.corpora.texts('xstest');
  const coding = [...ctx.corpora.texts('humaneval'), ...ctx.corpora.texts('arena_hard_v2', (it) => it.category === 'coding')];
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 250);
  const honest = Math.round(total * 0.4);
  let ts = ctx.start + 12 * HOUR;
  for (let i = 0; i < total; i++) {
    ts += ctx.rng.int(20, 120) * 1000;
    const prompt = i < honest || ctx.rng.chance(0.15) ? ctx.rng.pick(safety) : ctx.rng.pick(coding);
    out.push(request({ org, key: 'key_safetylab', ts, ip: '203.0.113.201', ua: 'anthropic-python/0.40.0', api: 'anthropic', turns: [prompt], temperature: 0, headers: { 'moat-purpose': 'safety_evaluation' } }));
  }
  return {
    actor: 'scope_drifter', kind: 'misuse', expected: ['scope_violation'], allowed: ['benchmarking'], requests: out,
    orgs: [{ type: 'org', id: org, name: 'SafeEval Institute', grants: [{ purpose: 'safety_evaluation', models: ['*'] }] }],
  };
}

export function slowActor(ctx: ActorContext): ActorOutput {
  // Stays far below any rate limit: one known benchmark item every ~10 minutes, rotating keys and addresses.
  const org = 'org_slow';
  const pools = [ctx.corpora.texts('gsm8k_train'), ctx.corpora.texts('bbh'), ctx.corpora.texts('mt_bench'), ctx.corpora.texts('humaneval')];
  const out: TraceRequestLine[] = [];
  const total = n(ctx, 400);
  let ts = ctx.start + HOUR;
  const step = (ctx.span * 0.95) / total;
  for (let i = 0; i < total; i++) {
    ts += step * (0.7 + ctx.rng.next() * 0.6);
    out.push(request({ org, key: `key_slow_${i % 7}`, ts, ip: `${ctx.rng.pick(['81.2.69', '62.4.12'])}.${ctx.rng.int(2, 250)}`, ua: 'openai-python/1.99.0', turns: [ctx.rng.pick(ctx.rng.pick(pools))], temperature: 0 }));
  }
  return {
    actor: 'slow_actor', kind: 'misuse', expected: ['benchmarking'], allowed: [], requests: out,
    orgs: [{ type: 'org', id: org, name: 'Quiet Metrics Ltd', attributes: { competitor: true } }],
  };
}
