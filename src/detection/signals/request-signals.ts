// Per-request signals: computed once per request from its text and shape, then only these numbers (never the
// text) enter the org's windows and sketches.
import type { TraceRequestLine } from '../../events/trace-format.js';
import { fnv1a, shingleHashes } from '../text/hash.js';
import { tokenHashesOf, tokenize } from '../text/tokenize.js';
import { minhashSketch } from './sketch.js';
import { viewRequest } from '../request-view.js';
import type { BenchmarkMatch, FingerprintIndex } from './fingerprint-index.js';
import type { CategoryModel } from './category-model.js';

export interface RequestSignals {
  ts: number;
  prompt: string;
  templateHash: number;
  /** 0 when there is no system prompt. */
  systemHash: number;
  category: number;
  capability: boolean;
  sensitive: boolean;
  bench?: BenchmarkMatch;
  cot: boolean;
  /** One-permutation MinHash of the prompt's word bigrams (novelty sketch); undefined when disabled/empty. */
  sketch: Uint32Array | undefined;
  singleTurn: boolean;
  temperature: number;
  maxTokens: number;
  purpose?: string;
  ip24?: string;
  userAgent?: string;
  capped: boolean;
}

/** Signal groups that can be switched off to measure what each contributes (eval ablation). */
export type SignalName = 'fingerprints' | 'templates' | 'categories' | 'cot' | 'novelty' | 'shape' | 'timing' | 'linkage';

export interface SignalModels {
  fingerprints: FingerprintIndex;
  categories: CategoryModel;
  disabled: ReadonlySet<SignalName>;
}

const COT =
  /step[- ]by[- ]step|think (?:carefully|through|aloud|it through)|show (?:your|all|the) (?:work|reasoning|steps)|explain your reasoning|chain[- ]of[- ]thought|reason(?:ing)? (?:through|out loud)|walk (?:me )?through your (?:reasoning|thinking)|<thinking>|let'?s think|full reasoning|before (?:giving|stating) (?:your|the) (?:final )?answer/i;

/** CoT instructions sit at the start or the end of a prompt; a pasted document in between is not scanned. */
function hasCotMarker(text: string): boolean {
  if (text.length <= 1200) return COT.test(text);
  return COT.test(text.slice(0, 400)) || COT.test(text.slice(-800));
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
  if (tailText !== prompt && (tailText.split('```').length - 1) % 2 === 1) tailText = tailText.slice(tailText.indexOf('```') + 3);
  const headLines = mask(headText).split('\n').filter((l) => l.trim());
  const tailLines = mask(tailText).split('\n').filter((l) => l.trim());
  const head = tokenize(headLines[0] ?? '').slice(0, 6);
  const tail = tokenize(tailLines[tailLines.length - 1] ?? '').slice(-6);
  return fnv1a(head.join(' ') + '|' + tail.join(' '));
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

export function extractSignals(line: TraceRequestLine, ts: number, m: SignalModels): RequestSignals {
  const view = viewRequest(line.body);
  // 1,200 tokens cover any benchmark item and the instructions around it; pasted documents beyond that only add cost.
  const hashes = tokenHashesOf(view.prompt, 1200);
  const off = m.disabled;
  const bench = off.has('fingerprints') ? undefined : m.fingerprints.match(shingleHashes(hashes, m.fingerprints.n));
  let category = -1;
  let capability = false;
  let sensitive = false;
  if (!off.has('categories')) {
    const c = m.categories.classify(hashes);
    category = c.cls;
    capability = m.categories.capability.has(c.cls);
    sensitive = c.cls === m.categories.safetyClass;
  }
  // A known safety-set item is sensitive whatever the classifier says.
  if (bench?.category === 'safety') sensitive = true;
  const sketch = off.has('novelty') || hashes.length === 0 ? undefined : minhashSketch(hashes);
  const shapeOff = off.has('shape');
  return {
    ts,
    prompt: view.prompt,
    templateHash: off.has('templates') ? 0 : templateHash(view.prompt),
    systemHash: view.system && !shapeOff ? fnv1a(view.system) : 0,
    category,
    capability,
    sensitive,
    bench,
    cot: !off.has('cot') && (view.reasoningRequested || hasCotMarker(view.prompt) || hasCotMarker(view.system)),
    sketch,
    singleTurn: view.userTurns <= 1,
    temperature: shapeOff ? NaN : view.temperature ?? NaN,
    maxTokens: shapeOff ? NaN : view.maxTokens ?? NaN,
    purpose: header(line.headers, 'moat-purpose'),
    ip24: ip24(line.client?.ip),
    userAgent: typeof line.client?.user_agent === 'string' ? line.client.user_agent.slice(0, 200) : undefined,
    capped: view.capped,
  };
}
