// Fits the per-label scores (rules/scores/scores.yaml -> rules/models/scores.json) on randomised simulated traffic:
// every org of every run is sampled at several request counts, as its window and as its cumulative traffic
// (the shape a cluster's combined traffic has), and labelled by what its actor is. A logistic regression per
// label, with each feature's weight held to the sign the spec allows, every actor family weighing the same
// and positives as much as negatives. Real clusters' combined traffic (accounts the linker gathered) is sampled
// too, as rows of their own; the cluster fit learns from them and the org rows, the org fit from org rows only.
import { aggregateGetter, featureScaler, type Aggregate, type Baselines } from '../../detection/aggregate-features.js';
import { createDetector } from '../../detection/detector.js';
import type { DetectionAssets } from '../../detection/assets.js';
import { LinkAggregate } from '../../detection/linkage/link-aggregate.js';
import type { ActivityLabel } from '../../detection/rules/rule-schema.js';
import { robustnessGroupsOf, type FittedScore, type ScoreModelFile, type ScoreSpec } from '../../detection/scores/score-model.js';
import { simulate, type SimulateOptions } from '../../simulator/scenarios.js';

export interface TrainingRow {
  family: string;
  org: string;
  requests: number;
  /** Scaled features per label (in the spec's feature order). */
  x: Map<ActivityLabel, Float64Array>;
  /** 1 positive, 0 negative, undefined: not used for that label. */
  y: Map<ActivityLabel, 0 | 1 | undefined>;
  /** A cluster's combined traffic (labelled as the actor most of its members belong to). */
  cluster?: true;
}

const SAMPLE_AT = new Set([10, 15, 20, 25, 30, 40, 50, 60, 80, 100, 120, 150, 200, 250, 300, 400, 500, 700, 1000, 1500, 2000]);
/** A window counts as misuse once at least this share of it was sent after the misuse started. */
const MISUSE_SHARE = 0.5;
const WINDOW = 200;
/** Combined requests at which a cluster is sampled (cluster rules read 60 or more), and the members it needs. */
const CLUSTER_SAMPLE_AT = [60, 80, 100, 150, 200, 300, 400, 600, 800, 1200, 1600, 2400, 3200];
const CLUSTER_MIN_ORGS = 3;

function vector(names: readonly string[], a: Aggregate, b: Baselines): Float64Array {
  const x = new Float64Array(names.length);
  names.forEach((n, i) => (x[i] = featureScaler(n)(aggregateGetter(n)!(a, b))));
  return x;
}

/** Simulates the runs and collects labelled feature rows (windows and cumulative traffic). */
export function collectRows(assets: Omit<DetectionAssets, 'scores'>, spec: ScoreSpec, runs: SimulateOptions[]): TrainingRow[] {
  const labels = Object.keys(spec.models) as ActivityLabel[];
  const names = new Map(labels.map((l) => [l, Object.keys(spec.models[l]!.features)]));
  const rows: TrainingRow[] = [];
  for (const run of runs) {
    const { lines, labels: truth } = simulate(run);
    const actorOf = new Map<string, (typeof truth.actors)[number]>();
    for (const a of truth.actors) for (const o of a.orgs) actorOf.set(o, a);
    const cumulative = new Map<string, LinkAggregate>();
    const clusterNext = new Map<string, number>();
    const push = (org: string, k: number, a: Aggregate, cluster?: true) => {
      const actor = actorOf.get(org);
      if (!actor) return;
      const start = cluster ? 0 : (actor.misuseStart?.[org] ?? 0);
      const row: TrainingRow = { family: cluster ? `${actor.actor} (cluster)` : actor.actor, org, requests: k, x: new Map(), y: new Map(), ...(cluster ? { cluster } : {}) };
      for (const l of labels) {
        row.x.set(l, vector(names.get(l)!, a, assets.baselines));
        let y: 0 | 1 | undefined = 0;
        // Windows still mostly made of the ordinary traffic before the misuse teach neither class.
        if (actor.expected.includes(l)) y = k - start >= MISUSE_SHARE * Math.min(k, WINDOW) ? 1 : k > start ? undefined : 0;
        // An allowed activity of a legitimate actor (a vendor's evaluation) is that activity all the same:
        // policy, not the score, lets it be. On a misuse actor an allowed label may or may not show, except in
        // a misuse network's combined traffic: a harvest spread over accounts that reads as a sweep is taught
        // as one, since the cluster rule that reads a sweep's score judges networks only.
        else if (actor.allowed.includes(l)) y = actor.kind === 'legit' || cluster ? 1 : undefined;
        row.y.set(l, y);
      }
      rows.push(row);
    };
    const detector = createDetector({
      ...assets,
      scores: new Map(),
      rules: [],
      evidence: { samples: 0, maxChars: 0 },
      shareLinks: (rec) => {
        let c = cumulative.get(rec.org);
        if (!c) cumulative.set(rec.org, (c = new LinkAggregate()));
        c.add(rec);
        // Linked as in production, so the clusters the linker gathers are sampled (onClusterWindow).
        detector.ingestLink(rec);
      },
      onClusterWindow: (cluster, combined) => {
        const n = combined.tally.n;
        const next = clusterNext.get(cluster.id) ?? 0;
        if (cluster.members.length < CLUSTER_MIN_ORGS || next >= CLUSTER_SAMPLE_AT.length || n < CLUSTER_SAMPLE_AT[next]!) return;
        let i = next;
        while (i < CLUSTER_SAMPLE_AT.length && n >= CLUSTER_SAMPLE_AT[i]!) i++;
        clusterNext.set(cluster.id, i);
        // Labelled as the actor most of its members belong to (a linked network, or legitimate orgs linked together).
        const count = new Map<string, number>();
        for (const m of cluster.members) {
          const f = actorOf.get(m)?.actor;
          if (f) count.set(f, (count.get(f) ?? 0) + 1);
        }
        const top = [...count].sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1))[0];
        const org = top && cluster.members.find((m) => actorOf.get(m)?.actor === top[0]);
        if (org) push(org, n, combined, true);
      },
      onWindow: (org, k, window, purpose) => {
        if (purpose || !SAMPLE_AT.has(k)) return;
        push(org, k, window);
        // The cumulative traffic, as a cluster's combined traffic is seen (no per-window timing).
        const c = cumulative.get(org);
        if (c && k >= 20) push(org, k, c);
      },
    });
    for (const l of lines) detector.ingest(l);
  }
  return rows;
}

export interface FitOptions {
  l2: number;
  steps: number;
  lr: number;
  /** Largest weight any one feature may take: no single signal can make a score on its own. */
  maxWeight: number;
}

const DEFAULT_FIT: FitOptions = { l2: 0.001, steps: 3000, lr: 0.05, maxWeight: 3 };

/**
 * Logistic regression with per-feature sign and size constraints (projected Adam), family- and class-balanced.
 * Each positive also appears with each robustness group's '+' features at zero (or at the values the group
 * gives), carrying part of its weight.
 */
export function fitScore(label: ActivityLabel, spec: ScoreSpec, rows: TrainingRow[], o: FitOptions = DEFAULT_FIT): FittedScore {
  const names = Object.keys(spec.models[label]!.features);
  const signs = names.map((n) => spec.models[label]!.features[n]);
  const used = rows.filter((r) => r.y.get(label) !== undefined);
  // Every family weighs the same within its class; the two classes weigh the same.
  const count = new Map<string, number>();
  for (const r of used) count.set(`${r.family}:${r.y.get(label)}`, (count.get(`${r.family}:${r.y.get(label)}`) ?? 0) + 1);
  const families = (y: number) => new Set(used.filter((r) => r.y.get(label) === y).map((r) => r.family)).size;
  const fPos = Math.max(1, families(1));
  const fNeg = Math.max(1, families(0));
  const X: Float64Array[] = [];
  const Y: number[] = [];
  const W: number[] = [];
  // Groups of evidence a positive may lack in the field (robustness in the spec), as feature indices of this score.
  // A copy reads 0 for a '+' feature, or the (scaled) value the group gives it, whatever its sign.
  const groups = robustnessGroupsOf(spec, label)
    .map((g) =>
      g.features
        .map((n) => ({ i: names.indexOf(n), to: Object.hasOwn(g.values, n) ? featureScaler(n)(g.values[n]) : 0, set: Object.hasOwn(g.values, n) }))
        .filter(({ i, set }) => i >= 0 && (set || signs[i] === '+')),
    )
    .filter((g) => g.length > 0);
  const share = groups.length ? spec.robustness!.share : 0;
  for (const r of used) {
    const y = r.y.get(label)!;
    const x = r.x.get(label)!;
    const weight = 1 / count.get(`${r.family}:${y}`)! / (y === 1 ? fPos : fNeg);
    X.push(x);
    Y.push(y);
    W.push(y === 1 ? weight * (1 - share) : weight);
    if (y !== 1) continue;
    for (const g of groups) {
      const without = Float64Array.from(x);
      for (const { i, to } of g) without[i] = to;
      X.push(without);
      Y.push(1);
      W.push((weight * share) / groups.length);
    }
  }
  const D = names.length;
  const w = new Float64Array(D + 1);
  const m = new Float64Array(D + 1);
  const v = new Float64Array(D + 1);
  const g = new Float64Array(D + 1);
  const b1 = 0.9;
  const b2 = 0.999;
  for (let step = 1; step <= o.steps; step++) {
    g.fill(0);
    for (let i = 0; i < X.length; i++) {
      const x = X[i]!;
      let z = w[D]!;
      for (let d = 0; d < D; d++) z += w[d]! * x[d]!;
      const p = 1 / (1 + Math.exp(-z));
      const e = (p - Y[i]!) * W[i]!;
      for (let d = 0; d < D; d++) g[d] = g[d]! + e * x[d]!;
      g[D] = g[D]! + e;
    }
    for (let d = 0; d < D; d++) g[d] = g[d]! / 2 + o.l2 * w[d]!;
    g[D] = g[D]! / 2;
    for (let d = 0; d <= D; d++) {
      m[d] = b1 * m[d]! + (1 - b1) * g[d]!;
      v[d] = b2 * v[d]! + (1 - b2) * g[d]! * g[d]!;
      const mh = m[d]! / (1 - b1 ** step);
      const vh = v[d]! / (1 - b2 ** step);
      w[d] = w[d]! - (o.lr * mh) / (Math.sqrt(vh) + 1e-8);
      if (d < D) {
        if (signs[d] === '+' && w[d]! < 0) w[d] = 0;
        if (signs[d] === '-' && w[d]! > 0) w[d] = 0;
        w[d] = Math.max(-o.maxWeight, Math.min(o.maxWeight, w[d]!));
      }
    }
  }
  return { label, features: names, weights: [...w.slice(0, D)].map((x) => Number(x.toFixed(4))), bias: Number(w[D]!.toFixed(4)) };
}

export function fitScores(spec: ScoreSpec, rows: TrainingRow[], meta: Record<string, unknown>): ScoreModelFile {
  const labels = Object.keys(spec.models) as ActivityLabel[];
  const o = { ...DEFAULT_FIT, maxWeight: spec.max_weight };
  const orgRows = rows.filter((r) => !r.cluster);
  const clusterRows = rows.length - orgRows.length;
  return {
    version: 1,
    models: labels.map((l) => fitScore(l, spec, orgRows, o)),
    ...(clusterRows ? { clusterModels: labels.map((l) => fitScore(l, spec, rows, o)) } : {}),
    fitted: { ...meta, ...(clusterRows ? { cluster_rows: clusterRows } : {}) },
  };
}

/** Per family: rows and how many score >= threshold for each label (training diagnostics). */
export function trainingSummary(file: ScoreModelFile, rows: TrainingRow[], threshold = 0.9): string {
  const lines: string[] = [];
  const orgRows = rows.filter((r) => !r.cluster);
  const clusterRows = rows.filter((r) => r.cluster);
  const fits = [...file.models.map((m) => ({ m, scope: '', rows: orgRows })), ...(file.clusterModels ?? []).map((m) => ({ m, scope: 'cluster.network_', rows: clusterRows }))];
  for (const { m, scope, rows } of fits) {
    const per = new Map<string, { pos: number; posHit: number; neg: number; negHit: number; max: number }>();
    for (const r of rows) {
      const y = r.y.get(m.label);
      if (y === undefined) continue;
      const x = r.x.get(m.label)!;
      let z = m.bias;
      m.weights.forEach((wt, d) => (z += wt * x[d]!));
      const s = 1 / (1 + Math.exp(-z));
      const e = per.get(r.family) ?? { pos: 0, posHit: 0, neg: 0, negHit: 0, max: 0 };
      if (y === 1) {
        e.pos++;
        if (s >= threshold) e.posHit++;
      } else {
        e.neg++;
        if (s >= threshold) e.negHit++;
        e.max = Math.max(e.max, s);
      }
      per.set(r.family, e);
    }
    lines.push(`${scope}score.${m.label}: ${m.features.map((f, i) => `${f}=${m.weights[i]}`).join(' ')} bias=${m.bias}`);
    for (const [f, e] of [...per].sort())
      lines.push(`  ${f.padEnd(28)} ${e.pos ? `pos ${e.posHit}/${e.pos}` : ''}${e.neg ? ` neg>=${threshold} ${e.negHit}/${e.neg} (max ${e.max.toFixed(3)})` : ''}`);
  }
  return lines.join('\n');
}
