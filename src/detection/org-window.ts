// A sliding window over an org's last W requests: per-request numbers in typed arrays, a Tally of the
// requests in it, and timing aggregates, so features are cheap to read and memory per org is bounded. Arrays
// start small and double up to W, so an account with a few dozen requests costs a few kilobytes.
import { num, packArray, unnum, unpackInto, type Num } from './checkpoint/codec.js';
import { SKETCH_SLOTS, sketchSimilarity } from './signals/sketch.js';
import type { RequestSignals } from './signals/request-signals.js';
import { ModeTable } from './mode-table.js';
import { NameMemory } from './name-memory.js';
import { fnv1a, mixHash } from './text/hash.js';
import { Tally } from './tally.js';
import { SINGLE_TURN } from './signals/request-flags.js';
import type { Aggregate, TopKind } from './aggregate-features.js';

const NOVELTY_RING = 32;
/**
 * Distinct tool names a window remembers (oldest first out): more than an application's or an agent's whole
 * catalogue, so an app that picks a few of its tools per request is not read as offering new ones.
 */
const TOOL_MEMORY = 256;
/** Distinct biased tokens a window remembers: far more than the labels or choices an application steers to. */
const BIAS_MEMORY = 256;
/** Contexts sent under logit_bias a window remembers, and as many (context, bias) pairs: more than a sweep's few dozen prompts. */
const PROBE_MEMORY = 256;
const INITIAL = 16;

/** The per-request columns a window keeps (each a typed array of its capacity). */
interface Columns {
  ts: Float64Array;
  gap: Float32Array;
  flags: Uint32Array;
  cues: Uint8Array;
  topic: Int8Array;
  harm: Int8Array;
  script: Int8Array;
  novelty: Float32Array;
  outRatio: Float32Array;
  promptLog: Float32Array;
  template: Uint32Array;
  system: Uint32Array;
  shape: Uint32Array;
  prefix: Uint32Array;
  suffix: Uint32Array;
  history: Uint32Array;
  turn: Uint32Array;
  bench: Int32Array;
  benchSrc: Int8Array;
}

const COLUMN_TYPES = {
  ts: Float64Array,
  gap: Float32Array,
  flags: Uint32Array,
  cues: Uint8Array,
  topic: Int8Array,
  harm: Int8Array,
  script: Int8Array,
  novelty: Float32Array,
  outRatio: Float32Array,
  promptLog: Float32Array,
  template: Uint32Array,
  system: Uint32Array,
  shape: Uint32Array,
  prefix: Uint32Array,
  suffix: Uint32Array,
  history: Uint32Array,
  turn: Uint32Array,
  bench: Int32Array,
  benchSrc: Int8Array,
} as const;
type ColumnName = keyof Columns;
const COLUMN_NAMES = Object.keys(COLUMN_TYPES) as ColumnName[];

function allocate(cap: number): Columns {
  const c = {} as Record<ColumnName, unknown>;
  for (const k of COLUMN_NAMES) c[k] = new COLUMN_TYPES[k](cap);
  return c as Columns;
}

const scratch = new ModeTable(512);
/** Cache keys of topCount, built once: it is read for every score of every request. */
const TOP_KEYS = { template: 'top:template', system: 'top:system', shape: 'top:shape', prefix: 'top:prefix', suffix: 'top:suffix' } as const;

export class OrgWindow implements Aggregate {
  readonly size: number;
  private cap: number;
  private c: Columns;
  private n = 0;
  private head = 0;
  readonly tally = new Tally();
  private gapN = 0;
  private gapSum = 0;
  private gapSq = 0;
  private readonly hours = new Int32Array(24);
  private readonly benchSources = new Int32Array(16);
  private sketches: Uint32Array | undefined;
  private simN = 0;
  private lastTs = NaN;
  /** Requests in the window restored without their turns (a checkpoint older than the turn column). */
  private unknownTurns = 0;
  private readonly tools = new NameMemory(TOOL_MEMORY);
  private readonly biases = new NameMemory(BIAS_MEMORY);
  private readonly contexts = new NameMemory(PROBE_MEMORY);
  private readonly probes = new NameMemory(PROBE_MEMORY);
  // Mode and distinct counts are recomputed on demand and cached until the next request.
  private cache = new Map<string, number>();

  /** timing=false switches the timing features off (ablation): they read as undefined. */
  constructor(size: number, readonly timing = true) {
    this.size = size;
    this.cap = Math.min(INITIAL, size);
    this.c = allocate(this.cap);
  }

  get count(): number {
    return this.n;
  }

  /** Novelty of a prompt: 1 - similarity to the closest of the org's recent prompts (1 when none yet). */
  private noveltyOf(sketch: Uint32Array | undefined): number {
    if (!sketch) return 0;
    const k = Math.min(this.simN, NOVELTY_RING);
    let best = 0;
    for (let i = 0; i < k && best < 1; i++) {
      const sim = sketchSimilarity(sketch, this.sketches!, i * SKETCH_SLOTS);
      if (sim > best) best = sim;
    }
    return k === 0 ? 1 : 1 - best;
  }

  private grow(): void {
    const cap = Math.min(this.size, this.cap * 2);
    const next = allocate(cap);
    for (const k of COLUMN_NAMES) (next[k] as { set(a: ArrayLike<number>): void }).set(this.c[k]);
    this.c = next;
    this.cap = cap;
  }

  /**
   * Whether a tool the request offers (of its TOOL_NAMES smallest name hashes) is new to this window's org, and
   * remembers them. Any new one counts, so a harvest cannot hide its items' tools behind a constant decoy list
   * (which would fill most of those slots); an application's own catalogue is remembered whole. A request without
   * tool names offers nothing new.
   */
  newTools(names: Uint32Array | undefined): boolean {
    return this.tools.offerNew(names);
  }

  /** The same for the tokens a request's logit_bias names: an app steering its answers biases the same few. */
  newBias(tokens: Uint32Array | undefined): boolean {
    return this.biases.offerNew(tokens);
  }

  /**
   * Whether a logit_bias request sends a context (system prompt, conversation, prompt) this window's org sent
   * before under another bias (other tokens, or other values for them), and remembers both. The same request sent
   * again (a popular query with the same options) is not a reprobe; a request without logit_bias is none.
   */
  reprobe(s: Pick<RequestSignals, 'biasTokens' | 'biasDigest' | 'prompt' | 'systemHash' | 'historyHash'>): boolean {
    if (!s.biasTokens) return false;
    const context = mixHash(fnv1a(s.prompt), mixHash(s.systemHash, s.historyHash));
    const seen = !this.contexts.offerOne(context);
    const otherBias = this.probes.offerOne(mixHash(context, s.biasDigest));
    return seen && otherBias;
  }

  /** Adds a request; returns its novelty. */
  push(s: RequestSignals): number {
    if (this.n === this.size) {
      this.apply(this.head, -1);
      if (this.unknownTurns > 0) this.unknownTurns--;
    } else {
      if (this.n === this.cap) this.grow();
      this.n++;
    }
    const i = this.head;
    this.head = (this.head + 1) % this.size;
    const nov = this.noveltyOf(s.sketch);
    if (s.sketch) {
      this.sketches ??= new Uint32Array(NOVELTY_RING * SKETCH_SLOTS);
      this.sketches.set(s.sketch, (this.simN % NOVELTY_RING) * SKETCH_SLOTS);
      this.simN++;
    }
    const c = this.c;
    c.gap[i] = Number.isNaN(this.lastTs) ? NaN : Math.max(0, s.ts - this.lastTs);
    this.lastTs = s.ts;
    c.ts[i] = s.ts;
    c.flags[i] = s.flags;
    c.cues[i] = s.cues;
    c.topic[i] = s.topic;
    c.harm[i] = s.harmCategory;
    c.script[i] = s.script;
    c.novelty[i] = nov;
    c.outRatio[i] = s.outputRatio;
    c.promptLog[i] = s.promptLog;
    c.template[i] = s.templateHash;
    c.system[i] = s.systemHash;
    c.shape[i] = s.shapeHash;
    c.prefix[i] = s.prefixHash;
    c.suffix[i] = s.suffixHash;
    c.history[i] = s.historyHash;
    c.turn[i] = s.turnHash;
    // Safety-set items count as harmful prompts (safety_probing), not as capability benchmarks.
    const bench = s.bench && s.bench.kind === 'benchmark' ? s.bench : undefined;
    c.bench[i] = bench ? bench.key : -1;
    c.benchSrc[i] = bench ? bench.sourceIndex : -1;
    this.apply(i, 1);
    return nov;
  }

  private apply(i: number, d: 1 | -1): void {
    const c = this.c;
    this.cache.clear();
    this.tally.add(
      { flags: c.flags[i]!, cues: c.cues[i]!, topic: c.topic[i]!, harmCategory: c.harm[i]!, script: c.script[i]!, novelty: c.novelty[i]!, outputRatio: c.outRatio[i]!, promptLog: c.promptLog[i]! },
      d,
    );
    const h = Math.floor(c.ts[i]! / 3_600_000) % 24; // UTC hour, without a Date allocation
    this.hours[h] = this.hours[h]! + d;
    const g = c.gap[i]!;
    if (!Number.isNaN(g)) {
      const gs = g / 1000;
      this.gapN += d;
      this.gapSum += d * gs;
      this.gapSq += d * gs * gs;
    }
    const src = c.benchSrc[i]!;
    if (src >= 0) this.benchSources[src] = this.benchSources[src]! + d;
  }

  /** Index of the oldest request in the window. */
  private oldest(): number {
    return this.n < this.size ? 0 : this.head;
  }

  private column(name: 'template' | 'system' | 'shape' | 'prefix' | 'suffix' | 'bench'): Uint32Array | Int32Array {
    return this.c[name];
  }

  /**
   * Whether a request in the window had this conversation history (non-zero): a repeated history is a fixed
   * preamble around different items, not a conversation (whose history grows with each turn or tool step).
   */
  hasHistory(h: number): boolean {
    if (h === 0) return false;
    const col = this.c.history;
    for (let k = 0; k < this.n; k++) if (col[k] === h) return true;
    return false;
  }

  /**
   * Whether a follow-up continues a conversation the org held in the window: the org sent the answered turn it
   * follows (`parent`) as a request of its own, or sent its own last turn before, either as a follow-up that
   * continued or followed by an agent's steps (`stepsAfter`: the loop after one human turn, however long ago that
   * turn came). A history made up in front of an item (a harness's few-shot dialogue, invented turns) follows a turn
   * nobody sent, and sending the item again does not make it a conversation. Windows restored from a checkpoint
   * written before turns were kept answer yes until those requests have left the window.
   */
  continues(parent: number, turn: number, stepsAfter: boolean): boolean {
    if (this.unknownTurns > 0) return true;
    const col = this.c.turn;
    const flags = this.c.flags;
    for (let k = 0; k < this.n; k++) {
      const t = col[k];
      if (t === parent || (t === turn && (stepsAfter || (flags[k]! & SINGLE_TURN) === 0))) return true;
    }
    return false;
  }

  /** Count of the most frequent non-zero (bench: non-negative) value of a column in the window. */
  topCount(name: 'template' | 'system' | 'shape' | 'prefix' | 'suffix'): number {
    const key = TOP_KEYS[name];
    let v = this.cache.get(key);
    if (v === undefined) {
      scratch.clear();
      const col = this.column(name);
      for (let k = 0; k < this.n; k++) {
        const x = col[k]!;
        if (x !== 0) scratch.add(x);
      }
      v = scratch.top();
      this.cache.set(key, v);
    }
    return v;
  }

  topShare(kind: TopKind): number {
    if (!this.n) return 0;
    // A wrapper is the same first or last line around different items, whichever end it is on.
    if (kind === 'wrapper') return Math.max(this.topCount('prefix'), this.topCount('suffix')) / this.n;
    return this.topCount(kind) / this.n;
  }

  /** One account's window: overlap and members' shares are a cluster's (linked accounts' combined traffic). */
  itemOverlap(): undefined {
    return undefined;
  }

  topMemberShare(): undefined {
    return undefined;
  }

  topMemberReasoningShare(): undefined {
    return undefined;
  }

  memberTopicAffinity(): undefined {
    return undefined;
  }

  benchDistinct(): number {
    let v = this.cache.get('bench');
    if (v === undefined) {
      scratch.clear();
      for (let k = 0; k < this.n; k++) {
        const x = this.c.bench[k]!;
        if (x >= 0) scratch.add(x + 1);
      }
      v = scratch.distinct();
      this.cache.set('bench', v);
    }
    return v;
  }

  /** Timing features; undefined when timing is switched off. */
  interarrivalCv(): number | undefined {
    if (!this.timing) return undefined;
    if (this.gapN < 2) return 0;
    const mean = this.gapSum / this.gapN;
    const v = Math.max(0, this.gapSq / this.gapN - mean * mean);
    return mean > 0 ? Math.sqrt(v) / mean : 0;
  }

  hoursActive(): number | undefined {
    if (!this.timing) return undefined;
    let k = 0;
    for (const v of this.hours) if (v > 0) k++;
    return k;
  }

  spanHours(): number | undefined {
    if (!this.timing) return undefined;
    return this.n ? (this.lastTs - this.c.ts[this.oldest()]!) / 3_600_000 : 0;
  }

  benchSourceCounts(): Int32Array {
    return this.benchSources;
  }

  /** Checkpoint: every field, so a restored window continues bit-identically. */
  toState(): OrgWindowState {
    const arrays: Record<string, string> = {};
    for (const k of COLUMN_NAMES) arrays[k] = packArray(this.c[k]);
    const tools = this.tools.toState();
    const biases = this.biases.toState();
    const contexts = this.contexts.toState();
    const probes = this.probes.toState();
    return {
      size: this.size,
      cap: this.cap,
      arrays,
      tally: this.tally.toState(),
      hours: packArray(this.hours),
      benchSources: packArray(this.benchSources),
      ...(this.sketches ? { sketches: packArray(this.sketches) } : {}),
      ...(tools ? { toolNames: tools.names, toolN: tools.n } : {}),
      ...(biases ? { biasTokens: biases.names, biasN: biases.n } : {}),
      ...(contexts ? { biasContexts: contexts.names, biasContextN: contexts.n } : {}),
      ...(probes ? { biasProbes: probes.names, biasProbeN: probes.n } : {}),
      scalars: { n: this.n, head: this.head, gapN: this.gapN, gapSum: num(this.gapSum), gapSq: num(this.gapSq), simN: this.simN, lastTs: num(this.lastTs), ...(this.unknownTurns ? { unknownTurns: this.unknownTurns } : {}) },
    };
  }

  restore(st: OrgWindowState): void {
    if (st.size !== this.size) throw new Error(`checkpoint: window of ${st.size}, expected ${this.size}`);
    this.cap = st.cap;
    this.c = allocate(st.cap);
    // Columns added since the checkpoint was written stay zero (no conversation history, no turn).
    for (const k of COLUMN_NAMES) if (st.arrays[k] !== undefined) unpackInto(st.arrays[k], this.c[k]);
    this.tally.restore(st.tally);
    unpackInto(st.hours, this.hours);
    unpackInto(st.benchSources, this.benchSources);
    if (st.sketches) this.sketches = unpackInto(st.sketches, new Uint32Array(NOVELTY_RING * SKETCH_SLOTS));
    this.tools.restore(st.toolNames, st.toolN);
    this.biases.restore(st.biasTokens, st.biasN);
    this.contexts.restore(st.biasContexts, st.biasContextN);
    this.probes.restore(st.biasProbes, st.biasProbeN);
    const s = st.scalars;
    this.n = s.n;
    this.head = s.head;
    this.gapN = s.gapN;
    this.gapSum = unnum(s.gapSum);
    this.gapSq = unnum(s.gapSq);
    this.simN = s.simN;
    this.lastTs = unnum(s.lastTs);
    this.unknownTurns = st.arrays.turn === undefined ? s.n : (s.unknownTurns ?? 0);
    this.cache.clear();
  }
}

export interface OrgWindowState {
  size: number;
  cap: number;
  arrays: Record<string, string>;
  tally: string;
  hours: string;
  benchSources: string;
  sketches?: string;
  /** Tool names remembered (absent until the org offers a tool; checkpoints before version 7 lack it). */
  toolNames?: string;
  toolN?: number;
  /** Biased tokens remembered (absent until the org sends a logit_bias; checkpoints before version 8 lack it). */
  biasTokens?: string;
  biasN?: number;
  /** Contexts sent under logit_bias, and (context, biased tokens) pairs (absent until then; before version 9 too). */
  biasContexts?: string;
  biasContextN?: number;
  biasProbes?: string;
  biasProbeN?: number;
  scalars: { n: number; head: number; gapN: number; gapSum: Num; gapSq: Num; simN: number; lastTs: Num; unknownTurns?: number };
}
