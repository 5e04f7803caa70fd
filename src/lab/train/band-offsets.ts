// Harm-threshold offsets per length band, set on registers the model never saw. The evidence-only harm head reads a
// prompt of a register it was not trained on as more harmful the longer the prompt is (decision 0007): its words
// keep whatever small weight the harmful sets gave them, and a long prompt offers many of them. Nothing in-sample
// shows this (long prompts of the registers the head was trained on are not over-flagged), so no weight fitted on
// them can correct it. A threshold can, if it is set on registers left out: each benign register is scored by a
// harm head trained without it, and a band's offset is how much further the 1% tail of those out-of-register logits
// reaches in that band than among short prompts. Short prompts keep the threshold as calibrated.
import { bandIndex, buildTextClassifier, type TextModelFile } from '../../detection/signals/text-classifier.js';
import { thresholdAtFpr } from './calibration.js';
import type { LabelledText } from '../corpus-catalog.js';

/** Feature counts of the judged text that start the second and third bands: from the harm window (64) on. */
export const OFFSET_EDGES: readonly number[] = [64, 128];
/** Items of one register scored (evenly spaced): enough for a 1% tail per band at a bounded training cost. */
const PER_REGISTER = 1000;
/** Out-of-register excess per register and band: logit minus the threshold of a head trained without the register. */
export type RegisterExcess = Map<string, number[][]>;

/**
 * Scores each register's benign items with a harm head trained without it and without `leaveOut` (what the model
 * being built must never see), by band of the text the head judged. `trainHarm` trains that head (the trainer's
 * harm-only model, without offsets) without the sets it is given.
 */
export function outOfRegisterExcess(
  ft: { texts: readonly LabelledText[] },
  registers: readonly string[],
  trainHarm: (leaveOut: ReadonlySet<string>) => TextModelFile,
  leaveOut: ReadonlySet<string> = new Set(),
): RegisterExcess {
  const out: RegisterExcess = new Map();
  for (const r of registers) {
    const clf = buildTextClassifier(trainHarm(new Set([...leaveOut, r])));
    const items: number[] = [];
    ft.texts.forEach((t, i) => {
      if (t.set === r && !t.augmented && !t.harmful) items.push(i);
    });
    const step = Math.max(1, Math.floor(items.length / PER_REGISTER));
    const bands = [0, ...OFFSET_EDGES].map(() => [] as number[]);
    for (let k = 0; k < items.length; k += step) {
      const { logit, features } = clf.harmReading(ft.texts[items[k]!]!.text);
      bands[bandIndex(features, OFFSET_EDGES)]!.push(logit - clf.harmThreshold);
    }
    out.set(r, bands);
  }
  return out;
}

/**
 * Offset per band: how far the band's 99th percentile of out-of-register excess reaches beyond the shortest band's,
 * never below 0 nor below a shorter band's, pooled over every register but those in `skip` (a classifier trained
 * without a register, or an evaluation of one, must not have that register set its bar).
 */
export function bandOffsetsFrom(excess: RegisterExcess, skip: ReadonlySet<string> = new Set()): number[] {
  const pooled = [0, ...OFFSET_EDGES].map(() => [] as number[]);
  for (const [r, bands] of excess) if (!skip.has(r)) bands.forEach((b, k) => pooled[k]!.push(...b));
  const tails = pooled.map((xs) => thresholdAtFpr(xs, 0.01).threshold);
  const out: number[] = [];
  tails.forEach((t, k) => {
    const own = Number.isFinite(t) && Number.isFinite(tails[0]!) ? Math.max(0, t - tails[0]!) : 0;
    // Never lower than a shorter band's: the drift grows with length, and a sparse band's tail is noisy.
    out.push(Number(Math.max(own, out[k - 1] ?? 0).toFixed(4)));
  });
  return out;
}
