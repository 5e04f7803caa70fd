// Logistic regression over hashed sparse features, trained with FTRL-Proximal (McMahan et al., 2013): the
// standard learner for hashed text features, with L1 keeping the weight vector sparse and L2 keeping weights
// small. Deterministic: a seeded shuffle and a fixed number of passes give the same weights on every run.
import { occurrenceValue } from '../../detection/text/hashed-features.js';
import { Rng } from '../../simulator/rng.js';

export interface SparseExample {
  /** Feature indices (duplicates allowed: each occurrence counts). */
  idx: Int32Array;
  /** 0 or 1 for a binary head; the class index for one-vs-rest heads. */
  y: number;
  /** Importance weight (class and data-set balance). */
  w: number;
}

export interface FtrlOptions {
  bits: number;
  epochs: number;
  alpha: number;
  beta: number;
  l1: number;
  l2: number;
  seed: number;
  /** Feature weights kept at or above zero (the bias is free): a head that only counts evidence for its class. */
  nonNegative?: boolean;
  /** occurrenceValue's knee (0 or absent: none). */
  lengthKnee?: number;
}

export const DEFAULT_FTRL: Omit<FtrlOptions, 'bits'> = { epochs: 6, alpha: 0.1, beta: 1, l1: 0.5, l2: 1, seed: 7 };

/** Trains one binary head; returns [weights (2^bits), bias]. `target(e)` says whether e is positive. */
export function trainBinary(examples: readonly SparseExample[], o: FtrlOptions, target: (e: SparseExample) => boolean = (e) => e.y === 1): { w: Float32Array; bias: number } {
  const D = 1 << o.bits;
  const z = new Float64Array(D + 1);
  const nn = new Float64Array(D + 1);
  const BIAS = D;
  const weight = (i: number): number => {
    const zi = z[i]!;
    if (i !== BIAS && Math.abs(zi) <= o.l1) return 0;
    const l1 = i === BIAS ? 0 : o.l1;
    const w = -(zi - Math.sign(zi) * l1) / ((o.beta + Math.sqrt(nn[i]!)) / o.alpha + (i === BIAS ? 0 : o.l2));
    // The per-coordinate problem is convex in one variable, so its minimiser over w >= 0 is the clipped one.
    return o.nonNegative && i !== BIAS && w < 0 ? 0 : w;
  };
  const order = examples.map((_, i) => i);
  const rng = new Rng(o.seed);
  const uniq = new Map<number, number>();
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    shuffle(order, rng);
    for (const k of order) {
      const e = examples[k]!;
      const v = occurrenceValue(e.idx.length, o.lengthKnee);
      uniq.clear();
      for (const i of e.idx) uniq.set(i, (uniq.get(i) ?? 0) + v);
      let margin = weight(BIAS);
      for (const [i, x] of uniq) margin += weight(i) * x;
      const p = 1 / (1 + Math.exp(-Math.max(-35, Math.min(35, margin))));
      const gBase = (p - (target(e) ? 1 : 0)) * e.w;
      const update = (i: number, x: number) => {
        const g = gBase * x;
        const sigma = (Math.sqrt(nn[i]! + g * g) - Math.sqrt(nn[i]!)) / o.alpha;
        z[i] = z[i]! + g - sigma * weight(i);
        nn[i] = nn[i]! + g * g;
      };
      update(BIAS, 1);
      for (const [i, x] of uniq) update(i, x);
    }
  }
  const w = new Float32Array(D);
  for (let i = 0; i < D; i++) w[i] = weight(i);
  return { w, bias: weight(BIAS) };
}

/** Logit of one example under a trained binary head. */
export function logit(head: { w: Float32Array; bias: number }, idx: Int32Array, lengthKnee = 0): number {
  const v = occurrenceValue(idx.length, lengthKnee);
  let m = head.bias;
  for (const i of idx) m += head.w[i]! * v;
  return m;
}

function shuffle(xs: number[], rng: Rng): void {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    const t = xs[i]!;
    xs[i] = xs[j]!;
    xs[j] = t;
  }
}
