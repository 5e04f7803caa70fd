// Per-request signals: computed once per request from its text, shape and client, then only these numbers
// (never the text, except the capped evidence ring) enter the org's windows and the linkage state.
import type { TraceRequestLine, TraceUsage } from '../../events/trace-format.js';
import { fnv1a, shingleHashes } from '../text/hash.js';
import { tokenHashesOf, tokenize } from '../text/tokenize.js';
import { minhashSketch } from './sketch.js';
import { FOLLOW_UP_CHARS, viewRequest } from '../request-view.js';
import { CLIENT_BROWSER, CLIENT_NONE, CLIENT_SCRIPTED, CLIENT_SDK, clientClass } from './client-class.js';
import { CUE_COERCION, CUE_COT, CUE_GRADED, EVAL_CUES, framedItem, harnessCues } from './harness-cues.js';
import { scriptClass } from './script-class.js';
import { createTextMemo, type TextMemo } from '../text/text-memo.js';
import { dataTaskInstruction } from './data-task.js';
import type { BenchmarkMatch, FingerprintIndex } from './fingerprint-index.js';
import type { TextClassifier } from './text-classifier.js';
import * as F from './request-flags.js';

export interface RequestSignals {
  ts: number;
  prompt: string;
  /** Request flags (request-flags.ts). */
  flags: number;
  /** Harness cue bits (harness-cues.ts). */
  cues: number;
  /** Index into TOPICS, -1 when the classifier is off. */
  topic: number;
  /** Index into HARM_CATEGORIES for a harmful prompt, else -1. */
  harmCategory: number;
  harmP: number;
  /** Index into SCRIPTS. */
  script: number;
  client: number;
  templateHash: number;
  /** Hashes of the prompt's first and last line or sentence when it has several (a wrapper around an item), else 0. */
  prefixHash: number;
  suffixHash: number;
  /** 0 when there is no system prompt. */
  systemHash: number;
  /** Digest of the conversation around the last user turn (request-view.ts `history`); 0 for a single user turn. */
  historyHash: number;
  /**
   * The last user turn's digest and, for a follow-up, the answered turn it follows (request-view.ts `turn`,
   * `parentTurn`; 0 when none or when the conversation is stored upstream); whether an agent's steps follow the turn.
   */
  turnHash: number;
  parentTurnHash: number;
  stepsAfterTurn: boolean;
  /** Hashes of the offered tools' names (request-view.ts, TOOL_NAMES smallest); undefined when none. */
  toolNames: Uint32Array | undefined;
  /** Hashes of the tokens its logit_bias names (request-view.ts `biasTokens`); undefined when none. */
  biasTokens: Uint32Array | undefined;
  /** The logit_bias map's tokens and values as one hash (request-view.ts `biasDigest`); 0 when none. */
  biasDigest: number;
  /** Which parameters are set and to what (model, temperature, max_tokens, top_p, n, stream, tools offered...). */
  shapeHash: number;
  /**
   * The same without how many tools are offered, only whether any are: the client's habit, which linkage compares.
   * A tool-use harvest offers each item its own tools, so its shape counts vary with the items, not the client.
   */
  habitHash: number;
  bench?: BenchmarkMatch;
  /** One-permutation MinHash of the prompt's word bigrams (novelty sketch); undefined when disabled/empty. */
  sketch: Uint32Array | undefined;
  temperature: number;
  maxTokens: number;
  /** log2(1 + prompt characters). */
  promptLog: number;
  /** Output tokens per input token of the response (NaN when the trace has no usage). */
  outputRatio: number;
  purpose?: string;
  ip24?: string;
  /** The /16 around the address (IPv6: /32): proxy pools span adjacent subnets. */
  ip16?: string;
  userAgent?: string;
  capped: boolean;
}

/** Signal groups that can be switched off to measure what each contributes (eval ablation). */
export type SignalName = 'fingerprints' | 'templates' | 'classifier' | 'cues' | 'novelty' | 'shape' | 'timing' | 'linkage' | 'client';
export const SIGNAL_NAMES: SignalName[] = ['fingerprints', 'templates', 'classifier', 'cues', 'novelty', 'shape', 'timing', 'linkage', 'client'];

export interface SignalModels {
  fingerprints: FingerprintIndex;
  text: TextClassifier;
  disabled: ReadonlySet<SignalName>;
  /** Facts of recent prompts (createPromptMemo); without it every request's text is read afresh. */
  memo?: TextMemo<PromptFacts, string>;
}

const TEMPLATE_SLICE = 400;

function mask(s: string): string {
  return s
    .replace(/```[\s\S]*?(```|$)/g, ' CODE ')
    .replace(/"[^"\n]{1,200}"|'[^'\n]{1,200}'|“[^”\n]{1,200}”/g, ' Q ')
    .replace(/\d+(?:[.,]\d+)*/g, ' 0 ');
}

/**
 * A prompt's template: its first line's first six words and last line's last six words, after masking code
 * blocks, quoted spans and numbers. Harnesses put their instructions on lines of their own, so the content in
 * between does not change the hash. Only the two ends are read, so cost does not grow with the prompt.
 */
export function templateHash(prompt: string): number {
  const headText = prompt.length > TEMPLATE_SLICE ? prompt.slice(0, TEMPLATE_SLICE) : prompt;
  let tailText = prompt.length > TEMPLATE_SLICE ? prompt.slice(-TEMPLATE_SLICE) : prompt;
  // A tail cut inside a code block starts with code: drop up to the closing fence.
  if (tailText !== prompt && fenceCount(tailText) % 2 === 1) tailText = tailText.slice(tailText.indexOf('```') + 3);
  const head = tokenize(mask(edgeLine(headText, true)), 6);
  const tail = tokenize(mask(edgeLine(tailText, false)), 6, true);
  return fnv1a(head.join(' ') + '|' + tail.join(' '));
}

function fenceCount(s: string): number {
  let n = 0;
  for (let i = s.indexOf('```'); i >= 0; i = s.indexOf('```', i + 3)) n++;
  return n;
}

/**
 * The first (or last) non-blank line of `text` after masking. Masking keeps line breaks outside code fences
 * and never blanks a line, so without a fence the raw line is found first and only it is masked.
 */
function edgeLine(text: string, first: boolean): string {
  if (text.includes('```')) {
    const lines = mask(text).split('\n').filter((l) => l.trim());
    return (first ? lines[0] : lines[lines.length - 1]) ?? '';
  }
  const at = edgeLineStart(text, first);
  return at < 0 ? '' : lineAt(text, at);
}

/** Where the first (or last) non-blank line of `text` starts; -1 when every line is blank. */
function edgeLineStart(text: string, first: boolean): number {
  if (first) {
    for (let a = 0; a <= text.length; ) {
      let b = text.indexOf('\n', a);
      if (b < 0) b = text.length;
      if (!blank(text, a, b)) return a;
      a = b + 1;
    }
  } else {
    for (let b = text.length; b >= 0; ) {
      const a = b === 0 ? 0 : text.lastIndexOf('\n', b - 1) + 1;
      if (!blank(text, a, b)) return a;
      b = a - 1;
    }
  }
  return -1;
}

function lineAt(text: string, a: number): string {
  const b = text.indexOf('\n', a);
  return text.slice(a, b < 0 ? text.length : b);
}

const NON_SPACE = /\S/g;

/** Whether text[a, b) is only white space (as String.prototype.trim sees it: \s is the same set). */
function blank(text: string, a: number, b: number): boolean {
  NON_SPACE.lastIndex = a;
  const m = NON_SPACE.exec(text);
  return !m || m.index >= b;
}

const WRAP_MAX = 160;
/** Tokens mask() leaves for a number, a quoted span and a code block. */
const MASKS = new Set(['0', 'q', 'code']);
const SENTENCE_END = /[.?!:]\s+(?=[A-Z"'(\[])/g;

/**
 * The text a harness puts around an item: the first and the last line (or, on one line, sentence) of a prompt
 * that has several. A chain-of-thought suffix or an instruction header is the same text around different items;
 * an ordinary one-line question has no wrapper (both 0).
 */
export function wrapperHashes(prompt: string): [number, number] {
  const text = prompt.length > 4 * WRAP_MAX ? prompt.slice(0, 2 * WRAP_MAX) + '\n' + prompt.slice(-2 * WRAP_MAX) : prompt;
  const firstAt = edgeLineStart(text, true);
  const lastAt = edgeLineStart(text, false);
  let parts: string[];
  if (firstAt >= 0 && lastAt > firstAt) parts = [lineAt(text, firstAt).trim(), lineAt(text, lastAt).trim()];
  else {
    parts = [];
    let last = 0;
    SENTENCE_END.lastIndex = 0;
    for (let m = SENTENCE_END.exec(text); m; m = SENTENCE_END.exec(text)) {
      parts.push(text.slice(last, m.index + 1).trim());
      last = m.index + m[0].length;
    }
    parts.push(text.slice(last).trim());
    parts = parts.filter(Boolean);
  }
  if (parts.length < 2) return [0, 0];
  // A line with no words once masked (a number, a brace, a code fence) is no wrapper: it is what many unrelated
  // prompts end with, not text a harness puts around items.
  const h = (s: string) => {
    if (s.length > WRAP_MAX) return 0;
    const tokens = tokenize(mask(s));
    if (!tokens.some((t) => !MASKS.has(t))) return 0;
    return fnv1a(tokens.join(' ')) || 1;
  };
  return [h(parts[0]!), h(parts[parts.length - 1]!)];
}

function header(headers: Record<string, string> | undefined, name: string): string | undefined {
  if (!headers || typeof headers !== 'object') return undefined;
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name && typeof v === 'string') return v;
  return undefined;
}

export function ip24(ip: string | undefined): string | undefined {
  if (typeof ip !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.\d{1,3}$/.exec(ip);
  if (m) return `${m[1]}.${m[2]}.${m[3]}.0/24`;
  // IPv6: group by /48, the usual allocation to one site.
  if (ip.includes(':')) return ip.split(':').slice(0, 3).join(':') + '::/48';
  return undefined;
}

export function ip16(ip: string | undefined): string | undefined {
  if (typeof ip !== 'string') return undefined;
  const m = /^(\d{1,3})\.(\d{1,3})\.\d{1,3}\.\d{1,3}$/.exec(ip);
  if (m) return `${m[1]}.${m[2]}.0.0/16`;
  if (ip.includes(':')) return ip.split(':').slice(0, 2).join(':') + '::/32';
  return undefined;
}

/** [shape, habit]: the request's parameters with the number of tools offered, and with whether any are. */
function shapeHashes(v: ReturnType<typeof viewRequest>, api: string): [number, number] {
  const q = (x: number | undefined) => (x === undefined ? '-' : String(Math.round(x * 100) / 100));
  const habit = `${api}|${v.model}|${v.paramKeys}|t${q(v.temperature)}|m${q(v.maxTokens)}|p${q(v.topP)}|n${q(v.n)}|s${v.stream ? 1 : 0}|j${v.jsonFormat ? 1 : 0}|r${v.reasoningRequested ? 1 : 0}|k${v.tools > 0 ? 1 : 0}`;
  const h = fnv1a(habit);
  return [v.tools > 1 ? fnv1a(`${habit}|${v.tools}`) : h, h];
}

/** A last turn shorter than this is a follow-up, classified with the user turn before it. */

/**
 * A request harvests long output (reasoning traces, full solutions) when its answer is this long: about 750 words,
 * longer than chat, support or code-edit answers run. max_tokens is a ceiling many clients set by default (editors
 * and agents send 4096 or more on every request whatever they expect back), so it counts only when the answer's
 * size is unknown: an IDE assistant whose 300-token answers all carried max_tokens 4096 read as a distiller
 * harvesting long answers in the unseen-register eval (fold R).
 */
const LONG_ANSWER_TOKENS = 1000;
/** With no answer size (failed call, trace without usage): a ceiling this high is read as asking for long output. */
const LONG_MAX_TOKENS = 4000;

/**
 * Whether the answer stopped at a modest budget the request set (its output, thinking included, reached a
 * max_tokens below LONG_MAX_TOKENS): the model was verbose for a client that asked for less. Such an answer is not
 * counted as long output: an application or an evaluation with a 1,024-token ceiling on a verbose model gets
 * answers cut at 1,024. A ceiling of LONG_MAX_TOKENS or more reached is a long answer all the same: a harvest on a
 * verbose model hits its 4,096-token ceiling too (in the eval, hydras whose answers were cut there lost their
 * long output and were missed).
 */
function cutAtBudget(usage: TraceUsage | undefined, budget: number | undefined): boolean {
  return budget !== undefined && budget > 0 && budget < LONG_MAX_TOKENS && typeof usage?.output_tokens === 'number' && usage.output_tokens >= budget * BUDGET_REACHED;
}
/** Share of the budget at which an answer counts as cut (upstreams count tokens a little differently from clients). */
const BUDGET_REACHED = 0.98;

/**
 * The answer's length in tokens, without the tokens the model spent reasoning: a reasoning model's every answer
 * counts thousands of thinking tokens, and read as long output, every application on a reasoning model read as a
 * distiller (`--perturb-legit reasoning` in the eval). NaN when unknown: no usage, or a request that asked for
 * reasoning whose usage does not say how much of the output was reasoning.
 */
function answerTokens(usage: TraceUsage | undefined, reasoningRequested: boolean): number {
  const out = usage && typeof usage.output_tokens === 'number' ? usage.output_tokens : NaN;
  const reasoning = usage && typeof usage.reasoning_tokens === 'number' && usage.reasoning_tokens >= 0 ? usage.reasoning_tokens : undefined;
  if (reasoning !== undefined) return Math.max(0, out - reasoning);
  return reasoningRequested ? NaN : out;
}

/**
 * What a request's words say, whatever else it carries: a pure function of its prompt, system prompt and the
 * question a follow-up follows, kept for identical ones (text-memo.ts).
 */
interface PromptFacts {
  /** HARMFUL, EVAL_ITEM, CAPABILITY, BENCH and EVAL as the text alone decides them. */
  flags: number;
  cues: number;
  topic: number;
  harmCategory: number;
  harmP: number;
  bench: BenchmarkMatch | undefined;
  sketch: Uint32Array | undefined;
  prefixHash: number;
  suffixHash: number;
  templateHash: number;
  script: number;
}

/**
 * Facts of recent prompts kept for identical ones, keyed by the prompt with its system prompt and the question before
 * it as the tag (at most 2 x 1,024 prompts of up to 2,048 characters). In the simulated `mixed` trace 24% of the
 * requests repeat an earlier prompt under the same system prompt and question (an agent loop resends its user turn
 * with each tool result; clients retry).
 */
const FACTS_MEMO_ENTRIES = 1024;
const FACTS_MEMO_CHARS = 2048;

/** A detector's memo of prompt facts (one per SignalModels: the facts depend on the signals switched off). */
export function createPromptMemo(): TextMemo<PromptFacts, string> {
  return createTextMemo<PromptFacts, string>(FACTS_MEMO_ENTRIES, FACTS_MEMO_CHARS);
}

function promptFacts(prompt: string, system: string, previous: string, m: SignalModels): PromptFacts {
  const off = m.disabled;
  const fpOff = off.has('fingerprints');
  const novOff = off.has('novelty');
  const hashes = fpOff && novOff ? [] : tokenHashesOf(prompt, 1200);
  const bench = fpOff ? undefined : m.fingerprints.match(shingleHashes(hashes, m.fingerprints.n));
  let topic = -1;
  let harmCategory = -1;
  let harmP = 0;
  let flags = 0;
  let capability = false;
  const cuesOff = off.has('cues');
  const cues = cuesOff ? 0 : harnessCues(prompt, system);
  if (!off.has('classifier')) {
    // A task on supplied text (classify, translate, moderate this post) is judged by its instruction, and is
    // not a harmful request whatever the text holds: the model is asked about the text, not for it.
    const instruction = dataTaskInstruction(prompt, system);
    // A short follow-up ("so the answer is 42?", "make it darker") is read with the question it follows for its
    // topic, but judged as a request only on what it adds: the question was counted when it was asked, and the
    // population tests count independent requests (a conversation revising one dark story is not a sweep's next
    // item). A harmful follow-up is still harmful on its own words.
    const followUp = prompt.length < FOLLOW_UP_CHARS && previous !== '';
    const asked = followUp ? `${previous}\n${prompt}` : prompt;
    const v = m.text.classify(instruction ?? asked, !cuesOff && instruction === undefined && !followUp ? cues : undefined);
    // A prompt no topic head claims (its best one-vs-rest logit below 0) counts toward no topic: text in a register
    // the heads never saw (fiction, a new product's jargon) is otherwise spread over topics at random, and the
    // spread reads like a sweep across capability areas. Whether it is capability traffic is still its best guess.
    topic = v.topicLogit >= 0 ? v.topic : -1;
    capability = v.capability;
    if (instruction === undefined) {
      const own = followUp ? m.text.classify(prompt) : v;
      harmP = own.harmP;
      if (own.harmful) {
        flags |= F.HARMFUL;
        harmCategory = own.harmCategory;
      }
      if (own.evalItem) flags |= F.EVAL_ITEM;
    }
  }
  // A known safety-set item is harmful whatever the classifier says.
  if (bench?.category === 'safety') flags |= F.HARMFUL;
  // A harmful request is not a capability prompt whatever its subject (a chemistry question asking for a weapon
  // is not a chemistry exercise): a safety evaluation whose prompts the classifier reads as harmful is not
  // counted as capability traffic too.
  if (capability && !(flags & F.HARMFUL)) flags |= F.CAPABILITY;
  if (bench && bench.kind === 'benchmark') flags |= F.BENCH;
  if (cues & EVAL_CUES || (!cuesOff && framedItem(prompt))) flags |= F.EVAL;
  const templatesOff = off.has('templates');
  const [prefixHash, suffixHash] = templatesOff ? [0, 0] : wrapperHashes(prompt);
  return {
    flags,
    cues,
    topic,
    harmCategory,
    harmP,
    bench,
    sketch: novOff || hashes.length === 0 ? undefined : minhashSketch(hashes),
    prefixHash,
    suffixHash,
    templateHash: templatesOff ? 0 : templateHash(prompt),
    script: scriptClass(prompt),
  };
}

export function extractSignals(line: TraceRequestLine, ts: number, m: SignalModels): RequestSignals {
  const view = viewRequest(line.body, line.endpoint);
  const off = m.disabled;
  const cuesOff = off.has('cues');
  const system = view.system;
  const tag = view.previous === '' ? system : `${system}\u0000${view.previous}`;
  let facts = m.memo?.get(view.prompt, tag);
  if (facts === undefined) {
    facts = promptFacts(view.prompt, system, view.previous, m);
    m.memo?.set(view.prompt, tag, facts);
  }
  const { cues, topic, harmCategory, harmP, bench } = facts;
  let flags = facts.flags;
  // A request that opens its conversation. A multi-turn request whose history repeats an earlier request's (a fixed
  // preamble around each item) is also single-turn; only the org's window can tell, so the detector decides it.
  if ((view.userTurns <= 1 || view.parentTurn === 0) && !view.continues) flags |= F.SINGLE_TURN;
  if (!view.system) flags |= F.NO_SYSTEM;
  const shapeOn = !off.has('shape');
  if (shapeOn) {
    if (view.temperature === 0) flags |= F.TEMP_ZERO;
    if (view.logprobs) flags |= F.LOGPROBS;
    if (view.logitBias) flags |= F.LOGIT_BIAS;
    if ((view.n ?? 1) > 1) flags |= F.MULTI_N;
    if (view.toolSteps > 0) flags |= F.TOOLS;
    if (view.tools > 0) flags |= F.TOOLS_OFFERED;
    if (view.seed) flags |= F.SEED;
    if (view.jsonFormat) flags |= F.JSON_FORMAT;
    if (view.reasoningRequested) flags |= F.REASONING;
  }
  const usage = line.response?.usage;
  const inTok = usage && typeof usage.input_tokens === 'number' ? usage.input_tokens : NaN;
  const outTok = answerTokens(usage, view.reasoningRequested);
  // A request that asks for reasoning sizes max_tokens for the thinking too, so the ceiling says nothing then.
  if (shapeOn && (outTok > 0 ? outTok >= LONG_ANSWER_TOKENS && !cutAtBudget(usage, view.maxTokens) : !view.reasoningRequested && (view.maxTokens ?? 0) >= LONG_MAX_TOKENS)) flags |= F.LONG_OUTPUT;
  const userAgent = typeof line.client?.user_agent === 'string' ? line.client.user_agent.slice(0, 200) : undefined;
  const client = off.has('client') ? CLIENT_NONE : clientClass(userAgent);
  if (client === CLIENT_SCRIPTED) flags |= F.SCRIPTED;
  else if (client === CLIENT_SDK) flags |= F.SDK;
  else if (client === CLIENT_BROWSER) flags |= F.BROWSER;
  // Any mark of capability work, counted once: each mark alone misses items the others catch (a benchmark in a
  // register the topic heads never saw still reads as an item, or carries a harness's answer format).
  if (!(flags & F.HARMFUL) && flags & (F.CAPABILITY | F.EVAL | F.EVAL_ITEM | F.BENCH)) flags |= F.CAPABILITY_WORK;
  if (view.reasoningRequested && !cuesOff) flags |= F.REASONING;
  // A long answer to a prompt that asks for the reasoning in the answer, whatever form it asks the answer in: a
  // rejection-sampling harvest asks for a graded form too (a boxed answer it checks against a key before keeping the
  // trace), and an evaluation's answers cut at its own ceiling are not long output. The reasoning field alone does
  // not count: it is how an application on a reasoning model sends every request, and a fiction app's stories or a
  // lab's reports are long answers to it (a fifth of the simulated applications run on one; counting the field, the
  // fiction app was suspended as a distiller in 4 of 10 runs).
  if (flags & F.LONG_OUTPUT && cues & (CUE_COT | CUE_COERCION)) flags |= F.LONG_REASONING;
  // Reasoning asked for without a graded answer form: a chain-of-thought evaluation asks for the steps too, but to
  // grade the final answer it says how to give it (a letter, a boxed number, a JSON key); a harvest wants the steps.
  if (cues & CUE_COT && !(cues & CUE_GRADED)) flags |= F.OPEN_COT;
  const shapes: [number, number] = shapeOn ? shapeHashes(view, typeof line.api === 'string' ? line.api : '') : [0, 0];
  return {
    ts,
    prompt: view.prompt,
    flags,
    cues,
    topic,
    harmCategory,
    harmP,
    script: facts.script,
    client,
    templateHash: facts.templateHash,
    prefixHash: facts.prefixHash,
    suffixHash: facts.suffixHash,
    systemHash: view.system && shapeOn ? fnv1a(view.system) : 0,
    historyHash: view.history,
    turnHash: view.turn,
    parentTurnHash: view.continues ? 0 : view.parentTurn,
    stepsAfterTurn: view.stepsAfterTurn,
    toolNames: shapeOn ? view.toolNames : undefined,
    biasTokens: shapeOn ? view.biasTokens : undefined,
    biasDigest: shapeOn ? view.biasDigest : 0,
    shapeHash: shapes[0],
    habitHash: shapes[1],
    bench,
    sketch: facts.sketch,
    temperature: shapeOn ? view.temperature ?? NaN : NaN,
    maxTokens: shapeOn ? view.maxTokens ?? NaN : NaN,
    promptLog: Math.log2(1 + view.prompt.length),
    outputRatio: outTok >= 0 && inTok > 0 ? outTok / inTok : NaN,
    purpose: header(line.headers, 'moat-purpose'),
    ip24: ip24(line.client?.ip),
    ip16: ip16(line.client?.ip),
    userAgent,
    capped: view.capped,
  };
}
