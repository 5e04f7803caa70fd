// The features of a set of requests (an org's window, a purpose window, a cluster's combined traffic), all
// computed from the same aggregate so one definition serves every scope. Three families:
//   shares       how often a flag or a harness cue occurs (request-flags.ts, harness-cues.ts)
//   breadth      how many capability topics, harm categories, languages the traffic spans
//   population   sequential probability ratio tests of a rate: a sweep's rate against ordinary traffic's
//                (rules/scores/baselines.yaml), so a sweep stands out even when the classifier finds a third of
//                it, and a large org is not flagged for a handful of prompts
//   regularity   share of the most common template, system prompt and request shape; timing
import { CUE_COT, CUE_NAMES } from './signals/harness-cues.js';
import * as F from './signals/request-flags.js';
import { CAPABILITY_TOPICS, HARM_CATEGORIES, TOPICS } from './signals/taxonomy.js';
import { SCRIPTS } from './signals/script-class.js';
import { CUE_OFF, HARM_OFF, NOVELTY, OUT_RATIO_N, OUT_RATIO_SUM, PROMPT_LOG_SUM, SCRIPT_OFF, TOPIC_OFF, type Tally } from './tally.js';

/** Most common template, system prompt, request shape, or wrapper (first or last line around different items). */
export type TopKind = 'template' | 'system' | 'shape' | 'wrapper';

/** What features read: a tally plus what only some scopes can say (undefined where unknown). */
export interface Aggregate {
  tally: Tally;
  topShare(kind: TopKind): number | undefined;
  benchDistinct(): number | undefined;
  interarrivalCv(): number | undefined;
  hoursActive(): number | undefined;
  spanHours(): number | undefined;
  /** Of the items linked accounts sent, the share another of them sent too (a cluster's traffic; else undefined). */
  itemOverlap(): number | undefined;
  /** The largest member's share of a cluster's requests (a cluster's traffic; else undefined). */
  topMemberShare(): number | undefined;
  /** The largest member's share of a cluster's long-reasoning requests (a cluster's traffic; else undefined). */
  topMemberReasoningShare(): number | undefined;
  /** How much likelier one member's requests are to share a topic than different members' (a cluster's; else undefined). */
  memberTopicAffinity(): number | undefined;
}

/** A rate in ordinary application traffic, and the rate a sweep shows (rules/scores/baselines.yaml). */
export interface RateTest {
  base: number;
  sweep: number;
}

export interface Baselines {
  harmful: RateTest;
  eval: RateTest;
  cot: RateTest;
}

const FLAG_FEATURES = F.FLAG_NAMES.map(([, n]) => `${n}_share`);
const CUE_FEATURES = CUE_NAMES.map(([, n]) => `${n}_share`);

export const AGGREGATE_FEATURES = [
  'requests',
  ...FLAG_FEATURES,
  ...CUE_FEATURES,
  'capability_topics',
  'topic_entropy',
  'topic_spread',
  'harm_categories',
  'languages',
  'harmful_llr',
  'eval_llr',
  'cot_llr',
  'new_tools_rate',
  'new_bias_rate',
  'reprobe_rate',
  'reprobe_requests',
  'long_reasoning_rate',
  'template_top_share',
  'system_top_share',
  'shape_top_share',
  'wrapper_top_share',
  'novelty',
  'output_ratio',
  'prompt_log_mean',
  'bench_distinct',
  'rate_per_hour',
  'interarrival_cv',
  'hours_active',
  'span_hours',
  'item_overlap',
  'top_member_share',
  'top_member_reasoning_share',
  'member_topic_affinity',
] as const;

const KNOWN = new Set<string>(AGGREGATE_FEATURES);
export function isAggregateFeature(name: string): boolean {
  return KNOWN.has(name);
}

/**
 * Evidence at most this many requests can give: a cluster's or a large org's cumulative traffic is judged as
 * if it were one full window, so a modestly raised rate over thousands of requests does not read like a sweep.
 */
export const EVIDENCE_REQUESTS = 200;

/** The factor that reads n requests as at most EVIDENCE_REQUESTS. */
const evidenceScale = (n: number): number => Math.min(1, EVIDENCE_REQUESTS / n);

/**
 * The sequential probability ratio test's log-likelihood ratio of "sweep rate" against "ordinary rate" for k of n
 * requests (Wald): k ln(p1/p0) + (n-k) ln((1-p1)/(1-p0)), in nats, floored at 0. It grows with every request at
 * a rate above the crossover between the two (about 13% for 5% vs 25%), and falls below it, so a sweep the
 * classifier finds only a third of still climbs, and a large org at a slightly raised rate does not.
 * Counted over at most EVIDENCE_REQUESTS requests (scaled), so every scope is judged on the same footing.
 */
export function rateEvidence(k: number, n: number, t: RateTest): number {
  if (n <= 0) return 0;
  const scale = evidenceScale(n);
  const llr = k * Math.log(t.sweep / t.base) + (n - k) * Math.log((1 - t.sweep) / (1 - t.base));
  return Math.max(0, llr * scale);
}

const CAP_TOPICS = CAPABILITY_TOPICS.map((t) => TOPICS.indexOf(t));
/** A topic (or harm category) counts once it holds this share of the traffic, and at least MIN_COUNT requests. */
const MIN_SHARE = 0.05;
const MIN_COUNT = 3;
/** Whether c requests hold `share` of `of` requests, and at least MIN_COUNT. */
const holds = (c: number, of: number, share: number): boolean => c >= MIN_COUNT && c >= of * share;
/**
 * Sensitive prompts count as one more area a sweep covers only when their rate is above ordinary traffic's
 * (the classifier's false positives, `harmful.base`) by more than chance: a one-sided binomial test at this level.
 * A fixed share did not hold: on registers the classifier never saw, five false positives in fifty requests
 * (10%) made a small developer's traffic read as a sweep over one more area.
 */
const SENSITIVE_AREA_ALPHA = 0.05;

/**
 * P(X >= k) for X ~ Binomial(n, p), over at most EVIDENCE_REQUESTS requests (scaled, like rateEvidence, so a large
 * org's slightly raised rate is judged as one window's, not made certain by its volume).
 */
export function binomialTail(k: number, n: number, p: number): number {
  const { j, m } = scaledCount(k, n);
  return tailOf(j, m, p);
}

/** k of n as the count j of m ≤ EVIDENCE_REQUESTS requests the binomial tests judge. */
function scaledCount(k: number, n: number): { j: number; m: number } {
  const scale = evidenceScale(n);
  return { j: Math.round(k * scale), m: Math.round(n * scale) };
}

/** P(X >= j) for X ~ Binomial(m, p), unscaled. */
function tailOf(j: number, m: number, p: number): number {
  if (j <= 0) return 1;
  if (j > m) return 0;
  // 1 - P(X <= j - 1), summing the terms from X = 0 (each from the one before) while they are cheap to get.
  let term = Math.pow(1 - p, m);
  let cdf = term;
  const odds = p / (1 - p);
  for (let i = 1; i < j; i++) {
    term *= ((m - i + 1) / i) * odds;
    cdf += term;
  }
  return Math.max(0, 1 - cdf);
}

/**
 * For each number of requests m ≤ EVIDENCE_REQUESTS, the smallest count whose binomial tail at rate `p` is below
 * `alpha` (m + 1 when none is): one table per rate, so the test costs a lookup per window, not a sum.
 */
const criticalCounts = new Map<string, Int16Array>();
function criticalCount(p: number, alpha: number): Int16Array {
  const key = `${p}/${alpha}`;
  let t = criticalCounts.get(key);
  if (!t) {
    t = new Int16Array(EVIDENCE_REQUESTS + 1);
    for (let m = 0; m <= EVIDENCE_REQUESTS; m++) {
      let k = 1;
      while (k <= m && tailOf(k, m, p) >= alpha) k++;
      t[m] = k;
    }
    if (criticalCounts.size < 64) criticalCounts.set(key, t);
  }
  return t;
}

/** Whether k of n is above rate p by more than chance (one-sided binomial test at `alpha`, scaled like binomialTail). */
export function significantlyAbove(k: number, n: number, p: number, alpha: number): boolean {
  if (n <= 0 || k <= n * p) return false;
  const { j, m } = scaledCount(k, n);
  return j >= criticalCount(p, alpha)[m]!;
}

function capabilityTopics(t: Tally, harmful: RateTest): number {
  const n = t.n;
  let k = 0;
  for (const i of CAP_TOPICS) {
    const c = t.v[TOPIC_OFF + i]!;
    if (holds(c, n, MIN_SHARE)) k++;
  }
  const h = t.flagCount(F.HARMFUL);
  if (h >= MIN_COUNT && significantlyAbove(h, n, harmful.base, SENSITIVE_AREA_ALPHA)) k++;
  return k;
}

/**
 * Spread of the traffic over topics, normalised to [0, 1]: the entropy of the topic counts, with the requests no
 * topic head claims as one more bin. Leaving them out would judge the spread on the few prompts of an unknown
 * register that some head happens to claim (a creative-writing app the heads left 85% unclaimed read 0.51 over its
 * other 15%, as broad as a sweep); counted as one bin, an unknown register reads as one register (0.25), and a
 * sweep's known topics still spread it.
 */
function topicEntropy(t: Tally): number {
  return entropyOver(t, (c) => c > 0);
}

/**
 * The same spread over the topics that each hold a subject's share of the traffic (MIN_COUNT requests and
 * MIN_SHARE, as capability_topics counts them); the requests of lesser topics pool with the unclaimed ones. On a
 * register the heads do not know, one head claims much of it and others misfire on a few percent each: counted
 * topic by topic the misfires read as more subjects (a class's SQL questions, 40% claimed as assistant commands and
 * a few percent elsewhere, read 0.36 on topic_entropy, as broad as a harvest). Traffic with at most one topic
 * holding a subject's share, the rest unclaimed or stray, reads at most 0.30 here (one bit); two such topics with a
 * few percent beside them read more (two halves 0.30; with 2% unclaimed 0.34).
 */
function topicSpread(t: Tally): number {
  return entropyOver(t, (c, n) => holds(c, n, MIN_SHARE));
}

/** Entropy of the topics whose count `counts` (of n requests), the rest in one bin; over log2(topics + 1). */
function entropyOver(t: Tally, counts: (c: number, n: number) => boolean): number {
  const n = t.n;
  if (n <= 0) return 0;
  let held = 0;
  let e = 0;
  for (let i = 0; i < TOPICS.length; i++) {
    const c = t.v[TOPIC_OFF + i]!;
    if (!counts(c, n)) continue;
    held += c;
    e -= (c / n) * Math.log2(c / n);
  }
  const rest = n - held;
  if (rest > 0) e -= (rest / n) * Math.log2(rest / n);
  return e / Math.log2(TOPICS.length + 1);
}

/** Categories each holding at least MIN_COUNT requests and `share` of `of`. */
function categoriesAbove(t: Tally, off: number, len: number, of: number, share: number): number {
  let k = 0;
  for (let i = 0; i < len; i++) {
    const c = t.v[off + i]!;
    if (holds(c, of, share)) k++;
  }
  return k;
}

/** Tool-offering (token-biasing) requests `new_tools_rate` (`new_bias_rate`) assumes brought nothing new before the org's own count (shrinkage). */
const NEW_TOOLS_PRIOR = 5;
/** Requests asking for reasoning before their long-answer rate is read. */
const MIN_REASONING_ASKED = 20;

export type AggregateGetter = (a: Aggregate, b: Baselines) => number | undefined;

export function aggregateGetter(name: string): AggregateGetter | undefined {
  const flag = F.FLAG_NAMES.find(([, n]) => `${n}_share` === name);
  if (flag) {
    const bit = flag[0];
    return (a) => a.tally.flagShare(bit);
  }
  const cue = CUE_NAMES.findIndex(([, n]) => `${n}_share` === name);
  if (cue >= 0) return (a) => (a.tally.n ? a.tally.v[CUE_OFF + cue]! / a.tally.n : 0);
  switch (name) {
    case 'requests':
      return (a) => a.tally.n;
    case 'capability_topics':
      return (a, b) => capabilityTopics(a.tally, b.harmful);
    case 'topic_entropy':
      return (a) => topicEntropy(a.tally);
    case 'topic_spread':
      return (a) => topicSpread(a.tally);
    case 'harm_categories':
      // Each category must hold 2% of all the traffic: false positives, spread thinly over every category, do not count.
      return (a) => categoriesAbove(a.tally, HARM_OFF, HARM_CATEGORIES.length, a.tally.n, 0.02);
    case 'languages':
      return (a) => categoriesAbove(a.tally, SCRIPT_OFF, SCRIPTS.length, a.tally.n, MIN_SHARE);
    case 'harmful_llr':
      return (a, b) => rateEvidence(a.tally.flagCount(F.HARMFUL), a.tally.n, b.harmful);
    case 'eval_llr':
      return (a, b) => rateEvidence(a.tally.flagCount(F.EVAL), a.tally.n, b.eval);
    case 'cot_llr':
      return (a, b) => rateEvidence(a.tally.flagCount(F.OPEN_COT), a.tally.n, b.cot);
    case 'new_tools_rate':
      // Of the requests that offer tools, the share offering new ones, shrunk towards 0 for an org that offered
      // few: a harvest brings new tools with nearly every item however much chat it mixes in; an agent builder's
      // tenant brings them once per session.
      return (a) => a.tally.flagCount(F.NEW_TOOLS) / (a.tally.flagCount(F.TOOLS_OFFERED) + NEW_TOOLS_PRIOR);
    case 'new_bias_rate':
      // Of the requests that bias tokens, the share biasing new ones, shrunk the same way: reading the output layer
      // through the API moves new tokens with nearly every request; an application steers to the same few labels.
      return (a) => a.tally.flagCount(F.NEW_BIAS) / (a.tally.flagCount(F.LOGIT_BIAS) + NEW_TOOLS_PRIOR);
    case 'reprobe_requests':
      // How many requests send a context again under other biased tokens: the work of a sweep reading logits,
      // counted rather than shared, so other traffic linked with it (a proxy service's other operations) does not
      // dilute it, and applications that bias tokens (labels, each request's own options) add next to none.
      return (a) => a.tally.flagCount(F.REPROBE);
    case 'reprobe_rate':
      // Of the requests that bias tokens, the share sending a context again under other biased tokens, shrunk the
      // same way: a sweep reads each of its few prompts over and over; an app biasing each request's own options
      // sends each user's text once.
      return (a) => a.tally.flagCount(F.REPROBE) / (a.tally.flagCount(F.LOGIT_BIAS) + NEW_TOOLS_PRIOR);
    case 'long_reasoning_rate':
      // Of the requests asking for reasoning, the share answered at length: what a harvest wants from its reasoning
      // requests, read apart from how much ordinary chat it mixes in (which dilutes every share of all requests).
      // The denominator is the larger of the requests asking by a parameter and those asking in words (the tally
      // does not count their union, so the share is capped at 1); undefined with fewer than MIN_REASONING_ASKED.
      return (a) => {
        const asked = Math.max(a.tally.flagCount(F.REASONING), a.tally.cueCount(CUE_COT));
        return asked >= MIN_REASONING_ASKED ? Math.min(1, a.tally.flagCount(F.LONG_REASONING) / asked) : undefined;
      };
    case 'template_top_share':
      return (a) => a.topShare('template');
    case 'system_top_share':
      return (a) => a.topShare('system');
    case 'shape_top_share':
      return (a) => a.topShare('shape');
    case 'wrapper_top_share':
      return (a) => a.topShare('wrapper');
    case 'novelty':
      return (a) => (a.tally.n ? a.tally.v[NOVELTY]! / a.tally.n : 0);
    case 'item_overlap':
      return (a) => a.itemOverlap();
    case 'top_member_share':
      return (a) => a.topMemberShare();
    case 'top_member_reasoning_share':
      return (a) => a.topMemberReasoningShare();
    case 'member_topic_affinity':
      return (a) => a.memberTopicAffinity();
    case 'output_ratio':
      return (a) => (a.tally.v[OUT_RATIO_N]! > 0 ? a.tally.v[OUT_RATIO_SUM]! / a.tally.v[OUT_RATIO_N]! : undefined);
    case 'prompt_log_mean':
      return (a) => (a.tally.n ? a.tally.v[PROMPT_LOG_SUM]! / a.tally.n : 0);
    case 'bench_distinct':
      return (a) => a.benchDistinct();
    case 'rate_per_hour':
      return (a) => {
        const span = a.spanHours();
        if (span === undefined) return undefined;
        return a.tally.n / Math.max(span, 1 / 60);
      };
    case 'interarrival_cv':
      return (a) => a.interarrivalCv();
    case 'hours_active':
      return (a) => a.hoursActive();
    case 'span_hours':
      return (a) => a.spanHours();
    default:
      return undefined;
  }
}

export type FeatureScaler = (v: number | undefined) => number;

/**
 * A feature mapped to roughly [0, 3] for the score models: shares as they are, counts and tests divided by a
 * typical scale and capped, so no single unbounded value can dominate a score. Looked up once per feature.
 */
export function featureScaler(name: string): FeatureScaler {
  const s = scaleOf(name);
  return (v) => (v === undefined || Number.isNaN(v) ? 0 : s(v));
}

function scaleOf(name: string): (v: number) => number {
  switch (name) {
    case 'capability_topics':
      return (v) => Math.min(v, 6) / 3;
    case 'harm_categories':
      return (v) => Math.min(v, 8) / 4;
    case 'languages':
      return (v) => Math.min(v, 6) / 3;
    case 'harmful_llr':
    case 'eval_llr':
    case 'cot_llr':
      return (v) => Math.min(v, 40) / 10;
    case 'output_ratio':
      return (v) => Math.min(v, 8) / 4;
    case 'prompt_log_mean':
      return (v) => Math.min(v, 16) / 8;
    case 'bench_distinct':
      return (v) => Math.min(v, 40) / 20;
    case 'rate_per_hour':
      return (v) => Math.min(Math.log10(1 + v), 4) / 2;
    case 'interarrival_cv':
      return (v) => Math.min(v, 4) / 2;
    case 'hours_active':
      return (v) => v / 12;
    case 'span_hours':
      return (v) => Math.min(v, 72) / 24;
    case 'requests':
      return (v) => Math.min(Math.log10(1 + v), 4) / 2;
    default:
      return (v) => Math.min(Math.max(v, 0), 3);
  }
}
