// What one kept prompt sample showed, in the names rules read (`w.<flag>_share`, `w.<cue>_share`) plus the
// benchmark it matched and its harm category, so a case can say which sample matched what.
import type { RequestSignals } from './request-signals.js';
import { CUE_NAMES } from './harness-cues.js';
import { FLAG_NAMES } from './request-flags.js';
import { HARM_CATEGORIES } from './taxonomy.js';

export function sampleSignals(s: RequestSignals): string[] {
  const out: string[] = [];
  if (s.bench) out.push(`benchmark:${s.bench.source}`);
  if (s.harmCategory >= 0 && HARM_CATEGORIES[s.harmCategory] !== undefined) out.push(`harm:${HARM_CATEGORIES[s.harmCategory]}`);
  for (const [bit, name] of FLAG_NAMES) if (s.flags & bit) out.push(`w.${name}_share`);
  for (const [bit, name] of CUE_NAMES) if (s.cues & bit) out.push(`w.${name}_share`);
  return out;
}

/**
 * The part of a sample's signals one rule's verdict rests on: the features it compares or whose scores it
 * reads (a sample showing `w.bench_share` matters to a rule on `w.bench_share` or on a score fed by it), and
 * always the benchmark and harm category, which say what the prompt was.
 */
export function signalsForRule(signals: readonly string[], readFeatures: ReadonlySet<string>): string[] {
  return signals.filter((t) => t.startsWith('benchmark:') || t.startsWith('harm:') || readFeatures.has(t));
}
