// A fixed-size sliding window over an org's last W requests, as typed arrays plus running aggregates, so
// every window feature is O(1) to read and the memory per org is bounded whatever the traffic.
import { num, packArray, unnum, unpackInto, type Num } from './checkpoint/codec.js';
import { SKETCH_SLOTS, sketchSimilarity } from './signals/sketch.js';
import { TopCounter } from './signals/top-counter.js';
import type { RequestSignals } from './signals/request-signals.js';

const F_CAP = 1;
const F_SENS = 2;
const F_COT = 4;
const F_SINGLE = 8;
const NOVELTY_RING = 32;

export class OrgWindow {
  readonly size: number;
  private n = 0;
  private head = 0;
  private readonly ts: Float64Array;
  private readonly template: Uint32Array;
  private readonly system: Uint32Array;
  private readonly category: Int8Array;
  private readonly flags: Uint8Array;
  private readonly bench: Int32Array;
  private readonly benchSrc: Int8Array;
  private readonly temp: Float32Array;
  private readonly maxTok: Float32Array;
  private readonly novelty: Float32Array;
  private readonly gap: Float32Array;
  // Running aggregates over the records currently in the window.
  private cap = 0;
  private sens = 0;
  private cot = 0;
  private single = 0;
  private benchN = 0;
  private noveltySum = 0;
  private gapN = 0;
  private gapSum = 0;
  private gapSq = 0;
  private readonly cats = new Int32Array(16);
  private readonly hours = new Int32Array(24);
  private readonly benchSources = new Int32Array(16);
  private readonly templates = new TopCounter<number>();
  private readonly benches = new TopCounter<number>();
  private readonly systems = new TopCounter<number>();
  private readonly temps = new TopCounter<number>();
  private readonly maxToks = new TopCounter<number>();
  // Novelty (PRADA/SEAT-style): distance of each prompt's simhash to the closest of the org's recent ones.
  private readonly sketches = new Uint32Array(NOVELTY_RING * SKETCH_SLOTS);
  private simN = 0;
  private lastTs = NaN;

  /** timing=false switches the timing features off (ablation): they read as undefined, so rules using them never fire. */
  constructor(size: number, private readonly timing = true) {
    this.size = size;
    this.ts = new Float64Array(size);
    this.template = new Uint32Array(size);
    this.system = new Uint32Array(size);
    this.category = new Int8Array(size);
    this.flags = new Uint8Array(size);
    this.bench = new Int32Array(size);
    this.benchSrc = new Int8Array(size);
    this.temp = new Float32Array(size);
    this.maxTok = new Float32Array(size);
    this.novelty = new Float32Array(size);
    this.gap = new Float32Array(size);
  }

  /** Novelty of a prompt: 1 - similarity to the closest of the org's recent prompts (1 when none yet). */
  private noveltyOf(sketch: Uint32Array | undefined): number {
    if (!sketch) return 0;
    const k = Math.min(this.simN, NOVELTY_RING);
    let best = 0;
    for (let i = 0; i < k && best < 1; i++) {
      const sim = sketchSimilarity(sketch, this.sketches, i * SKETCH_SLOTS);
      if (sim > best) best = sim;
    }
    return k === 0 ? 1 : 1 - best;
  }

  /** Adds a request; returns its novelty. */
  push(s: RequestSignals): number {
    if (this.n === this.size) this.evict(this.head);
    else this.n++;
    const i = this.head;
    this.head = (this.head + 1) % this.size;
    const nov = this.noveltyOf(s.sketch);
    if (s.sketch) {
      this.sketches.set(s.sketch, (this.simN % NOVELTY_RING) * SKETCH_SLOTS);
      this.simN++;
    }
    const flags = (s.capability ? F_CAP : 0) | (s.sensitive ? F_SENS : 0) | (s.cot ? F_COT : 0) | (s.singleTurn ? F_SINGLE : 0);
    const gap = Number.isNaN(this.lastTs) ? NaN : Math.max(0, s.ts - this.lastTs);
    this.lastTs = s.ts;
    this.ts[i] = s.ts;
    this.template[i] = s.templateHash;
    this.system[i] = s.systemHash;
    this.category[i] = s.category;
    this.flags[i] = flags;
    // Safety-set items count as sensitive prompts (safety_probing), not as capability benchmarks.
    const bench = s.bench && s.bench.kind === 'benchmark' ? s.bench : undefined;
    this.bench[i] = bench ? bench.key : -1;
    this.benchSrc[i] = bench ? bench.sourceIndex : -1;
    this.temp[i] = s.temperature;
    this.maxTok[i] = s.maxTokens;
    this.novelty[i] = nov;
    this.gap[i] = gap;
    this.apply(i, 1);
    return nov;
  }

  private evict(i: number): void {
    this.apply(i, -1);
  }

  private apply(i: number, d: 1 | -1): void {
    const f = this.flags[i]!;
    if (f & F_CAP) this.cap += d;
    if (f & F_SENS) this.sens += d;
    if (f & F_COT) this.cot += d;
    if (f & F_SINGLE) this.single += d;
    const c = this.category[i]!;
    if (c >= 0) this.cats[c] = this.cats[c]! + d;
    const h = Math.floor(this.ts[i]! / 3_600_000) % 24; // UTC hour, without a Date allocation
    this.hours[h] = this.hours[h]! + d;
    this.noveltySum += d * this.novelty[i]!;
    const g = this.gap[i]!;
    if (!Number.isNaN(g)) {
      const gs = g / 1000;
      this.gapN += d;
      this.gapSum += d * gs;
      this.gapSq += d * gs * gs;
    }
    const b = this.bench[i]!;
    const tmpl = this.template[i]!;
    const sys = this.system[i]!;
    const t = this.temp[i]!;
    const m = this.maxTok[i]!;
    if (d === 1) {
      if (b >= 0) {
        this.benchN++;
        this.benches.add(b);
        this.benchSources[this.benchSrc[i]!]!++;
      }
      if (tmpl) this.templates.add(tmpl);
      if (sys) this.systems.add(sys);
      if (!Number.isNaN(t)) this.temps.add(t);
      if (!Number.isNaN(m)) this.maxToks.add(m);
    } else {
      if (b >= 0) {
        this.benchN--;
        this.benches.remove(b);
        this.benchSources[this.benchSrc[i]!]!--;
      }
      if (tmpl) this.templates.remove(tmpl);
      if (sys) this.systems.remove(sys);
      if (!Number.isNaN(t)) this.temps.remove(t);
      if (!Number.isNaN(m)) this.maxToks.remove(m);
    }
  }

  get count(): number {
    return this.n;
  }

  private share(x: number): number {
    return this.n ? x / this.n : 0;
  }

  feature(name: string, capabilityClasses: ReadonlySet<number>): number | undefined {
    switch (name) {
      case 'requests':
        return this.n;
      case 'bench_share':
        return this.share(this.benchN);
      case 'bench_distinct':
        return this.benches.distinct();
      case 'bench_sources': {
        let k = 0;
        for (const v of this.benchSources) if (v > 0) k++;
        return k;
      }
      case 'template_top_share':
        return this.share(this.templates.top());
      case 'template_distinct_ratio':
        return this.share(this.templates.distinct());
      case 'capability_share':
        return this.share(this.cap);
      case 'capability_categories': {
        // Capability classes holding at least 5% of the window: how broad a sweep is.
        let k = 0;
        for (const c of capabilityClasses) if (this.n && this.cats[c]! / this.n >= 0.05) k++;
        return k;
      }
      case 'category_entropy': {
        let e = 0;
        for (const v of this.cats) if (v > 0 && this.n) e -= (v / this.n) * Math.log2(v / this.n);
        return e;
      }
      case 'sensitive_share':
        return this.share(this.sens);
      case 'cot_share':
        return this.share(this.cot);
      case 'novelty':
        return this.share(this.noveltySum);
      case 'single_turn_share':
        return this.share(this.single);
      case 'temperature_top_share':
        return this.share(this.temps.top());
      case 'max_tokens_top_share':
        return this.share(this.maxToks.top());
      case 'system_top_share':
        return this.share(this.systems.top());
      case 'interarrival_cv': {
        if (!this.timing) return undefined;
        if (this.gapN < 2) return 0;
        const mean = this.gapSum / this.gapN;
        const v = Math.max(0, this.gapSq / this.gapN - mean * mean);
        return mean > 0 ? Math.sqrt(v) / mean : 0;
      }
      case 'hours_active': {
        if (!this.timing) return undefined;
        let k = 0;
        for (const v of this.hours) if (v > 0) k++;
        return k;
      }
      case 'span_hours':
        if (!this.timing) return undefined;
        return this.n ? (this.lastTs - this.ts[(this.head - this.n + this.size) % this.size]!) / 3_600_000 : 0;
      default:
        return undefined;
    }
  }

  /** Checkpoint: every field, running aggregates included, so a restored window continues bit-identically. */
  toState(): OrgWindowState {
    const arrays: Record<string, string> = {};
    for (const k of ARRAY_FIELDS) arrays[k] = packArray(this[k]);
    const scalars: Record<string, Num> = {};
    for (const k of SCALAR_FIELDS) scalars[k] = num(this[k]);
    const counters: Record<string, { e: Array<[number, number]>; top: number }> = {};
    for (const k of COUNTER_FIELDS) counters[k] = this[k].toState();
    return { size: this.size, arrays, scalars, counters };
  }

  restore(st: OrgWindowState): void {
    if (st.size !== this.size) throw new Error(`checkpoint: window of ${st.size}, expected ${this.size}`);
    for (const k of ARRAY_FIELDS) unpackInto(st.arrays[k] ?? '', this[k]);
    for (const k of SCALAR_FIELDS) (this as unknown as Record<string, number>)[k] = unnum(st.scalars[k] ?? 'NaN');
    for (const k of COUNTER_FIELDS) this[k].restore(st.counters[k] ?? { e: [], top: 0 });
  }

  /** Matched benchmark counts per source index (evidence). */
  benchSourceCounts(): Int32Array {
    return this.benchSources;
  }

  categoryCounts(): Int32Array {
    return this.cats;
  }

  static readonly FEATURES = [
    'requests', 'bench_share', 'bench_distinct', 'bench_sources', 'template_top_share', 'template_distinct_ratio',
    'capability_share', 'capability_categories', 'category_entropy', 'sensitive_share', 'cot_share', 'novelty',
    'single_turn_share', 'temperature_top_share', 'max_tokens_top_share', 'system_top_share', 'interarrival_cv',
    'hours_active', 'span_hours',
  ] as const;
}

export interface OrgWindowState {
  size: number;
  arrays: Record<string, string>;
  scalars: Record<string, Num>;
  counters: Record<string, { e: Array<[number, number]>; top: number }>;
}

// The field lists the checkpoint covers; a field added to OrgWindow must be added here (the restart test
// compares a restored detector's features with an uninterrupted one's).
const ARRAY_FIELDS = [
  'ts', 'template', 'system', 'category', 'flags', 'bench', 'benchSrc', 'temp', 'maxTok', 'novelty', 'gap', 'cats', 'hours',
  'benchSources', 'sketches',
] as const;
const SCALAR_FIELDS = ['n', 'head', 'cap', 'sens', 'cot', 'single', 'benchN', 'noveltySum', 'gapN', 'gapSum', 'gapSq', 'simN', 'lastTs'] as const;
const COUNTER_FIELDS = ['templates', 'benches', 'systems', 'temps', 'maxToks'] as const;
