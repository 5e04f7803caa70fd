// Harm-threshold offsets per length band, set on registers the model never saw. The evidence-only harm head reads
// a long prompt of a new register as harmful more often the longer it is (decision 0007, thirteenth session), and
// nothing in-sample shows it: long prompts of registers it was trained on are not over-flagged. So each benign
// register is scored by a head trained without it, and a band's offset is how much further the 1% tail of those
// out-of-register logits reaches in that band than among short prompts. Measured only (`npm run eval:classifier
// -- --length-offsets`); shipped models carry none.
import { buildTextClassifier } from '../../detection/signals/text-classifier.js';
import { thresholdAtFpr } from '../train/calibration.js';
import { trainTextModel, type FeaturizedTexts } from '../train/text-model-trainer.js';

/** Feature counts that start the second, third and fourth bands. */
export const OFFSET_BANDS = [32, 64, 128];
/** Items of one register scored (evenly spaced): enough for a 1% tail per band, bounded training-time cost. */
const PER_REGISTER = 1000;

export function bandOf(ft: FeaturizedTexts, i: number, edges: readonly number[] = OFFSET_BANDS): number {
  let b = 0;
  for (const e of edges) if (ft.feats[i]!.length >= e) b++;
  return b;
}

/** Per register, per band: logits of its benign items minus the threshold of a harm head trained without it. */
export function outOfRegisterExcess(ft: FeaturizedTexts, registers: readonly string[]): Map<string, number[][]> {
  const out = new Map<string, number[][]>();
  for (const r of registers) {
    const clf = buildTextClassifier(trainTextModel(ft, { leaveOut: new Set([r]), only: 'harm' }));
    const items: number[] = [];
    ft.texts.forEach((t, i) => {
      if (t.set === r && !t.augmented && !t.harmful) items.push(i);
    });
    const step = Math.max(1, Math.floor(items.length / PER_REGISTER));
    const bands = [0, ...OFFSET_BANDS].map(() => [] as number[]);
    for (let k = 0; k < items.length; k += step) bands[bandOf(ft, items[k]!)]!.push(clf.harmLogit(ft.texts[items[k]!]!.text) - clf.harmThreshold);
    out.set(r, bands);
  }
  return out;
}

/**
 * Offset per band: how far the band's 99th percentile of out-of-register excess reaches beyond the shortest band's,
 * never below 0, pooled over every register but `skip` (the set under evaluation must not set its own bar).
 */
export function lengthOffsets(excess: ReadonlyMap<string, number[][]>, skip?: string): number[] {
  const pooled = [0, ...OFFSET_BANDS].map(() => [] as number[]);
  for (const [r, bands] of excess) if (r !== skip) bands.forEach((b, k) => pooled[k]!.push(...b));
  // The bar each band would need to flag 1% of its out-of-register prompts (Infinity for an empty band).
  const tails = pooled.map((xs) => thresholdAtFpr(xs, 0.01).threshold);
  return tails.map((t) => (Number.isFinite(t) && Number.isFinite(tails[0]!) ? Math.max(0, t - tails[0]!) : 0));
}
