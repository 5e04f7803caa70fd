// Per-label scores: a logistic model over scaled aggregate features, so many weak signals add up and none is a
// hard gate. Which features each score reads, and the sign each weight may take, are data (rules/scores/scores.yaml);
// the weights are fitted on randomised simulated traffic by scripts/build-models.ts (rules/models/scores.json).
// A score reads any Aggregate: an org's window, a purpose window or a cluster's combined traffic. Each score may
// also have a cluster fit (`clusterModels`), fitted also on the combined traffic of the clusters the linker
// gathered in simulated runs; rules read it as `cluster.network_score.<label>`, so no single org is judged by it.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { aggregateGetter, featureScaler, isAggregateFeature, type Aggregate, type AggregateGetter, type Baselines } from '../aggregate-features.js';
import { LABELS, type ActivityLabel } from '../rules/rule-schema.js';

export const scoreSpecSchema = z.strictObject({
  kind: z.literal('scores'),
  description: z.string(),
  models: z.partialRecord(
    z.enum(LABELS),
    z.strictObject({
      description: z.string(),
      /** feature name -> allowed sign of its weight: '+' (>= 0), '-' (<= 0). */
      features: z.record(z.string(), z.enum(['+', '-'])),
    }),
  ),
  /** Largest weight (in logit units per scaled feature) any one feature may take: no signal makes a score alone. */
  max_weight: z.number().positive().default(3),
  /**
   * Evidence a real actor may not leave: a phrasing no cue knows, an upstream that reports no usage, the client it
   * happens to use. The fit also sees every positive with each group's features at zero (or at the group's
   * `values`), so no score stands on one group alone.
   */
  robustness: z
    .strictObject({
      description: z.string(),
      /** Share of each positive's weight given to its copies with a group missing (split evenly among groups). */
      share: z.number().min(0).max(0.9),
      /**
       * Features of each group; a group applies to every score that reads one of them, or only to `scores`. The
       * copies read 0 for each '+' feature of the group, or the raw value `values` gives (any sign).
       */
      groups: z.record(
        z.string(),
        z.union([
          z.array(z.string()).min(1),
          z.strictObject({ features: z.array(z.string()).min(1), scores: z.array(z.enum(LABELS)).min(1).optional(), values: z.record(z.string(), z.number()).optional() }),
        ]),
      ),
    })
    .optional(),
});
export type ScoreSpec = z.infer<typeof scoreSpecSchema>;

export interface FittedScore {
  label: ActivityLabel;
  features: string[];
  weights: number[];
  bias: number;
}

export interface ScoreModelFile {
  version: 1;
  models: FittedScore[];
  /** Per label, the fit a cluster's combined traffic is scored with; a label without one uses its org model. */
  clusterModels?: FittedScore[];
  /** How the weights were fitted (documentation). */
  fitted: Record<string, unknown>;
}

export interface Contribution {
  feature: string;
  value: number | undefined;
  weight: number;
  /** weight * scaled value, in logit units: what this feature added to the score. */
  contribution: number;
}

export interface ScoreModel {
  label: ActivityLabel;
  features: readonly string[];
  /** P(label) for the traffic of this aggregate. */
  score(a: Aggregate, b: Baselines): number;
  explain(a: Aggregate, b: Baselines): { score: number; bias: number; contributions: Contribution[] };
  /** The model a cluster's combined traffic is scored with (this one when no cluster fit was made). */
  readonly cluster: ScoreModel;
}

export function buildScoreModel(f: FittedScore, clusterFit?: FittedScore): ScoreModel {
  const getters: AggregateGetter[] = f.features.map((name) => {
    const g = aggregateGetter(name);
    if (!g) throw new Error(`score ${f.label}: unknown feature "${name}"`);
    return g;
  });
  const scalers = f.features.map(featureScaler);
  const logit = (a: Aggregate, b: Baselines, out?: Contribution[]): number => {
    let z = f.bias;
    for (let i = 0; i < getters.length; i++) {
      const v = getters[i]!(a, b);
      const c = f.weights[i]! * scalers[i]!(v);
      z += c;
      out?.push({ feature: f.features[i]!, value: v === undefined ? undefined : round(v), weight: round(f.weights[i]!), contribution: round(c) });
    }
    return z;
  };
  const model: ScoreModel = {
    label: f.label,
    features: f.features,
    score: (a, b) => sigmoid(logit(a, b)),
    explain(a, b) {
      const contributions: Contribution[] = [];
      const z = logit(a, b, contributions);
      contributions.sort((x, y) => Math.abs(y.contribution) - Math.abs(x.contribution));
      return { score: round(sigmoid(z)), bias: round(f.bias), contributions };
    },
    get cluster() {
      return clusterModel;
    },
  };
  const clusterModel = clusterFit ? buildScoreModel(clusterFit) : model;
  return model;
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

type RobustnessGroup = NonNullable<ScoreSpec['robustness']>['groups'][string];

function robustnessFeatures(g: RobustnessGroup): string[] {
  return Array.isArray(g) ? g : g.features;
}

/** One robustness group as a score's fit reads it: its features, and the raw value a copy gives each (else 0). */
export interface RobustnessGroupOf {
  features: string[];
  values: Record<string, number>;
}

/** The robustness groups that apply to one score (a group limited to other scores is left out). */
export function robustnessGroupsOf(spec: ScoreSpec, label: ActivityLabel): RobustnessGroupOf[] {
  return Object.values(spec.robustness?.groups ?? {})
    .filter((g) => Array.isArray(g) || !g.scores || g.scores.includes(label))
    .map((g) => ({ features: robustnessFeatures(g), values: Array.isArray(g) ? {} : (g.values ?? {}) }));
}

export function loadScoreSpec(file: string): ScoreSpec {
  const r = scoreSpecSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new Error(`${file}: invalid score spec: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  for (const [label, m] of Object.entries(r.data.models))
    for (const name of Object.keys(m.features)) if (!isAggregateFeature(name)) throw new Error(`${file}: ${label}: unknown feature "${name}"`);
  for (const [group, g] of Object.entries(r.data.robustness?.groups ?? {})) {
    for (const name of robustnessFeatures(g)) if (!isAggregateFeature(name)) throw new Error(`${file}: robustness group ${group}: unknown feature "${name}"`);
    for (const name of Object.keys(Array.isArray(g) ? {} : (g.values ?? {})))
      if (!robustnessFeatures(g).includes(name)) throw new Error(`${file}: robustness group ${group}: a value for "${name}", which the group does not list`);
  }
  return r.data;
}

export function loadScoreModels(file: string): Map<ActivityLabel, ScoreModel> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as ScoreModelFile;
  return scoreModelsFrom(raw);
}

export function scoreModelsFrom(raw: ScoreModelFile): Map<ActivityLabel, ScoreModel> {
  if (raw.version !== 1) throw new Error(`score models: unsupported version ${String(raw.version)}`);
  const cluster = new Map((raw.clusterModels ?? []).map((m) => [m.label, m]));
  return new Map(raw.models.map((m) => [m.label, buildScoreModel(m, cluster.get(m.label))]));
}
