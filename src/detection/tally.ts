// A tally of request signals: counts of every flag, cue, topic, harm category and script, and sums of a few
// per-request numbers, in one Float64Array so it adds, subtracts and merges element by element. An org's
// window keeps the tally of the requests in it (added on arrival, subtracted on eviction); a cluster keeps the
// tally of all its members' requests (merged when clusters join). Every count-based feature reads a tally, so
// one definition serves orgs and clusters alike.
import { packArray, unpackInto } from './checkpoint/codec.js';
import { FLAG_NAMES } from './signals/request-flags.js';
import { CUE_NAMES } from './signals/harness-cues.js';
import { HARM_CATEGORIES, TOPICS } from './signals/taxonomy.js';
import { SCRIPTS } from './signals/script-class.js';

export const FLAG_BITS = FLAG_NAMES.length;
export const CUE_BITS = CUE_NAMES.length;
export const FLAG_OFF = 0;
export const CUE_OFF = FLAG_OFF + FLAG_BITS;
export const TOPIC_OFF = CUE_OFF + CUE_BITS;
export const HARM_OFF = TOPIC_OFF + TOPICS.length;
export const SCRIPT_OFF = HARM_OFF + HARM_CATEGORIES.length;
export const NOVELTY = SCRIPT_OFF + SCRIPTS.length;
export const OUT_RATIO_SUM = NOVELTY + 1;
export const OUT_RATIO_N = OUT_RATIO_SUM + 1;
export const PROMPT_LOG_SUM = OUT_RATIO_N + 1;
export const REQUESTS = PROMPT_LOG_SUM + 1;
export const TALLY_SIZE = REQUESTS + 1;
const FLAG_MASK = FLAG_BITS >= 32 ? -1 : (1 << FLAG_BITS) - 1;
const CUE_MASK = (1 << CUE_BITS) - 1;

/** What a tally needs from one request (a RequestSignals, or a linkage record carrying the same numbers). */
export interface TallyInput {
  flags: number;
  cues: number;
  topic: number;
  harmCategory: number;
  script: number;
  novelty: number;
  outputRatio: number;
  promptLog: number;
}

export class Tally {
  readonly v = new Float64Array(TALLY_SIZE);

  get n(): number {
    return this.v[REQUESTS]!;
  }

  add(s: TallyInput, d: 1 | -1 = 1): void {
    const v = this.v;
    v[REQUESTS] = v[REQUESTS]! + d;
    // Only the set bits: a request carries a few flags of many.
    for (let f = s.flags & FLAG_MASK; f !== 0; f &= f - 1) {
      const i = FLAG_OFF + 31 - Math.clz32(f & -f);
      v[i] = v[i]! + d;
    }
    for (let f = s.cues & CUE_MASK; f !== 0; f &= f - 1) {
      const i = CUE_OFF + 31 - Math.clz32(f & -f);
      v[i] = v[i]! + d;
    }
    if (s.topic >= 0) v[TOPIC_OFF + s.topic] = v[TOPIC_OFF + s.topic]! + d;
    if (s.harmCategory >= 0) v[HARM_OFF + s.harmCategory] = v[HARM_OFF + s.harmCategory]! + d;
    if (s.script >= 0) v[SCRIPT_OFF + s.script] = v[SCRIPT_OFF + s.script]! + d;
    v[NOVELTY] = v[NOVELTY]! + d * s.novelty;
    // Unknown ratios are NaN (signals) or -1 (link records, which travel as JSON).
    if (typeof s.outputRatio === 'number' && s.outputRatio >= 0) {
      // Log ratios: one very long answer must not dominate the mean.
      v[OUT_RATIO_SUM] = v[OUT_RATIO_SUM]! + d * Math.log2(1 + s.outputRatio);
      v[OUT_RATIO_N] = v[OUT_RATIO_N]! + d;
    }
    v[PROMPT_LOG_SUM] = v[PROMPT_LOG_SUM]! + d * s.promptLog;
  }

  merge(o: Tally): void {
    for (let i = 0; i < TALLY_SIZE; i++) this.v[i] = this.v[i]! + o.v[i]!;
  }

  /** Share of requests with flag bit `bit` (a value of request-flags.ts). */
  flagShare(bit: number): number {
    const n = this.n;
    return n > 0 ? this.v[FLAG_OFF + 31 - Math.clz32(bit)]! / n : 0;
  }

  flagCount(bit: number): number {
    return this.v[FLAG_OFF + 31 - Math.clz32(bit)]!;
  }

  cueCount(bit: number): number {
    return this.v[CUE_OFF + 31 - Math.clz32(bit)]!;
  }

  toState(): string {
    return packArray(this.v);
  }

  restore(st: string): this {
    unpackInto(st, this.v);
    return this;
  }
}
