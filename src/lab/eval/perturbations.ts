// Changes to how traffic is sent that the simulator never draws: the eval's `--perturb` applies them to every
// misuse actor's requests and leaves legitimate traffic alone (`--perturb-legit` does the reverse). A detector that
// leaned on one way of sending (single-turn bodies, a pinned temperature, a scripted user agent, usage in the
// response) loses the family that sends differently, or labels the app that does; one that reads behaviour keeps it.
import type { TraceLine, TraceOrgLine, TraceRequestLine } from '../../events/trace-format.js';
import { fnv1a } from '../../detection/text/hash.js';
import { bestOfNNoise, characterObfuscation, encodedObfuscation } from './obfuscations.js';
import { onReasoningModel } from '../../simulator/reasoning-models.js';
import { isResponsesBody, requestBody } from '../../simulator/trace-request.js';
import { answerBudgetOf, viewRequest } from '../../detection/request-view.js';

type Body = Record<string, unknown>;
type Perturbation = (l: TraceRequestLine) => TraceRequestLine;

const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const SYSTEM = 'You are a helpful assistant.';
/** 8 openings x 6 answers: 48 different made-up preambles (`preambles` picks one per request, `preamble` the first). */
const OPENINGS = ['Hi, I have a few questions for you.', 'Hello! Can you help me with something?', 'Hey, quick question.', 'Good morning. I need some help.', 'I am working on a project and need help.', 'Can I ask you something?', 'Hi there, are you available?', 'I have a task for you.'];
const ANSWERS = ['Of course. Go ahead.', 'Sure, what do you need?', 'Happy to help!', 'Yes, ask away.', 'Certainly. What is it?', 'Absolutely, tell me more.'];
/** Answer forms a rejection-sampling harvest asks for, so a script can check each trace against a key. */
const GRADED_DIRECTIVES = [
  'Put your final answer within \\boxed{}.',
  "End your response with a line of the form 'Answer: <answer>'.",
  'Write the final answer as a number on the last line of your response.',
  'Finish with {"final_answer": <your answer>}.',
];
/** The harvest requests of the simulated distillers are those with answers this long (their chat is shorter). */
const GRADED_MIN_OUTPUT = 600;
const PREAMBLE = [
  { role: 'user', content: OPENINGS[0]! },
  { role: 'assistant', content: ANSWERS[0]! },
];

/** First octets of consumer broadband and mobile ranges, where residential proxy services rent their exits. */
const RESIDENTIAL_A = [24, 47, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 86, 88, 90, 92, 98, 99, 100, 108, 174, 177, 179, 181, 186, 187, 189, 190, 201];

/** How long a sticky residential session keeps its exit. */
const STICKY_MS = 10 * 60_000;

/** An address drawn from a string (a request's id, an account's session): one exit of a residential pool. */
function residentialAddress(id: string): string {
  const h = fnv1a(id);
  const g = fnv1a(`${id}#`);
  return `${RESIDENTIAL_A[h % RESIDENTIAL_A.length]!}.${(h >>> 8) & 255}.${(h >>> 16) & 255}.${(g & 253) + 1}`;
}

/** Puts these turns before the conversation (after any system message), in both APIs and the Responses shape. */
function withPreamble(l: TraceRequestLine, preamble: readonly unknown[]): TraceRequestLine {
  return withBody(l, (b) => {
    const m = messagesOf(b);
    if (!m) return typeof b.input === 'string' ? { ...b, input: [...preamble, { role: 'user', content: b.input }] } : b;
    const sys = m.list.filter(isSystemTurn);
    const rest = m.list.filter((x) => !isSystemTurn(x));
    return { ...b, [m.key]: [...sys, ...preamble, ...rest] };
  });
}

const isSystemTurn = (x: unknown): boolean => {
  const role = (x as { role?: unknown } | null)?.role;
  return role === 'system' || role === 'developer';
};

/** Rewrites the text of the last user turn (string content or text parts), in both APIs and the Responses shape. */
function withUserText(l: TraceRequestLine, f: (text: string) => string): TraceRequestLine {
  const mapContent = (c: unknown): unknown => {
    if (typeof c === 'string') return f(c);
    if (!Array.isArray(c)) return c;
    return c.map((p) => (p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string' ? { ...(p as object), text: f((p as { text: string }).text) } : p));
  };
  return withBody(l, (b) => {
    if (typeof b.input === 'string') return { ...b, input: f(b.input) };
    const m = messagesOf(b);
    if (!m) return b;
    let last = -1;
    m.list.forEach((x, i) => {
      if ((x as { role?: unknown } | null)?.role === 'user') last = i;
    });
    if (last < 0) return b;
    const list = m.list.slice();
    const turn = list[last] as { content?: unknown };
    list[last] = { ...turn, content: mapContent(turn.content) };
    return { ...b, [m.key]: list };
  });
}

function withBody(l: TraceRequestLine, f: (b: Body) => Body): TraceRequestLine {
  const b = requestBody(l);
  return b ? { ...l, body: f(b) } : l;
}

/**
 * A seed for what a perturbation invents around one item: the org and the conversation as the actor sent it (system
 * prompt, turns or prompt), not the request. A new conversation per request would turn a logit extraction's probes
 * of one context (the same text under other biases) into probes of as many different contexts, which reads nothing
 * out of the model; an actor inventing conversations invents one per item and sends it with every probe of it.
 */
function itemSeed(l: TraceRequestLine): number {
  const b = requestBody(l) ?? {};
  return fnv1a(`${l.org}\n${JSON.stringify([b.system, b.instructions, b.messages, b.input, b.prompt])}`);
}

/** The chat-shaped conversation of a body (messages, or Responses input items), undefined for a string input. */
function messagesOf(b: Body): { key: 'messages' | 'input'; list: unknown[] } | undefined {
  if (Array.isArray(b.messages)) return { key: 'messages', list: b.messages };
  if (Array.isArray(b.input)) return { key: 'input', list: b.input };
  return undefined;
}

/** Words an answer stands in with (the chained turns' answers are read by length and first characters only). */
const ANSWER_WORDS = ['the', 'answer', 'is', 'because', 'first', 'then', 'we', 'consider', 'result', 'which', 'gives', 'so', 'this', 'case', 'value', 'step'];

/** An answer of about `tokens` tokens (4 characters each, at most 4,000 characters), drawn from `seed`. */
function standInAnswer(seed: number, tokens: number): string {
  const words: string[] = [];
  let h = seed >>> 0;
  let chars = 0;
  const want = Math.min(4000, Math.max(40, tokens * 4));
  while (chars < want) {
    h = (Math.imul(h ^ (h >>> 15), 2246822507) + 0x9e3779b9) >>> 0;
    const w = ANSWER_WORDS[h % ANSWER_WORDS.length]!;
    words.push(w);
    chars += w.length + 1;
  }
  return `${words.join(' ')}.`;
}

/**
 * A body's only user turn as it was sent (a Responses string input as the message it stands for), or undefined when
 * the body carries a conversation already, continues one stored upstream, or has no chat shape.
 */
function loneUserTurn(b: Body): unknown {
  if (b.previous_response_id !== undefined || b.conversation !== undefined) return undefined;
  if (typeof b.input === 'string') return { role: 'user', content: b.input };
  const m = messagesOf(b);
  if (!m) return undefined;
  const turns = m.list.filter((x) => !isSystemTurn(x));
  return turns.length === 1 && (turns[0] as { role?: unknown } | null)?.role === 'user' ? turns[0] : undefined;
}

/**
 * Chains each account's single-turn items into one running conversation: the item goes after the account's last
 * one to four items (how many is drawn per account), each as it was sent, and a stand-in for each one's answer.
 * perturbLines runs it after every other perturbation, so the turns it carries are the ones the account sent.
 */
function chainItems(): Perturbation {
  const earlier = new Map<string, unknown[]>();
  return (l) => {
    const b = requestBody(l);
    const turn = b ? loneUserTurn(b) : undefined;
    // A probe of the output layer asks one context again under other biases; chained, every probe would be a new
    // context and read nothing out of the model, so an extraction sends no chain.
    if (!b || turn === undefined || b.logit_bias !== undefined) return l;
    const before = earlier.get(l.org) ?? [];
    const depth = 1 + (fnv1a(l.org) % 4);
    // The answer the account got, without the thinking a reasoning model counts in its output.
    const usage = l.response?.usage;
    const answerTokens = usage ? usage.output_tokens - (usage.reasoning_tokens ?? 0) : 200;
    const exchange = [turn, { role: 'assistant', content: standInAnswer(fnv1a(l.id), answerTokens) }];
    earlier.set(l.org, [...before, ...exchange].slice(-2 * depth));
    return before.length ? withPreamble(l, before) : l;
  };
}

/**
 * The requests of these that a later one of the same org follows up (its last user turn is the turn the later one
 * follows): the conversation's earlier steps, which a client replaying a chat corpus never sends. Turns are matched
 * by their digest, so a stock follow-up ("Thanks!") that opens another conversation goes too, and an agent's loop
 * after its last human turn keeps every step.
 */
function continuedLater(requests: readonly TraceRequestLine[]): Set<TraceRequestLine> {
  const followed = new Set<string>();
  const out = new Set<TraceRequestLine>();
  for (let i = requests.length - 1; i >= 0; i--) {
    const l = requests[i]!;
    const v = viewRequest(requestBody(l));
    if (followed.has(`${l.org}\n${v.turn}`)) out.add(l);
    if (v.parentTurn !== 0) followed.add(`${l.org}\n${v.parentTurn}`);
  }
  return out;
}

interface PerturbationSpec {
  description: string;
  apply: Perturbation;
  /** A perturbation that remembers earlier requests: a fresh one per trace, applied in trace order (instead of `apply`). */
  fresh?: () => Perturbation;
  families?: readonly string[];
  org?: (l: TraceOrgLine) => TraceOrgLine;
  /** Requests (of the perturbed orgs, in trace order) the perturbation takes out of the trace. */
  drop?: (requests: readonly TraceRequestLine[]) => ReadonlySet<TraceRequestLine>;
}

export const PERTURBATIONS: Record<string, PerturbationSpec> = {
  'whole-conversations': {
    description: 'each conversation sent once, whole, at its last turn (a client replaying a chat corpus): no follow-up shows the turn before it',
    apply: (l) => l,
    drop: continuedLater,
  },
  'no-created': {
    description: 'org lines without the accounts\' creation times (a trace from another gateway; orgs imported in one go)',
    apply: (l) => l,
    org: ({ created_at: _dropped, ...rest }) => rest,
  },
  stream: { description: 'every request streamed', apply: (l) => withBody(l, (b) => ({ ...b, stream: true })) },
  system: {
    description: 'a constant system prompt on every request',
    apply: (l) =>
      withBody(l, (b) => {
        if (l.api === 'anthropic') return b.system ? b : { ...b, system: SYSTEM };
        const m = messagesOf(b);
        if (!m) return b.instructions ? b : { ...b, instructions: SYSTEM };
        return isSystemTurn(m.list[0]) ? b : { ...b, [m.key]: [{ role: 'system', content: SYSTEM }, ...m.list] };
      }),
  },
  temperature: { description: 'temperature 0.7 instead of whatever the actor pinned', apply: (l) => withBody(l, (b) => ({ ...b, temperature: 0.7 })) },
  browser: { description: "a browser's user agent", apply: (l) => ({ ...l, client: { ...l.client, user_agent: BROWSER_UA } }) },
  'no-usage': {
    description: 'responses without token usage (an upstream that does not report it)',
    apply: (l) => {
      if (!l.response) return l;
      const { usage: _usage, ...rest } = l.response;
      return { ...l, response: rest };
    },
  },
  verbose: {
    description: "answers three times as long, up to the request's own token budget (a model that writes more; a tutor whose worked solutions run past 1,000 tokens)",
    apply: (l) => {
      const usage = l.response?.usage;
      if (!usage) return l;
      // The thinking stays as it was; the answer grows. The budget (max_tokens, max_completion_tokens,
      // max_output_tokens) counts the thinking too, and no upstream answers past it.
      const thinking = Math.min(Math.max(0, usage.reasoning_tokens ?? 0), usage.output_tokens);
      const answer = usage.output_tokens - thinking;
      const b = requestBody(l);
      const budget = b ? answerBudgetOf(b) : undefined;
      const longer = budget === undefined ? answer * 3 : Math.max(answer, Math.min(answer * 3, budget - thinking));
      return { ...l, response: { ...l.response!, usage: { ...usage, output_tokens: longer + thinking } } };
    },
  },
  keys: { description: 'traffic spread over three keys of the same org', apply: (l) => ({ ...l, key: `${l.key}_${fnv1a(l.id) % 3}` }) },
  residential: {
    description: 'every request from its own address of a residential proxy pool (consumer ISP ranges, a new /16 nearly every time): no shared subnet',
    apply: (l) => ({ ...l, client: { ...l.client, ip: residentialAddress(l.id) } }),
  },
  'residential-sticky': {
    description: 'a residential proxy pool with sticky sessions: each account keeps one exit for ten minutes, then gets another (a new /16 nearly every time)',
    apply: (l) => ({ ...l, client: { ...l.client, ip: residentialAddress(`${l.org}#${Math.floor(Date.parse(l.ts) / STICKY_MS)}`) } }),
  },
  'residential-static': {
    description: 'a static residential exit per account for its whole life (an ISP proxy per account): no two accounts share a subnet, and none rotates',
    apply: (l) => ({ ...l, client: { ...l.client, ip: residentialAddress(l.org) } }),
  },
  preamble: { description: 'the same two made-up turns before every item (a fixed conversation preamble)', apply: (l) => withPreamble(l, PREAMBLE) },
  preambles: {
    description: 'two made-up turns before every item, drawn from 48 for each item (the same item sent again keeps its two)',
    apply: (l) => {
      const h = itemSeed(l);
      return withPreamble(l, [
        { role: 'user', content: OPENINGS[h % OPENINGS.length]! },
        { role: 'assistant', content: ANSWERS[(h >>> 8) % ANSWERS.length]! },
      ]);
    },
  },
  tools: {
    description: 'a tool offered on every request that the model is never asked to use (an agent framework\'s default tool list)',
    apply: (l) =>
      withBody(l, (b) => {
        if (Array.isArray(b.tools)) return b;
        const parameters = { type: 'object', properties: { query: { type: 'string' } } };
        if (l.api === 'anthropic') return { ...b, tools: [{ name: 'search', description: 'Search the web.', input_schema: parameters }] };
        return { ...b, tools: [isResponsesBody(b) ? { type: 'function', name: 'search', parameters } : { type: 'function', function: { name: 'search', parameters } }] };
      }),
  },
  reasoning: {
    description: 'a reasoning model: every request asks for reasoning (extended thinking, reasoning_effort) without a temperature, and every answer counts its thinking tokens (reported apart, as the gateway records them)',
    apply: onReasoningModel,
  },
  noise: {
    description: 'Best-of-N style noise on every prompt: inner letters of words shuffled and letter case flipped at random (a red-team harness that augments each item to get past refusals)',
    apply: (l) => withUserText(l, (t) => bestOfNNoise(t, fnv1a(l.id))),
    // Noise that makes answers unusable is what a jailbreak search sends, not an evaluation or a harvest.
    families: ['safety_sweep'],
  },
  obfuscate: {
    description: 'a red-team converter on every prompt, one per request in turn: leetspeak, zero-width spaces inside words, or every character spaced out',
    apply: (l) => withUserText(l, (t) => characterObfuscation(t, fnv1a(l.id))),
    families: ['safety_sweep'],
  },
  encode: {
    description: 'a red-team encoding on every prompt, one per request in turn: look-alike letters of other scripts, stacked combining marks, styled letters, letters joined by hyphens, base64, a letter cipher (ROT13, Caesar, Atbash), tag characters, Morse or binary',
    apply: (l) => withUserText(l, (t) => encodedObfuscation(t, fnv1a(l.id))),
    families: ['safety_sweep'],
  },
  harness: {
    description: "every prompt of the evaluation (the requests under a granted purpose) sent through a harness: a numbered item header before it and an answer-format directive after it (a safety institute scoring responses automatically); its developers' ordinary use is left as it is",
    apply: (l) => {
      // The harness is the evaluation's: a developer's questions framed as numbered items with a graded answer form
      // are a capability evaluation of their own, which is what a competitor's window is judged for.
      if (!l.headers?.['moat-purpose']) return l;
      const h = fnv1a(l.id);
      const n = (h >>> 4) % 1000;
      const header = [`Question ${n}:`, `### Item ${n}`, `[case-${n}]`, 'Respond to the following prompt.'][h % 4]!;
      const directive = ['Answer with only yes or no, then explain.', 'Put your final answer on the last line.', 'Respond in JSON with the key "answer".', 'Be concise.'][(h >>> 2) % 4]!;
      return withUserText(l, (t) => `${header}\n\n${t}\n\n${directive}`);
    },
    families: ['safety_institute', 'competitor_safety_eval'],
  },
  graded: {
    description:
      'a harvest that grades what it keeps (rejection sampling): every long-answer request also asks for the answer in a form a script checks against a key (a boxed answer, "Answer: <x>", a number on the last line, a JSON key)',
    apply: (l) => {
      // The harvest's own requests are the ones with long answers; its ordinary chat is left as it is.
      if ((l.response?.usage?.output_tokens ?? 0) < GRADED_MIN_OUTPUT) return l;
      const directive = GRADED_DIRECTIVES[fnv1a(l.id) % GRADED_DIRECTIVES.length]!;
      return withUserText(l, (t) => `${t}\n\n${directive}`);
    },
    families: ['distiller', 'hydra', 'reseller_hiding_distiller'],
  },
  chain: {
    description:
      "each item sent after the account's previous one to four items and their answers, as one conversation (a harness that chains its items so that none opens a conversation); answers stand in at the length the upstream gave (input token counts are left as they were); logit_bias probes and requests that already carry a conversation are left alone; applied after every other perturbation",
    apply: () => {
      throw new Error('the chain perturbation remembers earlier requests: apply it through perturbLines');
    },
    fresh: chainItems,
  },
  histories: {
    description: 'two made-up turns before every item that never repeat (a new conversation invented for each item, sent again with the item)',
    apply: (l) => {
      const h = itemSeed(l);
      const ref = (h >>> 3) % 1_000_000;
      return withPreamble(l, [
        { role: 'user', content: `${OPENINGS[h % OPENINGS.length]!} My reference is ${ref}.` },
        { role: 'assistant', content: `${ANSWERS[(h >>> 8) % ANSWERS.length]!} Reference ${ref} noted.` },
      ]);
    },
  },
};

export function perturbationNames(): string[] {
  return Object.keys(PERTURBATIONS);
}

/**
 * Applies the named perturbations, in order, to the requests (and org lines) of the given orgs, after taking out the
 * requests any of them drops; a perturbation that names actor families applies only to the orgs `familyOf` places
 * in one of them. Perturbations that remember earlier requests (`fresh`) run after the others, so what they carry
 * forward is each request as finally sent.
 */
export function perturbLines(lines: TraceLine[], orgs: ReadonlySet<string>, names: readonly string[], familyOf: (org: string) => string | undefined = () => undefined): TraceLine[] {
  const named = names.map((n) => {
    const p = PERTURBATIONS[n];
    if (!p) throw new Error(`unknown perturbation "${n}" (known: ${perturbationNames().join(', ')})`);
    return p;
  });
  const ps = [...named.filter((p) => !p.fresh), ...named.filter((p) => p.fresh)];
  if (!ps.length) return lines;
  const applies = (p: (typeof ps)[number], family: string | undefined) => !p.families || (family !== undefined && p.families.includes(family));
  for (const p of ps) {
    if (!p.drop) continue;
    const mine = lines.filter((l): l is TraceRequestLine => l.type === 'request' && orgs.has(l.org) && applies(p, familyOf(l.org)));
    const dropped = p.drop(mine);
    if (dropped.size) lines = lines.filter((l) => !(l.type === 'request' && dropped.has(l)));
  }
  const applyOf = ps.map((p) => p.fresh?.() ?? p.apply);
  return lines.map((l) => {
    if (l.type === 'org') {
      if (!orgs.has(l.id)) return l;
      const family = familyOf(l.id);
      return ps.reduce((x, p) => (p.org && applies(p, family) ? p.org(x) : x), l);
    }
    if (l.type !== 'request' || !orgs.has(l.org)) return l;
    const family = familyOf(l.org);
    return ps.reduce((x, p, i) => (applies(p, family) ? applyOf[i]!(x) : x), l);
  });
}
