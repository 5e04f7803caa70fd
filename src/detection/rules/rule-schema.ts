// Zod mirror of rules/schema.json (the published JSON Schema, for editors and other tools). A test checks that
// both declare the same fields and enumerations, so they cannot silently drift.
import { z } from 'zod';

// Labels live with the shared model; the detection modules that read them beside the rule schema import them here.
import { LABELS } from '../../model/activity.js';
export { LABELS, type ActivityLabel } from '../../model/activity.js';

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { feature: string; op: '>=' | '>' | '<=' | '<' | '==' | '!='; value: number | boolean | string };

const featureName = z.string().regex(/^[a-z_]+(\.[A-Za-z0-9_]+)+$/);

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(conditionSchema).min(1) }),
    z.strictObject({ any: z.array(conditionSchema).min(1) }),
    z.strictObject({ not: conditionSchema }),
    z.strictObject({
      feature: featureName,
      op: z.enum(['>=', '>', '<=', '<', '==', '!=']),
      value: z.union([z.number(), z.boolean(), z.string()]),
    }),
  ]),
);

const fixture = z.strictObject({ trace: z.string(), org: z.string().optional() });

export const ruleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(\.[a-z0-9-]+)+$/),
  status: z.enum(['experimental', 'stable']),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  label: z.enum(LABELS),
  description: z.string().min(1),
  confidence: z.number().gt(0).max(1),
  scope: z.enum(['org', 'cluster']),
  when: conditionSchema,
  /** Org rules: requests in a row `when` must hold before the rule fires (a score's passing spike is not enough). */
  sustain: z.number().int().min(1).max(1000).optional(),
  evidence: z.array(z.string().regex(/^(samples|benchmarks|categories|links|[a-z_]+(\.[A-Za-z0-9_]+)+)$/)),
  fixtures: z.strictObject({ positive: z.array(fixture).min(1), negative: z.array(fixture).min(1) }),
}).refine((r) => r.scope === 'org' || r.sustain === undefined, {
  // A cluster's verdict is re-judged as members join, not request by request: a streak has no meaning there.
  message: 'sustain applies to org rules only',
  path: ['sustain'],
});

export type RuleSpec = z.infer<typeof ruleSchema>;

export const LINK_KINDS = ['ip24', 'ip16', 'address_rotation', 'user_agent', 'system_prompt', 'wrapper', 'shape', 'co_activity', 'co_usage', 'cohort', 'prompt'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

const kindSettings = z.strictObject({
  /** Multiplies the kind's evidence (nats). */
  weight: z.number().min(0),
  /** Most nats one kind can add to a pair's strength. */
  cap: z.number().positive(),
  /**
   * Kinds in one group are one piece of evidence: only the group's strongest counts, once, toward strength and
   * toward min_kinds (a shared /24 is also a shared /16; a harness's system prompt and its wrapper are one text).
   * Default: the kind's own name.
   */
  group: z.string().optional(),
  /** Most values of this kind one org registers (default `max_values_per_kind`). */
  max_values: z.number().int().positive().optional(),
  /**
   * Values of this kind an ordinary org uses (a few networks, one client, a prefix and a suffix per template).
   * An org with more has more chances to share one with anybody by chance (see `multiplicity`).
   */
  typical: z.number().min(1).default(1),
  /**
   * Count this kind's chances by the values of another kind: a proxy pool's adjacent /24s are one location, so an
   * org's /24s count as the /16s they fall in.
   */
  chances_by: z.enum(LINK_KINDS).optional(),
});

/** Cross-account linkage settings (rules/linkage/linkage.yaml): thresholds as data, like the rules. */
export const linkageSchema = z.strictObject({
  kind: z.literal('linkage'),
  description: z.string(),
  /** Evidence kinds in use and their weights; a kind left out is off. */
  kinds: z.partialRecord(z.enum(LINK_KINDS), kindSettings),
  /** Strength (nats) at which two orgs link. */
  link_threshold: z.number().positive(),
  /** Distinct kinds of evidence a link needs, each worth at least min_kind_nats. */
  min_kinds: z.number().int().min(1),
  min_kind_nats: z.number().min(0),
  /**
   * Evidence groups about the actor (where it connects from, what client it runs, when it is active) of which a
   * link needs at least one worth min_kind_nats: what a harness sends (its text, its parameters) is copied from
   * public sources by unrelated evaluators, so it cannot link two orgs on its own. Empty: no such requirement.
   */
  actor_groups: z.array(z.string()).default([]),
  /**
   * Evidence groups whose values make a co-usage when nearly all users of a less used value use one of them, not
   * only when the two are used by nearly the same orgs: habits of the network (a proxy range, rotating addresses),
   * which nothing else a request carries implies. A client cannot: a request shape names its API, so its users run
   * that API's SDK.
   */
  co_usage_containing: z.array(z.string()).default([]),
  /**
   * Evidence groups whose values, as the less used of the two, may have nearly all their users inside the other
   * value's: nearly every account first seen in a window using one wrapper is a cohort with a harness. Never as
   * the container (a value few orgs use, most of them first seen in one busy hour, is no operation), and never
   * beside a `co_usage_containing` group (an app whose users call from everywhere rotates like a proxy network).
   */
  co_usage_contained: z.array(z.string()).default([]),
  /**
   * What that evidence about the actor must be worth (default: min_kind_nats). A stock SDK a dozen other orgs
   * use is about the client, but says too little to make a public harness's text and parameters one actor's.
   */
  min_actor_nats: z.number().min(0).optional(),
  /**
   * Rarity is ln(max(N, population_floor) / orgs using the value). Below the floor, the users seen so far are
   * scaled up by sqrt(floor / orgs seen), so a value's share of the orgs seen, not only its raw count, decides.
   */
  population_floor: z.number().int().min(2),
  /** Added to the number of other orgs using a value before its rarity is taken (shrinkage toward common). */
  rarity_prior: z.number().min(0),
  /**
   * Multiple comparisons: an org using m values of a kind, more than the kind's `typical`, has m / typical times
   * the chances of an ordinary org to share one with anybody, so each shared value's rarity is lowered by this
   * factor x (ln(m_a / typical) + ln(m_b / typical)), each term at least 0 (1: a full Bonferroni correction). 0: off.
   */
  multiplicity: z.number().min(0).default(0),
  /** Values used by more orgs are not used to find candidate pairs (they still add their small weight). */
  candidate_max_orgs: z.number().int().min(2),
  max_values_per_org: z.number().int().min(1),
  /**
   * Values of one kind an org registers at most (default: max_values_per_org): an org whose every request comes
   * from a new address would otherwise fill its values with networks and never register its wrapper or shape.
   */
  max_values_per_kind: z.number().int().min(1).optional(),
  /**
   * When an org counts as sending through rotating addresses (the `address_rotation` kind): at least
   * `min_networks` distinct /16s, and at least `min_share` of its requests each from a /16 it had not used.
   */
  rotation: z.strictObject({ min_networks: z.number().int().min(2), min_share: z.number().gt(0).max(1) }).optional(),
  /**
   * When an org was first seen (the `cohort` kind): one value per width, the bucket of that width its first request
   * fell in. Accounts an operator opens together are first seen together; several widths, since a campaign's
   * accounts start over minutes or hours and ordinary newcomers dilute a wide bucket.
   */
  cohort: z.strictObject({
    bucket_minutes: z.array(z.number().positive()).min(1).max(4),
    /**
     * Orgs first seen within this long of the linker's first event register no cohort: when a deployment (or a
     * trace) starts, its existing customers are first seen over its first day, and were not opened then.
     */
    warmup_hours: z.number().min(0).default(24),
    /**
     * Also register the buckets an org was opened in, when its org line says (`created_at`): accounts opened in one
     * batch share them however early in the linker's life they are first used. Switch off for a deployment whose
     * orgs were created by importing its customers in a few batches (their creation times say nothing).
     */
    opened: z.boolean().default(true),
  }).optional(),
  /** A wrapper or request shape counts for an org once it used it this many times. */
  min_value_uses: z.number().int().min(1),
  bucket_minutes: z.number().positive(),
  /** Active time buckets remembered per org (co-activity). */
  activity_buckets: z.number().int().min(8),
  /** Candidate partners re-checked as an org's activity grows. */
  watched_pairs_per_org: z.number().int().min(1),
  /**
   * A link into a cluster of several orgs must be borne out by a second pair that leaves out that side's end of the
   * link; this many of the cluster's most recent members are tried, after up to half as many that use the rarest
   * values (not cohorts) the link's two orgs share with other members. 0: one link joins (single linkage).
   */
  corroborate_members: z.number().int().min(0).default(0),
  /**
   * The evidence (nats) the second pair needs: it bears a link out, it need not be one (a network's accounts share
   * its evidence with each other, some pairs above the threshold and some just under). Default: link_threshold.
   */
  corroborate_nats: z.number().min(0).optional(),
  /**
   * Every this many linkage events, each cluster's links are judged again on the evidence as it is then, as a new
   * link would be; one that no longer holds is cut and the cluster splits along the links that do. 0: links are
   * never revisited.
   */
  revise_every: z.number().int().min(0).default(0),
  /** A link judged again holds down to this share of link_threshold (with min_kinds kinds and actor evidence, as when made). */
  revise_hold: z.number().gt(0).max(1).default(1),
  /** An org idle this long (event time) leaves the linkage state (its cluster membership stays). */
  idle_eviction_hours: z.number().positive(),
});

export type LinkageSpec = z.infer<typeof linkageSchema>;
