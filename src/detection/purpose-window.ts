// Window over an org's last requests sent under one purpose header (e.g. moat-purpose: safety_evaluation),
// so scope violations are judged on that purpose's traffic alone.
import { packArray, unpackInto } from './checkpoint/codec.js';
import type { RequestSignals } from './signals/request-signals.js';

const SENS = 1;
const OFF_CAP = 2;
const BENCH = 4;

export class PurposeWindow {
  private readonly flags: Uint8Array;
  private n = 0;
  private head = 0;
  private sens = 0;
  private offCap = 0;
  private bench = 0;

  constructor(readonly size: number) {
    this.flags = new Uint8Array(size);
  }

  push(s: RequestSignals): void {
    if (this.n === this.size) this.apply(this.flags[this.head]!, -1);
    else this.n++;
    // A non-safety capability prompt (coding, math...) or a non-safety benchmark item.
    const f =
      (s.sensitive ? SENS : 0) |
      (s.capability && !s.sensitive ? OFF_CAP : 0) |
      (s.bench && s.bench.category !== 'safety' ? BENCH : 0);
    this.flags[this.head] = f;
    this.head = (this.head + 1) % this.size;
    this.apply(f, 1);
  }

  private apply(f: number, d: 1 | -1): void {
    if (f & SENS) this.sens += d;
    if (f & OFF_CAP) this.offCap += d;
    if (f & BENCH) this.bench += d;
  }

  feature(name: string): number | undefined {
    const share = (x: number) => (this.n ? x / this.n : 0);
    switch (name) {
      case 'requests':
        return this.n;
      case 'sensitive_share':
        return share(this.sens);
      case 'capability_share':
        return share(this.offCap);
      case 'bench_share':
        return share(this.bench);
      default:
        return undefined;
    }
  }

  static readonly FEATURES = ['requests', 'sensitive_share', 'capability_share', 'bench_share'] as const;

  toState(): PurposeWindowState {
    return { size: this.size, flags: packArray(this.flags), n: this.n, head: this.head, sens: this.sens, offCap: this.offCap, bench: this.bench };
  }

  restore(st: PurposeWindowState): void {
    if (st.size !== this.size) throw new Error(`checkpoint: purpose window of ${st.size}, expected ${this.size}`);
    unpackInto(st.flags, this.flags);
    ({ n: this.n, head: this.head, sens: this.sens, offCap: this.offCap, bench: this.bench } = st);
  }
}

export interface PurposeWindowState {
  size: number;
  flags: string;
  n: number;
  head: number;
  sens: number;
  offCap: number;
  bench: number;
}

export type TotalsState = [requests: number, cot: number, sensitive: number, capability: number, bench: number, single: number, novelty: number];

/** Cumulative, addable counters: per org, and summed over a linked cluster (judged on combined traffic). */
export class Totals {
  requests = 0;
  cot = 0;
  sensitive = 0;
  capability = 0;
  bench = 0;
  single = 0;
  novelty = 0;

  add(s: Pick<RequestSignals, 'cot' | 'sensitive' | 'capability' | 'singleTurn'> & { bench?: unknown }, novelty: number): void {
    this.requests++;
    if (s.cot) this.cot++;
    if (s.sensitive) this.sensitive++;
    if (s.capability) this.capability++;
    if (s.bench) this.bench++;
    if (s.singleTurn) this.single++;
    this.novelty += novelty;
  }

  merge(o: Totals): void {
    this.requests += o.requests;
    this.cot += o.cot;
    this.sensitive += o.sensitive;
    this.capability += o.capability;
    this.bench += o.bench;
    this.single += o.single;
    this.novelty += o.novelty;
  }

  feature(name: string): number | undefined {
    const share = (x: number) => (this.requests ? x / this.requests : 0);
    switch (name) {
      case 'requests':
        return this.requests;
      case 'cot_share':
        return share(this.cot);
      case 'sensitive_share':
        return share(this.sensitive);
      case 'capability_share':
        return share(this.capability);
      case 'bench_share':
        return share(this.bench);
      case 'single_turn_share':
        return share(this.single);
      case 'novelty':
        return share(this.novelty);
      default:
        return undefined;
    }
  }

  static readonly FEATURES = ['requests', 'cot_share', 'sensitive_share', 'capability_share', 'bench_share', 'single_turn_share', 'novelty'] as const;

  toState(): TotalsState {
    return [this.requests, this.cot, this.sensitive, this.capability, this.bench, this.single, this.novelty];
  }

  restore(st: TotalsState): this {
    [this.requests, this.cot, this.sensitive, this.capability, this.bench, this.single, this.novelty] = st;
    return this;
  }

  static fromState(st: TotalsState): Totals {
    return new Totals().restore(st);
  }
}
