// The named features rules may read. Names are resolved once when rules load:
//   w.<f>                  the org's window of its last 200 requests outside granted purposes (AGGREGATE_FEATURES)
//   score.<label>          that window's score for an activity (rules/scores/scores.yaml)
//   purpose.<p>.<f>        the org's last 50 requests under `moat-purpose: <p>` for a purpose it holds a grant for
//   purpose.<p>.score.<label>
//   cluster.orgs | cluster.<f> | cluster.score.<label> | cluster.network_score.<label> (the cluster fit)
//                          the org's linked cluster, combined traffic; undefined when unlinked
//   key.score.<label>      the highest score of any one of the org's keys with 30 or more requests (its
//                          whole traffic): one customer of a reseller, one member of a team
//   key.<label>.<f> | key.<label>.score.<other>
//                          the traffic of that key (the one `key.score.<label>` reads), undefined without one
//   key.count              how many keys the org's traffic came through (as many as the detector keeps)
//   org.requests | org.known | org.competitor | org.grant.<purpose> | org.attr.<name>
// org.competitor is true for a competitor and for an org whose affiliate (acquirer, parent, subsidiary...) is one.
import { aggregateGetter, AGGREGATE_FEATURES, type Aggregate, type Baselines } from './aggregate-features.js';
import type { Cluster } from './linkage/linker.js';
import type { OrgRecord } from './org-record.js';
import { LABELS, type ActivityLabel } from './rules/rule-schema.js';
import { SCORED_LABELS } from '../model/activity.js';
import type { Getter } from './rules/condition.js';
import type { ScoreModel } from './scores/score-model.js';

export interface FeatureContext {
  org: OrgRecord;
  cluster: Cluster | undefined;
  baselines: Baselines;
  scores: ReadonlyMap<ActivityLabel, ScoreModel>;
  /** True when the org or one of its affiliates is marked competitor. */
  competitor: (org: OrgRecord) => boolean;
}

const LABEL_SET = new Set<string>(LABELS);
/** Requests a key needs before its own score counts. */
export const KEY_MIN_REQUESTS = 30;

function scoreOf(ctx: FeatureContext, label: ActivityLabel, a: Aggregate): number | undefined {
  const m = ctx.scores.get(label);
  return m ? m.score(a, ctx.baselines) : undefined;
}

/** The key whose own traffic (KEY_MIN_REQUESTS or more) scores highest: what `key.score.<label>` reads. */
export function topScoredKey(org: OrgRecord, model: ScoreModel, baselines: Baselines): { agg: Aggregate; score: number } | undefined {
  let best: { agg: Aggregate; score: number } | undefined;
  for (const agg of org.keys.values()) {
    if (agg.tally.n < KEY_MIN_REQUESTS) continue;
    const score = model.score(agg, baselines);
    if (!best || score > best.score) best = { agg, score };
  }
  return best;
}

/** The org's top-scoring key for a label, found once per request however many key features a rule reads. */
function topKeyOf(ctx: FeatureContext, label: ActivityLabel): { agg: Aggregate; score: number } | undefined {
  const hit = ctx.org.topKeys.get(label);
  if (hit !== undefined) return hit ?? undefined;
  const model = ctx.scores.get(label);
  const top = model ? topScoredKey(ctx.org, model, ctx.baselines) : undefined;
  ctx.org.topKeys.set(label, top ?? null);
  return top;
}

/** A window feature (`<f>`) or a score (`score.<label>`) read on some traffic other than the org's window. */
function aggregateReader(rest: string[]): ((agg: Aggregate, ctx: FeatureContext) => number | undefined) | undefined {
  if (rest.length === 1) {
    const g = aggregateGetter(rest[0]!);
    return g ? (agg, ctx) => g(agg, ctx.baselines) : undefined;
  }
  if (rest.length === 2 && rest[0] === 'score' && LABEL_SET.has(rest[1]!)) return (agg, ctx) => scoreOf(ctx, rest[1] as ActivityLabel, agg);
  return undefined;
}

export function resolveFeature(name: string): Getter<FeatureContext> | undefined {
  const parts = name.split('.');
  const [scope, a, b, c] = parts;
  if (scope === 'w' && parts.length === 2) {
    const g = aggregateGetter(a!);
    return g ? (ctx) => g(ctx.org.window, ctx.baselines) : undefined;
  }
  if (scope === 'score' && parts.length === 2 && LABEL_SET.has(a!)) {
    const label = a as ActivityLabel;
    return (ctx) => {
      let v = ctx.org.scoreCache.get(label);
      if (v === undefined) {
        v = scoreOf(ctx, label, ctx.org.window);
        if (v !== undefined) ctx.org.scoreCache.set(label, v);
      }
      return v;
    };
  }
  if (scope === 'purpose' && parts.length === 3) {
    const g = aggregateGetter(b!);
    if (!g) return undefined;
    return (ctx) => {
      const w = ctx.org.purposes.get(a!);
      return w ? g(w, ctx.baselines) : b === 'requests' ? 0 : undefined;
    };
  }
  if (scope === 'purpose' && parts.length === 4 && b === 'score' && LABEL_SET.has(c!)) {
    return (ctx) => {
      const w = ctx.org.purposes.get(a!);
      return w ? scoreOf(ctx, c as ActivityLabel, w) : undefined;
    };
  }
  if (scope === 'key' && parts.length === 2 && a === 'count') return (ctx) => ctx.org.keys.size;
  if (scope === 'key' && parts.length === 3 && a === 'score' && LABEL_SET.has(b!)) {
    // The highest score of any one key with enough traffic of its own.
    return (ctx) => topKeyOf(ctx, b as ActivityLabel)?.score;
  }
  if (scope === 'key' && LABEL_SET.has(a!) && parts.length >= 3) {
    // What the top-scoring key's own traffic reads: one customer of pooled traffic, not the whole org.
    const label = a as ActivityLabel;
    const read = aggregateReader(parts.slice(2));
    if (!read) return undefined;
    return (ctx) => {
      const top = topKeyOf(ctx, label);
      return top ? read(top.agg, ctx) : undefined;
    };
  }
  if (scope === 'cluster') {
    if (parts.length === 2 && a === 'orgs') return (ctx) => ctx.cluster?.members.length ?? 1;
    // cluster.<f> and cluster.score.<label>: the combined traffic read as a window is.
    const read = aggregateReader(parts.slice(1));
    if (read) return (ctx) => (ctx.cluster ? read(ctx.cluster.agg, ctx) : undefined);
    // The cluster fit: the same score fitted also on networks' and linked legitimate orgs' combined traffic.
    if (parts.length === 3 && a === 'network_score' && LABEL_SET.has(b!))
      return (ctx) => (ctx.cluster ? ctx.scores.get(b as ActivityLabel)?.cluster.score(ctx.cluster.agg, ctx.baselines) : undefined);
  }
  if (scope === 'org') {
    if (parts.length === 2 && a === 'requests') return (ctx) => ctx.org.requests;
    if (parts.length === 2 && a === 'known') return (ctx) => ctx.org.facts.known;
    if (parts.length === 2 && a === 'competitor') return (ctx) => ctx.competitor(ctx.org);
    if (parts.length === 3 && a === 'grant') return (ctx) => ctx.org.facts.grants.has(b!);
    if (parts.length === 3 && a === 'attr') return (ctx) => ctx.org.facts.attributes[b!];
  }
  return undefined;
}

/** Every feature name worth showing for one org (explain, `detector.features`). */
export function featureNames(org: OrgRecord, inCluster: boolean): string[] {
  const names = [
    'org.requests',
    'org.competitor',
    ...SCORED_LABELS.map((l) => `score.${l}`),
    ...SCORED_LABELS.map((l) => `key.score.${l}`),
    'key.count',
    ...AGGREGATE_FEATURES.map((f) => `w.${f}`),
  ];
  for (const p of org.purposes.keys())
    names.push(...SCORED_LABELS.map((l) => `purpose.${p}.score.${l}`), ...AGGREGATE_FEATURES.map((f) => `purpose.${p}.${f}`));
  if (inCluster)
    names.push(
      'cluster.orgs',
      ...SCORED_LABELS.flatMap((l) => [`cluster.score.${l}`, `cluster.network_score.${l}`]),
      ...AGGREGATE_FEATURES.map((f) => `cluster.${f}`),
    );
  return names;
}
