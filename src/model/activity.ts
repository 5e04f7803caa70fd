// What detection concludes about an org, as detection emits it and enforcement and cases consume it.

export const LABELS = ['benchmarking', 'distillation', 'safety_probing', 'scope_violation', 'model_extraction'] as const;
/** Labels an activity score (rules/scores) is fitted for; the others are decided by rules over window features alone. */
export const SCORED_LABELS = ['benchmarking', 'distillation', 'safety_probing'] as const satisfies readonly ActivityLabel[];
export type ActivityLabel = (typeof LABELS)[number];

/** One label attached to an org, with the rules that fired and the evidence they recorded. */
export interface Activity {
  label: ActivityLabel;
  confidence: number;
  first_detected: { request: number; ts: string };
  rules: string[];
  /** Detection's evidence record: thresholds, samples, benchmarks, categories, links, feature values. */
  evidence: Record<string, unknown>;
}
