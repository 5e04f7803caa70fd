// What one kept prompt sample showed, in the names rules read (`w.<flag>_share`, `w.<cue>_share`) plus the
// benchmark it matched and its harm category, so a case can say which sample matched what. A sample is kept
// at every request (the ring replaces its oldest), so only the request's bits are kept then; names are made
// when a rule asks for the samples.
import type { RequestSignals } from './request-signals.js';
import { CUE_NAMES } from './harness-cues.js';
import { FLAG_NAMES } from './request-flags.js';
import { HARM_CATEGORIES } from './taxonomy.js';

export interface SampleMarks {
  flags: number;
  cues: number;
  harmCategory: number;
  bench: string | undefined;
  /** Sent disguised (an encoding, look-alike characters); the sample is its reading. */
  obfuscated?: boolean;
}

export const marksOf = (s: RequestSignals, obfuscated = false): SampleMarks => ({ flags: s.flags, cues: s.cues, harmCategory: s.harmCategory, bench: s.bench?.source, ...(obfuscated ? { obfuscated } : {}) });

/** The mark of a sample sent disguised and kept as it reads. */
export const OBFUSCATED = 'obfuscated';

export function sampleSignals(m: SampleMarks): string[] {
  const out: string[] = [];
  if (m.bench !== undefined) out.push(`benchmark:${m.bench}`);
  if (m.harmCategory >= 0 && HARM_CATEGORIES[m.harmCategory] !== undefined) out.push(`harm:${HARM_CATEGORIES[m.harmCategory]}`);
  if (m.obfuscated) out.push(OBFUSCATED);
  for (const [bit, name] of FLAG_NAMES) if (m.flags & bit) out.push(`w.${name}_share`);
  for (const [bit, name] of CUE_NAMES) if (m.cues & bit) out.push(`w.${name}_share`);
  return out;
}

/**
 * The part of a sample's signals one rule's verdict rests on: the features it compares or whose scores it
 * reads (a sample showing `w.bench_share` matters to a rule on `w.bench_share` or on a score fed by it), and
 * always the benchmark, the harm category and a disguise, which say what the prompt was and how it was sent.
 */
export function signalsForRule(signals: readonly string[], readFeatures: ReadonlySet<string>): string[] {
  return signals.filter((t) => t.startsWith('benchmark:') || t.startsWith('harm:') || t === OBFUSCATED || readFeatures.has(t));
}
