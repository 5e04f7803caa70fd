// Cross-account linkage: accounts become nodes, evidence they share becomes weighted edges, and clusters are
// the connected components of edges strong enough to link (union-find, online, no look-ahead).
//   values       network prefixes (/24, /16), user agent, system prompt, wrappers and request shapes an org
//                uses repeatedly; a shared value weighs weight x ln(N / orgs using it) nats, so rare values say
//                much and common ones (cloud egress, stock SDKs) little but not nothing
//   co-activity  shared active time buckets beyond what each org's hours of the day predict (co-activity.ts)
// Candidate pairs come from values few orgs share; strength is then computed over everything the pair shares,
// and re-checked as the pair's activity grows. Memory is bounded per org (values, activity buckets, watched
// partners) and per value (orgs listed only while few use it); idle orgs are evicted.
import { LINK_KINDS, type LinkageSpec, type LinkKind } from '../rules/rule-schema.js';
import { coActivity } from './co-activity.js';
import { LinkAggregate, type LinkAggregateState } from './link-aggregate.js';
import type { LinkRecord } from './link-record.js';

export interface LinkReason {
  kind: LinkKind;
  /** The shared value (a network prefix, a user agent, a hash of a system prompt, wrapper or shape); absent for co-activity. */
  value?: string;
  /** How many orgs use the value (rarity), or for co-activity "shared/expected" buckets. */
  detail: string;
  nats: number;
}

export interface ClusterLink {
  /** The org that joined (with its cluster, if it had one) and the member it linked to. */
  org: string;
  to: string;
  strength: number;
  reasons: LinkReason[];
  ts: number;
}

export interface Cluster {
  id: string;
  members: string[];
  agg: LinkAggregate;
  /** The links that joined the cluster's parts (one per join, oldest first; capped). */
  links: ClusterLink[];
  /** How many members use each linkage value: rarity is judged among the orgs outside the pair's clusters. */
  values: Map<string, number>;
}

interface OrgLinkState {
  /** Registered values: key ("kind:value") -> kind index. */
  values: Map<string, number>;
  /** Registered values per kind index (derived from `values`; rebuilt on restore). */
  perKind: number[];
  /** Uses of wrapper, shape and prompt values not yet registered. */
  pending: Map<string, number>;
  /** How many of `pending` are prompts (derived; rebuilt on restore). */
  pendingPrompts: number;
  buckets: number[];
  lastTs: number;
  watched: Map<string, number>;
  /** The last raw value per registration slot known to be registered (most requests repeat them: no key to build). */
  last: (string | number)[];
  /** When the org was last touched (a linker-wide counter): restore rebuilds the eviction order from it. */
  seq: number;
}

/** The strongest co-usage of a pair: the two values, their co-users and share, and evidence groups. */
interface CoUsage {
  nats: number;
  both: number;
  /** Share of the less used value's `of` users that use the other. */
  share: number;
  of: number;
  x: string;
  y: string;
  groups: [number, number];
  /** Kind indices of the two values. */
  kinds: [number, number];
}

interface ValueState {
  df: number;
  /**
   * Orgs using the value while at most CO_USERS_MAX do (co-usage; candidate generation while at most
   * candidate_max_orgs do); null after.
   */
  orgs: Set<string> | null;
  /** Once many use it: the most recent users, so a newcomer is still compared with some of them (a big hydra's). */
  recent?: string[];
  /** Renewed (linker-wide counter) whenever an org starts or stops using the value; not stored. Co-usage counts are cached against it. */
  ver?: number;
}

const MAX_CLUSTER_LINKS = 500;
/** Slices the clusters are judged again in (by id), one after another over `revise_every` events. */
const REVISE_SLICES = 16;
/** The value an org registers once it sends through rotating addresses, and its key. */
const ROTATING = 'rotating';
const ROTATING_KEY = `address_rotation:${ROTATING}`;
const MAX_PENDING = 64;
const PROMPT_PREFIX = 'prompt:';
const EVICT_EVERY = 1024;
const RECHECK_BUCKETS = 3;
const RECENT_USERS = 16;
/** Co-usage: fewer co-users than this say nothing; at most this many shared values are paired. */
const MIN_CO_USERS = 5;
/** Co-usage: the two values' users must be nearly the same orgs, or (network habits) nearly all of the one's in the other. */
const CO_SHARE = 0.7;
/** Shared values whose users are looked through for members to bear a link out. */
const SHARED_KEYS = 4;
const MAX_CO_VALUES = 12;
/** A value's users are kept up to this many: a network of up to a few hundred accounts is judged on co-usage. */
const CO_USERS_MAX = 512;
/** Co-usage counts remembered (value pairs; the oldest is dropped first). */
const CO_COUNTS_MAX = 4096;

export interface LinkEvaluation {
  strength: number;
  kinds: number;
  reasons: LinkReason[];
  linked: boolean;
  /** The two values whose co-usage the link rests on, if it does. */
  bundle?: [string, string];
}

export class Linker {
  private readonly orgs = new Map<string, OrgLinkState>();
  private readonly aggs = new Map<string, LinkAggregate>();
  private readonly valuesByKey = new Map<string, ValueState>();
  /** Cached co-usage counts by value pair, valid while both values' `ver` are as recorded. */
  private readonly coCounts = new Map<string, { small: number; large: number; c: number }>();
  private versions = 0;
  private readonly parent = new Map<string, string>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly kinds: LinkKind[];
  private readonly kindIndex = new Map<LinkKind, number>();
  /** Evidence group of each kind (linkage.yaml: a /16 is the same evidence as a /24). */
  private readonly groupOf: number[];
  /** Groups that say something about the actor itself (linkage.yaml actor_groups); a link needs one. */
  private readonly actorGroups: Set<number>;
  private readonly coGroup: number;
  /** Groups whose values may contain another value's users in a co-usage (linkage.yaml co_usage_containing). */
  private readonly containingGroups: Set<number>;
  /** Groups whose values, as the less used, may lie inside the other's users (linkage.yaml co_usage_contained). */
  private readonly containedGroups: Set<number>;
  /** Widths (ms) of the buckets an org's first request is registered in (linkage.yaml cohort). */
  private readonly cohortMs: number[];
  /**
   * Orgs first seen this soon after the linker started were not opened then: they are the deployment's existing
   * customers, seen for the first time because it (or a trace) began.
   */
  private readonly cohortWarmupMs: number;
  /** Whether creation times (org lines' `created_at`) register cohorts too (linkage.yaml cohort.opened). */
  private readonly cohortOpened: boolean;
  private readonly scratchNats: Float64Array;
  private readonly scratchKeys: string[];
  /** The kind whose values count each kind's chances (chances_by; itself by default). */
  private readonly chancesOf: number[];
  private readonly bucketMs: number;
  private readonly perHour: number;
  private readonly maxPerKind: number;
  /** Per kind index, its own cap on an org's values (`max_values`), where it has one. */
  private readonly maxOfKind: Array<number | undefined>;
  /** Kind indices of what accounts send, whose users may bear a link out (others). */
  private readonly sentKinds: Set<number>;
  /** Requests after which an org can count as rotating (and is counted in `busy`). */
  private readonly busyAt: number;
  private nextId = 1;
  private observed = 0;
  /**
   * Orgs in the linkage state that have sent enough requests to count as rotating (rotation.min_networks): the
   * population a rotating org is one of. Busier orgs both rotate and register a shape or wrapper more often, so a
   * value's users are judged against these, not against every org.
   */
  private busy = 0;
  /** Clusters are judged again in this many slices, one every `reviseStep` events (revise). */
  private readonly reviseSlices: number;
  private readonly reviseStep: number;
  private now = -Infinity;
  /** The first event time the linker saw: cohorts register only after the warm-up that follows it. */
  private since = Infinity;
  private touches = 0;
  /** What changed since the last incremental checkpoint (keys whose entry is now absent are removals). */
  private readonly dirty = { orgs: new Set<string>(), values: new Set<string>(), clusters: new Set<string>() };
  /** The next incremental checkpoint carries everything (nothing stored yet, or a write failed). */
  private full = true;

  constructor(
    private readonly spec: LinkageSpec,
    private readonly onJoin: (cluster: Cluster, joined: string[]) => void,
    private readonly disabled = false,
    /** A cluster was split (its id now names its largest part, whose verdicts are to be judged again). */
    private readonly onSplit: (id: string) => void = () => {},
  ) {
    // In LINK_KINDS order whatever the yaml's: an org's values carry their kind's index.
    this.kinds = LINK_KINDS.filter((k) => spec.kinds[k] !== undefined);
    this.kinds.forEach((k, i) => this.kindIndex.set(k, i));
    const groupName = (k: LinkKind) => spec.kinds[k]?.group ?? k;
    const groups = [...new Set(this.kinds.map(groupName))];
    this.groupOf = this.kinds.map((k) => groups.indexOf(groupName(k)));
    this.actorGroups = new Set(spec.actor_groups.map((name) => groups.indexOf(name)).filter((g) => g >= 0));
    this.coGroup = groups.indexOf(groupName('co_activity'));
    this.containingGroups = new Set((spec.co_usage_containing ?? []).map((name) => groups.indexOf(name)).filter((g) => g >= 0));
    this.containedGroups = new Set((spec.co_usage_contained ?? []).map((name) => groups.indexOf(name)).filter((g) => g >= 0));
    this.cohortMs = (spec.cohort?.bucket_minutes ?? []).map((m) => m * 60_000);
    this.cohortWarmupMs = (spec.cohort?.warmup_hours ?? 0) * 3_600_000;
    this.cohortOpened = spec.cohort?.opened ?? true;
    this.scratchNats = new Float64Array(groups.length);
    this.scratchKeys = new Array<string>(groups.length).fill('');
    this.chancesOf = this.kinds.map((k, i) => {
      const by = spec.kinds[k]?.chances_by;
      return by !== undefined && this.kindIndex.has(by) ? this.kindIndex.get(by)! : i;
    });
    this.maxPerKind = spec.max_values_per_kind ?? spec.max_values_per_org;
    this.maxOfKind = this.kinds.map((k) => spec.kinds[k]?.max_values);
    this.sentKinds = new Set((['user_agent', 'system_prompt', 'wrapper', 'shape', 'prompt'] as const).filter((k) => this.kindIndex.has(k)).map((k) => this.kindIndex.get(k)!));
    this.busyAt = spec.rotation?.min_networks ?? Infinity;
    this.reviseSlices = Math.max(1, Math.min(REVISE_SLICES, spec.revise_every));
    this.reviseStep = Math.floor(spec.revise_every / this.reviseSlices);
    this.bucketMs = spec.bucket_minutes * 60_000;
    this.perHour = 60 / spec.bucket_minutes;
  }

  find(org: string): string {
    let r = org;
    while (true) {
      const p = this.parent.get(r);
      if (p === undefined || p === r) break;
      r = p;
    }
    let x = org;
    while (x !== r) {
      const p = this.parent.get(x)!;
      this.parent.set(x, r);
      x = p;
    }
    return r;
  }

  clusterOf(org: string): Cluster | undefined {
    return this.clusters.get(this.find(org));
  }

  allClusters(): Cluster[] {
    return [...this.clusters.values()].sort((a, b) => idNumber(a) - idNumber(b));
  }

  /** The org's own combined traffic as linkage saw it (undefined for an org never seen or evicted). */
  aggregateOf(org: string): LinkAggregate | undefined {
    return this.aggs.get(org);
  }

  private enabled(kind: LinkKind): boolean {
    return !this.disabled && this.kindIndex.has(kind);
  }

  private stateOf(org: string): OrgLinkState {
    let s = this.orgs.get(org);
    if (!s) this.orgs.set(org, (s = { values: new Map(), perKind: new Array<number>(this.kinds.length).fill(0), pending: new Map(), pendingPrompts: 0, buckets: [], lastTs: -Infinity, watched: new Map(), last: [], seq: 0 }));
    else {
      // Keep the map in recency order (oldest first) for eviction.
      this.orgs.delete(org);
      this.orgs.set(org, s);
    }
    s.seq = ++this.touches;
    return s;
  }

  /** Applies one request's record: aggregates, activity, values, and any link it makes. */
  observe(r: LinkRecord): void {
    this.now = Math.max(this.now, r.ts);
    if (r.ts < this.since) this.since = r.ts;
    let agg = this.aggs.get(r.org);
    const firstSeen = !agg;
    if (!agg) this.aggs.set(r.org, (agg = new LinkAggregate()));
    const newItem = agg.add(r);
    if (agg.tally.n === this.busyAt) this.busy++;
    this.dirty.orgs.add(r.org);
    const cluster = this.clusterOf(r.org);
    if (cluster) {
      cluster.agg.add(r, newItem, agg.tally);
      this.dirty.clusters.add(this.find(r.org));
    }
    if (++this.observed % EVICT_EVERY === 0) this.evictIdle();
    if (this.disabled) return;
    if (this.reviseStep > 0 && this.observed % this.reviseStep === 0) this.revise((this.observed / this.reviseStep) % this.reviseSlices);
    const st = this.stateOf(r.org);
    st.lastTs = r.ts;
    let candidates: Set<string> | undefined;
    let newBucket = false;
    if (this.enabled('co_activity')) {
      const b = Math.floor(r.ts / this.bucketMs);
      const last = st.buckets[st.buckets.length - 1];
      if (last === undefined || b > last) {
        st.buckets.push(b);
        if (st.buckets.length > this.spec.activity_buckets) st.buckets.shift();
        newBucket = true;
      }
    }
    /** Registers the value; true when it is new to the org. `finds`: its other users become candidate partners. */
    const reg = (slot: number, kind: LinkKind, raw: string | number | undefined, prefix: string, repeated: boolean, finds = true): boolean => {
      if (!raw || st.last[slot] === raw || !this.enabled(kind)) return false;
      const key = `${kind}:${prefix}${typeof raw === 'number' ? raw.toString(16) : raw}`;
      if (st.values.has(key)) {
        st.last[slot] = raw;
        return false;
      }
      if (repeated) {
        const uses = (st.pending.get(key) ?? 0) + 1;
        if (uses < this.spec.min_value_uses) {
          if (kind === 'prompt') this.pendPrompt(st, key, uses);
          else if (st.pending.has(key) || st.pending.size < MAX_PENDING) st.pending.set(key, uses);
          return false;
        }
        if (st.pending.delete(key) && kind === 'prompt') st.pendingPrompts--;
      }
      const ki = this.kindIndex.get(kind)!;
      if (st.values.size >= this.spec.max_values_per_org || st.perKind[ki]! >= (this.maxOfKind[ki] ?? this.maxPerKind)) return false;
      st.values.set(key, ki);
      st.perKind[ki]!++;
      const cl = this.clusterOf(r.org);
      if (cl) {
        cl.values.set(key, (cl.values.get(key) ?? 0) + 1);
        this.dirty.clusters.add(this.find(r.org));
      }
      let v = this.valuesByKey.get(key);
      if (!v) this.valuesByKey.set(key, (v = { df: 0, orgs: new Set() }));
      v.df++;
      v.ver = ++this.versions;
      this.dirty.values.add(key);
      if (finds) {
        candidates ??= new Set();
        if (v.df <= this.spec.candidate_max_orgs && v.orgs) for (const o of v.orgs) candidates.add(o);
        else {
          // Many use it: a newcomer is compared with the most recent users only.
          v.recent ??= v.orgs ? [...v.orgs].slice(-RECENT_USERS) : [];
          for (const o of v.recent) candidates.add(o);
          v.recent.push(r.org);
          if (v.recent.length > RECENT_USERS) v.recent.shift();
        }
      }
      if (v.orgs) {
        if (v.orgs.size >= CO_USERS_MAX) v.orgs = null;
        else v.orgs.add(r.org);
      }
      return true;
    };
    reg(0, 'ip24', r.ip24, '', false);
    if (reg(1, 'ip16', r.ip16, '', false) && this.rotating(st, agg.tally.n)) reg(7, 'address_rotation', ROTATING, '', false);
    reg(2, 'user_agent', r.userAgent, '', false);
    reg(3, 'system_prompt', r.systemHash, '', false);
    reg(4, 'wrapper', r.prefixHash, 'p', true);
    reg(5, 'wrapper', r.suffixHash, 's', true);
    reg(6, 'shape', r.habitHash ?? r.shapeHash, '', true);
    // A prompt the org sends again and again, word for word (digits aside): an operation's few fixed prompts,
    // which its accounts share however they connect. Items a harvest sends once never register.
    // Not under a granted purpose: grant holders running one public evaluation send its fixed prompts too.
    reg(8 + 2 * this.cohortMs.length, 'prompt', r.purpose ? undefined : r.itemKey, '', true);
    // An org returning after eviction is first seen again: it comes back as a newcomer would. Its cohort finds no
    // partners: at its first request there is nothing else to compare; its harness's values find them later.
    // An org whose creation time is known (its org line's) also registers the buckets it was opened in, warm-up or
    // not: an existing customer was opened long before and shares them with few, while a network's accounts opened
    // in one batch share them however early in the linker's life it first sees them. Accounts opened apart and
    // used together (aged accounts) still share the buckets of their first use.
    const cohorts = (at: number, slot: number, prefix: string): void => {
      for (let i = 0; i < this.cohortMs.length; i++) reg(slot + i, 'cohort', Math.floor(at / this.cohortMs[i]!), `${prefix}${this.cohortMs[i]! / 60_000}m`, false, false);
    };
    if (firstSeen && r.ts >= this.since + this.cohortWarmupMs) cohorts(r.ts, 8, '');
    if (firstSeen && this.cohortOpened && typeof r.created === 'number' && Number.isFinite(r.created)) cohorts(Math.min(r.created, r.ts), 8 + this.cohortMs.length, 'opened');
    // Co-activity grows slowly: watched partners are re-checked every few new active buckets.
    if (newBucket && st.buckets.length % RECHECK_BUCKETS === 0 && st.watched.size > 0) {
      candidates ??= new Set();
      for (const o of st.watched.keys()) candidates.add(o);
    }
    if (!candidates) return;
    candidates.delete(r.org);
    const root = this.find(r.org);
    for (const other of candidates) {
      const os = this.orgs.get(other);
      if (!os) {
        st.watched.delete(other);
        continue;
      }
      if (this.find(other) === root && this.clusters.has(root)) {
        st.watched.delete(other);
        if (os.watched.delete(r.org)) this.dirty.orgs.add(other);
        continue;
      }
      const e = this.evaluate(r.org, st, other, os);
      if (e.linked && this.corroborated(r.org, other)) {
        st.watched.delete(other);
        if (os.watched.delete(r.org)) this.dirty.orgs.add(other);
        this.union(r.org, other, e);
        if (e.bundle) this.joinBundle(e.bundle, other);
      } else if (e.strength >= this.spec.link_threshold / 3) {
        // A link not yet borne out by a second pair is watched like a near one: the next checks may bear it out.
        watch(st.watched, other, e.strength, this.spec.watched_pairs_per_org);
        watch(os.watched, r.org, e.strength, this.spec.watched_pairs_per_org);
        this.dirty.orgs.add(other);
      }
    }
  }

  /**
   * A link resting on co-usage found a bundle: its other users registered their values before the bundle showed,
   * and no new value of theirs will bring them up again, so each is judged now against the member just linked.
   */
  private joinBundle([x, y]: [string, string], member: string): void {
    // x is the less used value, whose users are known.
    const ux = this.valuesByKey.get(x)?.orgs;
    const ms = this.orgs.get(member);
    if (!ux || !ms) return;
    const root = this.find(member);
    for (const o of ux) {
      const os = this.orgs.get(o);
      if (!os?.values.has(y) || this.find(o) === root) continue;
      const e = this.evaluate(o, os, member, ms);
      if (e.linked && this.corroborated(o, member)) this.union(o, member, e);
    }
  }

  /**
   * Whether a link between a and b may join their sides: when a side is a cluster of several orgs, a second pair
   * must share evidence too, one that leaves out that side's end of this link (an org joining a cluster shares the
   * evidence with another of its members as well; two clusters join only when a pair other than this one does):
   * `corroborate_nats` from `min_kinds` kinds, as a link needs, but less of it (a network's accounts share its
   * evidence with each other, some pairs above the threshold and some just under; one rare phrase two unrelated
   * accounts both use is one kind). One link alone is the weakest point of a chain: an unrelated account that
   * happens to share a network's evidence (first seen in its hour, ending prompts with a phrase it uses) would
   * otherwise bring its own cluster, a class of students or a company's developers, into the network. At most
   * `corroborate_members` of each side's most recent members are tried, after up to half as many that use the rarest
   * values the two orgs share (others).
   */
  private corroborated(a: string, b: string): boolean {
    const ra = this.find(a);
    const rb = this.find(b);
    const ca = this.clusters.get(ra);
    const cb = this.clusters.get(rb);
    if ((!ca && !cb) || ra === rb || this.spec.corroborate_members === 0) return true;
    // A side whose other members have all left the linkage state (idle) has no one left to bear the link out: it
    // counts as the one org, as a side that is no cluster does.
    const shared = this.sharedKeys(a, b);
    const xo = ca ? this.others(ca, ra, a, shared) : [];
    const yo = cb ? this.others(cb, rb, b, shared) : [];
    if (xo.length === 0 && yo.length === 0) return true;
    const xs = xo.length ? xo : [a];
    const ys = yo.length ? yo : [b];
    const bar = this.spec.corroborate_nats ?? this.spec.link_threshold;
    for (const x of xs) {
      const xst = this.orgs.get(x);
      if (!xst) continue;
      for (const y of ys) {
        const yst = this.orgs.get(y);
        if (!yst || y === x) continue;
        const e = this.evaluate(x, xst, y, yst);
        if (e.strength >= bar && e.kinds >= this.spec.min_kinds) return true;
      }
    }
    return false;
  }

  /**
   * Members of a cluster other than org, whose linkage state is still held, to bear a link out: a few that use the
   * rarest values the link's two orgs share, then the most recent. A network split over two clusters, one of them
   * grown by other operations' accounts since, is borne out by its own accounts on the other side, which the most
   * recent members may not be (fold R seed 3 under `--perturb browser`: three of a hydra's twelve accounts never
   * joined the other nine). An unrelated account sharing a network's evidence by chance brings nothing new: the
   * users of that evidence in its own cluster are itself alone.
   */
  private others(c: Cluster, root: string, org: string, shared: string[]): string[] {
    const out: string[] = [];
    const per = this.spec.corroborate_members;
    const sharers = Math.ceil(per / 2);
    for (const key of shared) {
      // Only a value other members of this cluster use too: one that only the linking org uses brings no one.
      const users = (c.values.get(key) ?? 0) > 1 ? this.valuesByKey.get(key)?.orgs : undefined;
      if (!users) continue;
      for (const m of users) {
        if (out.length >= sharers) break;
        if (m !== org && this.orgs.has(m) && !out.includes(m) && this.find(m) === root) out.push(m);
      }
      if (out.length >= sharers) break;
    }
    const first = out.length;
    for (let i = c.members.length - 1; i >= 0 && out.length - first < per; i--) {
      const m = c.members[i]!;
      if (m !== org && this.orgs.has(m) && !out.includes(m)) out.push(m);
    }
    return out;
  }

  /**
   * Keys of the values two orgs both registered, rarest first (at most SHARED_KEYS), of what accounts send (a client,
   * a system prompt, a wrapper, a shape, a fixed prompt): a cloud range is shared with whoever else is on it, and
   * inside a cluster that is itself a chance grouping (developers on one range) it reads as rare, so its users
   * would bear out any newcomer on the range; a cohort's newcomers (a class's students first seen beside a network)
   * are no more the network's for it.
   */
  private sharedKeys(a: string, b: string): string[] {
    const as = this.orgs.get(a);
    const bs = this.orgs.get(b);
    if (!as || !bs) return [];
    const keys: Array<[string, number]> = [];
    for (const [key, ki] of as.values) {
      if (!this.sentKinds.has(ki) || !bs.values.has(key)) continue;
      const v = this.valuesByKey.get(key);
      if (v?.orgs) keys.push([key, v.df]);
    }
    return keys.sort((x, y) => x[1] - y[1]).slice(0, SHARED_KEYS).map(([k]) => k);
  }

  /** Users of a value inside a cluster (or the org alone, when it has none). */
  private usersWithin(cluster: Cluster | undefined, st: OrgLinkState, key: string): number {
    return cluster ? cluster.values.get(key) ?? 0 : st.values.has(key) ? 1 : 0;
  }

  /**
   * weight x ln(N / (others + prior)): `others` are the orgs using the value outside the two orgs' clusters, so a
   * hydra's shared harness stays rare evidence as the hydra grows, and a value common among unrelated orgs does
   * not; `prior` keeps a value seen by few orgs so far from counting as unique.
   */
  private othersUsing(key: string, as: OrgLinkState, ca: Cluster | undefined, bs: OrgLinkState, cb: Cluster | undefined): number {
    const df = this.valuesByKey.get(key)?.df ?? 1;
    const inside = ca && ca === cb ? this.usersWithin(ca, as, key) : this.usersWithin(ca, as, key) + this.usersWithin(cb, bs, key);
    return Math.max(0, df - inside);
  }

  /**
   * Evidence two orgs share: per kind the strongest value (network prefixes are one kind: a shared /24 is also
   * a shared /16), plus co-activity. The strength is summed first; reasons (with their text) are built only for
   * a link or when asked (explain), since most pairs checked do not link.
   */
  evaluate(a: string, as: OrgLinkState, b: string, bs: OrgLinkState, withReasons = false, threshold = this.spec.link_threshold): LinkEvaluation {
    const ca = this.clusterOf(a);
    const cb = this.clusterOf(b);
    const n = Math.max(this.orgs.size, this.spec.population_floor);
    // Below the floor, a value's users so far are scaled up by sqrt(floor / seen): halfway (in logs) between
    // trusting the small sample (5 of the first 50 orgs is 20 of 200) and ignoring it (5 of 200). Without it,
    // links made early in a deployment's (or a trace's) life rest on rarity that later traffic disproves. The
    // orgs seen are rounded up to a power of two, so Redis Streams workers, which receive each other's link
    // records in a slightly different order than replay reads them, judge against the same population size.
    const seen = 2 ** Math.ceil(Math.log2(Math.max(this.orgs.size, 1)));
    const extrapolate = Math.max(1, Math.sqrt(n / seen));
    // Per group: the strongest value's nats, kind index and key.
    const groupNats = this.scratchNats.fill(-1);
    const groupKey = this.scratchKeys;
    // Values per kind of each org: an org that uses many (a competitor's many clients, a harness's many
    // wrappers) shares one with somebody by chance more often, so each of its coincidences says less.
    const ma = as.perKind;
    const mb = bs.perKind;
    const mult = this.spec.multiplicity;
    let any = false;
    for (const [key, ki] of as.values) {
      if (!bs.values.has(key)) continue;
      const kind = this.kinds[ki]!;
      const set = this.spec.kinds[kind]!;
      const others = this.othersUsing(key, as, ca, bs, cb) * extrapolate;
      const chances = mult > 0 ? mult * this.chancesIn(ki, ma, mb) : 0;
      const nats = Math.min(set.cap, Math.max(0, set.weight * (Math.log(n / (others + this.spec.rarity_prior)) - chances)));
      const g = this.groupOf[ki]!;
      if (nats > groupNats[g]!) {
        groupNats[g] = nats;
        groupKey[g] = key;
      }
      any = true;
    }
    const cu = any && this.enabled('co_usage') ? this.coUsage(as, bs, seen) : undefined;
    // A bundle says its users are one operation; an org that uses many values of its kinds (a reseller's pooled
    // traffic in sixteen request shapes) falls into some bundle by chance, as it shares some single value.
    const cuChances = cu && mult > 0 ? mult * cu.kinds.reduce((t, k) => t + this.chancesIn(k, ma, mb), 0) : 0;
    const cuNats = cu ? Math.min(this.spec.kinds.co_usage!.cap, this.spec.kinds.co_usage!.weight * Math.max(0, cu.nats - cuChances)) : 0;
    // Co-activity only for pairs that already share something: it is the costliest check.
    let co: ReturnType<typeof coActivity> | undefined;
    let coNats = 0;
    if (any && this.enabled('co_activity')) {
      co = coActivity(as.buckets, as.buckets.length, bs.buckets, bs.buckets.length, this.perHour);
      const set = this.spec.kinds.co_activity!;
      coNats = Math.min(set.cap, set.weight * co.nats);
    }
    let strength = 0;
    let kinds = 0;
    let actor = this.actorGroups.size === 0;
    const minActor = this.spec.min_actor_nats ?? this.spec.min_kind_nats;
    // A co-usage counts as evidence of both its values' kinds: the bundle is what they say together.
    const cuStrong = cu !== undefined && round(cuNats) >= this.spec.min_kind_nats;
    for (let g = 0; g < groupNats.length; g++) {
      const v = groupNats[g]!;
      if (v < 0) continue;
      strength += round(v);
      const inBundle = cuStrong && cu.groups.includes(g);
      if (round(v) >= this.spec.min_kind_nats || inBundle) {
        kinds++;
        if (this.actorGroups.has(g) && (round(v) >= minActor || inBundle)) actor = true;
      }
    }
    if (coNats > 0) {
      strength += round(coNats);
      if (round(coNats) >= this.spec.min_kind_nats) {
        kinds++;
        if (this.actorGroups.has(this.coGroup) && round(coNats) >= minActor) actor = true;
      }
    }
    if (cuNats > 0) strength += round(cuNats);
    const linked = strength >= threshold && kinds >= this.spec.min_kinds && actor;
    const reasons: LinkReason[] = [];
    if (linked || withReasons) {
      for (let g = 0; g < groupNats.length; g++) {
        if (groupNats[g]! < 0) continue;
        const key = groupKey[g]!;
        const ki = as.values.get(key)!;
        const kind = this.kinds[ki]!;
        const typical = this.spec.kinds[kind]!.typical;
        const ci = this.chancesOf[ki]!;
        const many = mult > 0 && (ma[ci]! > typical || mb[ci]! > typical) ? `; the two use ${ma[ci]} and ${mb[ci]} such values${ci !== ki ? ` (counted as ${this.kinds[ci]})` : ''}` : '';
        reasons.push({ kind, value: key.slice(kind.length + 1), detail: `${this.othersUsing(key, as, ca, bs, cb)} other orgs use it${many}`, nats: round(groupNats[g]!) });
      }
      if (co && coNats > 0) reasons.push({ kind: 'co_activity', detail: `${co.shared} shared buckets, ${round(co.expected)} expected`, nats: round(coNats) });
      if (cu && cuNats > 0) reasons.push({ kind: 'co_usage', detail: `${cu.both} of the ${cu.of} orgs using ${cu.x} also use ${cu.y} (${Math.round(cu.share * 100)}%)`, nats: round(cuNats) });
      reasons.sort((x, y) => y.nats - x.nats);
    }
    return { strength: round(strength), kinds, reasons, linked, ...(linked && cuStrong ? { bundle: [cu.x, cu.y] as [string, string] } : {}) };
  }

  /**
   * Co-usage: two values of different kinds that the two orgs share (a proxy subnet and a harness's wrapper, a
   * subnet and a request shape, rotating addresses and a wrapper) whose users are nearly the same orgs (an
   * intersection over the union of at least CO_SHARE), or, when one is a network habit (co_usage_containing), of
   * which nearly all users of the less used one (CO_SHARE) use the other; at least MIN_CO_USERS co-users, far more
   * than the other's share of the population predicts. Accounts that are one operation carry their infrastructure
   * and their harness as one bundle, however many they are, where the rarity of each value fades as a large
   * network makes it common (or, for rotating addresses, as other rotating actors make it common); unrelated orgs
   * on a cloud range pick clients, shapes and templates of their own, so the users of one of those are on the
   * range no more often than the range's share says. Nats: the binomial tail bound n KL(c/n || p) of the less
   * used value's n users including c of the other's (share p of the orgs seen), less the log of the value pairs
   * that could have shown it (2 ln orgs seen, and the pairs tried here). The less used value's users must be
   * known (at most CO_USERS_MAX); the other is looked up in each of them.
   */
  private coUsage(as: OrgLinkState, bs: OrgLinkState, seen: number): CoUsage | undefined {
    const shared: Array<{ key: string; kind: number; group: number; users: Set<string> | null; df: number; ver: number }> = [];
    for (const [key, ki] of as.values) {
      if (!bs.values.has(key)) continue;
      const v = this.valuesByKey.get(key);
      if (!v || v.df < MIN_CO_USERS) continue;
      shared.push({ key, kind: ki, group: this.groupOf[ki]!, users: v.orgs, df: v.df, ver: v.ver ?? 0 });
      if (shared.length >= MAX_CO_VALUES) break;
    }
    const penalty = 2 * Math.log(Math.max(2, seen));
    let best: CoUsage | undefined;
    let pairs = 0;
    for (let i = 0; i < shared.length; i++) {
      for (let j = i + 1; j < shared.length; j++) {
        const x = shared[i]!;
        const y = shared[j]!;
        // One of the two must be about the actor (its network or client): unrelated evaluators running one public
        // harness share its wrapper and parameters, and that bundle is the harness's, not theirs.
        if (x.group === y.group || !(this.actorGroups.has(x.group) || this.actorGroups.has(y.group))) continue;
        // A cohort bundles with what its accounts send (a harness's text, a shape, a client), not with a network habit:
        // an app whose end users call from everywhere, first seen beside a network on rotating exits, rotates as its
        // accounts do (fold A seed 7 under `--perturb residential`: joined it). Rotation bundles with the harness.
        if (this.cohortWithNetwork(x.group, y.group)) continue;
        pairs++;
        const [small, large] = x.df <= y.df ? [x, y] : [y, x];
        if (!small.users) continue;
        const n = small.users.size;
        // Nearly the same orgs (an intersection over the union of CO_SHARE needs n >= CO_SHARE x the other's users),
        // or, for a network habit (a proxy range, rotating addresses), nearly all users of the one inside the other.
        // Only a network (or a cohort, below) may contain: a request shape names its API, and so its users run that
        // API's SDK, whose users then contain the shape's without any common actor (fold A seed 11's small
        // developers, linked so).
        const same = n >= CO_SHARE * large.df;
        // A cohort may lie inside another value's users, or contain them: a harness whose users nearly all opened
        // their accounts in one stretch is an operation's even when the stretch's other newcomers outnumber it
        // (a network split over two harness shapes, opened beside a launch day's developers: linkage.test.ts). The
        // tail bound below keeps a value few orgs use, most of them first seen in one busy hour, from counting.
        const contains = this.containingGroups.has(x.group) || this.containingGroups.has(y.group) || this.containedGroups.has(small.group) || this.containedGroups.has(large.group);
        if (!same && !contains) continue;
        // The other value's share of the orgs seen. Those are rounded up to a power of two (so workers agree), which
        // can halve a share: for values used by about as many orgs that is how it has always been judged; a value
        // inside a far more used one is judged against half the rounded count, at most the true number of orgs.
        const pSame = Math.min(large.df / Math.max(seen, large.df + 1), 1 - 1e-9);
        const pInside = Math.min(large.df / Math.max(this.containerBase(large.key, seen), large.df + 1), 1 - 1e-9);
        // Every user of the one using the other is the most it can show: most pairs are settled without counting.
        if (n * Math.log(1 / (same ? pSame : pInside)) <= Math.max(penalty, best?.nats ?? 0)) continue;
        const c = this.coUsers(small, large);
        const q = c / n;
        // A cohort that holds a large share of the orgs (a busy day's newcomers; customers imported in two batches) is
        // no operation's, however many of a common value's users it holds: a value's users inside one must be at
        // least twice its share, as well as nearly all of them: 75% of a shape's 500 users among the customers imported
        // in the first of two halves is not a bundle, though a tail bound over so many users is certain. Likewise a
        // value a large share of the orgs use (a stock system prompt, a stock SDK) says nothing of a cohort nearly all
        // of whose orgs use it: who arrives changes over a day and a week, and the developers quiet on a deployment's
        // first day, first seen together the next morning, nearly all use what most developers use, far more of them
        // than of all orgs (the night's and the weekend's newcomers are others), and no more than their neighbours.
        const holdsOrHeld = this.containedGroups.has(large.group) || this.containedGroups.has(small.group);
        const p = same && c / (n + large.df - c) >= CO_SHARE ? pSame : contains && q >= CO_SHARE && (!holdsOrHeld || q >= 2 * pInside) ? pInside : NaN;
        if (c < MIN_CO_USERS || !(q > p)) continue;
        const kl = q * Math.log(q / p) + (q < 1 ? (1 - q) * Math.log((1 - q) / (1 - p)) : 0);
        const nats = n * kl;
        if (!best || nats > best.nats) best = { nats, both: c, share: q, of: n, x: small.key, y: large.key, groups: [x.group, y.group], kinds: [small.kind, large.kind] };
      }
    }
    if (!best) return undefined;
    best.nats = Math.max(0, best.nats - penalty - Math.log(pairs));
    return best;
  }

  /** Whether one group is a cohort's (co_usage_contained) and the other a network habit's (co_usage_containing). */
  private cohortWithNetwork(a: number, b: number): boolean {
    return (this.containedGroups.has(a) && this.containingGroups.has(b)) || (this.containedGroups.has(b) && this.containingGroups.has(a));
  }

  /**
   * How many users of the less used value also use the other. The count is kept until either value gains or loses
   * a user: the pairs of one network ask about the same few value pairs again and again, and counting walks up to
   * CO_USERS_MAX orgs each time.
   */
  private coUsers(small: { key: string; users: Set<string> | null; ver: number }, large: { key: string; ver: number }): number {
    const ck = `${small.key}\n${large.key}`;
    const hit = this.coCounts.get(ck);
    if (hit && hit.small === small.ver && hit.large === large.ver) return hit.c;
    let c = 0;
    for (const o of small.users!) if (this.orgs.get(o)?.values.has(large.key)) c++;
    if (!hit && this.coCounts.size >= CO_COUNTS_MAX) this.coCounts.delete(this.coCounts.keys().next().value!);
    this.coCounts.set(ck, { small: small.ver, large: large.ver, c });
    return c;
  }

  /**
   * Whether the org sends through rotating addresses: many /16s, a good share of its requests each from one it had
   * not used. What a residential or mobile proxy pool does for an account; an office, a cloud NAT or a datacenter
   * proxy keeps to a few networks. Unlike a shared subnet, it survives a pool large enough that accounts never meet.
   */
  private rotating(st: OrgLinkState, requests: number): boolean {
    const spec = this.spec.rotation;
    const nets = st.perKind[this.kindIndex.get('ip16')!]!;
    return spec !== undefined && nets >= spec.min_networks && nets >= spec.min_share * requests;
  }

  /**
   * The orgs a containing value's users are a share of: half the orgs seen (rounded up to a power of two so that
   * workers agree; half of it is at most the true number), or for rotating addresses the busy orgs, rounded down
   * to a power of two, since only they can rotate.
   */
  private containerBase(key: string, seen: number): number {
    if (key !== ROTATING_KEY) return seen / 2;
    return 2 ** Math.floor(Math.log2(Math.max(this.busy, 1)));
  }

  /**
   * Prompts pend in half the room at most, least recently sent first out: a harvest's thousands of items, each
   * sent once, neither keep its wrappers and shapes from pending nor keep a fixed prompt that starts later (after
   * a warm-up of ordinary chat) from pending in turn.
   */
  private pendPrompt(st: OrgLinkState, key: string, uses: number): void {
    if (st.pending.delete(key)) {
      st.pending.set(key, uses);
      return;
    }
    if (st.pendingPrompts >= MAX_PENDING / 2) {
      // Map order is insertion order, and a prompt sent again is moved to the end: the first is the least recent.
      for (const k of st.pending.keys())
        if (k.startsWith(PROMPT_PREFIX)) {
          st.pending.delete(k);
          st.pendingPrompts--;
          break;
        }
    } else if (st.pending.size >= MAX_PENDING) return;
    st.pending.set(key, uses);
    st.pendingPrompts++;
  }

  private perKindOf(values: Iterable<[string, number]>): number[] {
    const n = new Array<number>(this.kinds.length).fill(0);
    for (const [, ki] of values) n[ki]!++;
    return n;
  }

  /** ln of how many more values of a kind each of two orgs uses than an ordinary org: their extra chances to share one. */
  private chancesIn(ki: number, ma: number[], mb: number[]): number {
    const ci = this.chancesOf[ki]!;
    const typical = this.spec.kinds[this.kinds[ki]!]!.typical;
    return Math.log(Math.max(1, ma[ci]! / typical)) + Math.log(Math.max(1, mb[ci]! / typical));
  }

  /** Evidence between two orgs right now (explain), or undefined when either is unknown. */
  explainPair(a: string, b: string): LinkEvaluation | undefined {
    const as = this.orgs.get(a);
    const bs = this.orgs.get(b);
    return as && bs ? this.evaluate(a, as, b, bs, true) : undefined;
  }

  private union(a: string, b: string, e: LinkEvaluation): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb && this.clusters.has(ra)) return;
    const ca = this.clusters.get(ra);
    const cb = this.clusters.get(rb);
    // Keep the older cluster's id so ids stay stable as clusters grow.
    let root: string;
    let child: string;
    if (ca && (!cb || idNumber(ca) < idNumber(cb))) [root, child] = [ra, rb];
    else if (cb) [root, child] = [rb, ra];
    else [root, child] = [rb, ra];
    let cluster = this.clusters.get(root);
    if (!cluster) {
      cluster = { id: `cl_${this.nextId++}`, members: [root], agg: new LinkAggregate(), links: [], values: new Map() };
      const own = this.aggs.get(root);
      if (own) cluster.agg.merge(own);
      this.addValues(cluster, root);
      this.clusters.set(root, cluster);
    }
    const absorbed = this.clusters.get(child);
    const joined = absorbed ? absorbed.members : [child];
    this.dirty.clusters.add(root);
    if (absorbed) {
      this.dirty.clusters.add(child); // gone: its entry is deleted from the store
      cluster.agg.merge(absorbed.agg);
      for (const l of absorbed.links) if (cluster.links.length < MAX_CLUSTER_LINKS) cluster.links.push(l);
      for (const [k, c] of absorbed.values) cluster.values.set(k, (cluster.values.get(k) ?? 0) + c);
      this.clusters.delete(child);
    } else {
      const own = this.aggs.get(child);
      if (own) cluster.agg.merge(own);
      this.addValues(cluster, child);
    }
    cluster.members.push(...joined);
    this.parent.set(child, root);
    const joiner = joined.includes(a) ? a : b;
    if (cluster.links.length < MAX_CLUSTER_LINKS)
      cluster.links.push({ org: joiner, to: joiner === a ? b : a, strength: e.strength, reasons: e.reasons, ts: this.now });
    this.onJoin(cluster, joined);
  }

  /**
   * Judges the links of one slice of the clusters (by id) again on the evidence as it is now, and cuts those that no
   * longer hold. The slices take turns, so every cluster is judged every `revise_every` events and no one event pays
   * for all of them (14 µs per link: 50,000 clustered orgs would pause detection for 0.7 s at once). A link is
   * made on the evidence at that moment, and a value few orgs had used yet (a stock system prompt among a deployment's
   * first hundred customers, quiet developers first seen together on a Monday morning) can prove common later. Values
   * its own members use stay rare (they are counted outside the cluster), so a network's links hold as it grows. A
   * link holds down to `revise_hold` of the threshold, so that one made at the threshold is not cut and made again as
   * its evidence drifts by a few orgs either way. An org whose linkage state was evicted cannot be judged again: its
   * links stand. A cluster whose links were capped (more members than links kept) is left as it is.
   */
  private revise(slice: number): void {
    const bar = this.spec.link_threshold * this.spec.revise_hold;
    // In id order: new parts are numbered as they are made, and a linker restored from a checkpoint (whose clusters
    // come back in the store's order) must number them alike.
    const byId = [...this.clusters].filter(([, c]) => idNumber(c) % this.reviseSlices === slice).sort((a, b) => idNumber(a[1]) - idNumber(b[1]));
    for (const [root, c] of byId) {
      if (c.links.length < c.members.length - 1) continue;
      let stale = 0;
      const kept = c.links.filter((l) => {
        const as = this.orgs.get(l.org);
        const bs = this.orgs.get(l.to);
        if (!as || !bs) return true;
        const holds = this.evaluate(l.org, as, l.to, bs, false, bar).linked;
        if (!holds) stale++;
        return holds;
      });
      if (stale > 0) this.split(root, c, kept);
    }
  }

  /**
   * Splits a cluster along the links that still hold. The largest part keeps the cluster's id (a case stays one
   * case), but not its verdicts: the detector judges each part again on its own traffic (onSplit). Other parts of
   * several orgs become clusters of their own, and an org left alone leaves. Each part's combined traffic and value
   * counts are rebuilt from its members' own: a member evicted (idle a week) takes its share of both with it, since
   * what a departed part sent cannot be taken out of a combined aggregate.
   */
  private split(root: string, c: Cluster, kept: ClusterLink[]): void {
    // The members' union-find is rebuilt from the links that hold; each part then gets the root chosen below.
    for (const m of c.members) this.parent.delete(m);
    for (const l of kept) {
      const a = this.find(l.org);
      const b = this.find(l.to);
      if (a !== b) this.parent.set(a, b);
    }
    const parts = new Map<string, string[]>();
    for (const m of c.members) {
      const t = this.find(m);
      const part = parts.get(t);
      if (part) part.push(m);
      else parts.set(t, [m]);
    }
    const ordered = [...parts.values()].sort((a, b) => b.length - a.length || Number(b.includes(root)) - Number(a.includes(root)));
    this.clusters.delete(root);
    this.dirty.clusters.add(root);
    ordered.forEach((members, i) => {
      if (members.length < 2) return;
      const r = i === 0 && members.includes(root) ? root : members[0]!;
      this.parent.delete(r);
      for (const m of members) if (m !== r) this.parent.set(m, r);
      const inPart = new Set(members);
      const links = kept.filter((l) => inPart.has(l.org));
      const part: Cluster = { id: i === 0 ? c.id : `cl_${this.nextId++}`, members, agg: this.aggOf(members), links, values: new Map() };
      for (const m of members) this.addValues(part, m);
      this.clusters.set(r, part);
      this.dirty.clusters.add(r);
    });
    this.onSplit(c.id);
  }

  private aggOf(members: readonly string[]): LinkAggregate {
    const agg = new LinkAggregate();
    for (const m of members) {
      const own = this.aggs.get(m);
      if (own) agg.merge(own);
    }
    return agg;
  }

  private addValues(cluster: Cluster, org: string): void {
    for (const key of this.orgs.get(org)?.values.keys() ?? []) cluster.values.set(key, (cluster.values.get(key) ?? 0) + 1);
  }

  /** Drops the linkage state of orgs idle for longer than idle_eviction_hours (their cluster membership stays). */
  private evictIdle(): void {
    const cutoff = this.now - this.spec.idle_eviction_hours * 3_600_000;
    for (const [org, st] of this.orgs) {
      if (st.lastTs >= cutoff) break;
      this.evict(org, st);
    }
  }

  private evict(org: string, st: OrgLinkState): void {
    this.dirty.orgs.add(org);
    for (const key of st.values.keys()) {
      const v = this.valuesByKey.get(key);
      if (!v) continue;
      this.dirty.values.add(key);
      v.df--;
      v.ver = ++this.versions;
      v.orgs?.delete(org);
      if (v.recent) v.recent = v.recent.filter((o) => o !== org);
      if (v.df <= 0) this.valuesByKey.delete(key);
    }
    this.orgs.delete(org);
    // A clustered org's aggregate lives on in its cluster's; an unclustered one starts over if it returns.
    if ((this.aggs.get(org)?.tally.n ?? 0) >= this.busyAt) this.busy--;
    this.aggs.delete(org);
  }

  stats(): { orgs: number; values: number; clusters: number } {
    return { orgs: this.orgs.size, values: this.valuesByKey.size, clusters: this.clusters.size };
  }

  /**
   * Checkpoint. Full: every entry. dirtyOnly: the entries changed since the last dirtyOnly checkpoint, with null
   * for one that is gone (an evicted org or value, an absorbed cluster), to apply on top of the stored state; it
   * is full (and says so) after markAllDirty or when nothing was stored yet. Union-find parents are not stored:
   * every clustered org points at its cluster's root on restore, which finds the same roots.
   */
  checkpoint(o: { dirtyOnly?: boolean } = {}): { head: LinkerHead; entries: LinkerEntries } {
    const full = !o.dirtyOnly || this.full;
    const orgIds = full ? new Set([...this.aggs.keys(), ...this.orgs.keys()]) : this.dirty.orgs;
    const entries: LinkerEntries = {
      full,
      orgs: [...orgIds].map((id) => [id, this.orgEntry(id)]),
      values: [...(full ? this.valuesByKey.keys() : this.dirty.values)].map((k) => [k, this.valueEntry(k)]),
      clusters: [...(full ? this.clusters.keys() : this.dirty.clusters)].map((root) => [root, this.clusterEntry(root)]),
    };
    if (o.dirtyOnly) {
      this.dirty.orgs.clear();
      this.dirty.values.clear();
      this.dirty.clusters.clear();
      this.full = false;
    }
    return { head: { nextId: this.nextId, observed: this.observed, now: Number.isFinite(this.now) ? this.now : null, touches: this.touches, ...(Number.isFinite(this.since) ? { since: this.since } : {}) }, entries };
  }

  /** The next dirtyOnly checkpoint carries everything (the previous write failed). */
  markAllDirty(): void {
    this.full = true;
  }

  private orgEntry(id: string): LinkOrgEntry | null {
    const agg = this.aggs.get(id);
    const s = this.orgs.get(id);
    if (!agg && !s) return null;
    return {
      ...(agg ? { agg: agg.toState() } : {}),
      ...(s ? { link: { seq: s.seq, values: [...s.values], pending: [...s.pending], buckets: s.buckets, lastTs: s.lastTs, watched: [...s.watched] } } : {}),
    };
  }

  private valueEntry(key: string): LinkValueEntry | null {
    const v = this.valuesByKey.get(key);
    return v ? [v.df, v.orgs ? [...v.orgs] : null, v.recent ?? null] : null;
  }

  private clusterEntry(root: string): LinkClusterEntry | null {
    const c = this.clusters.get(root);
    return c ? { id: c.id, members: [...c.members], agg: c.agg.toState(), links: c.links, values: [...c.values] } : null;
  }

  /** Restores the state a checkpoint's entries describe (null entries, removals, are skipped). */
  restore(head: LinkerHead, entries: Omit<LinkerEntries, 'full'>): void {
    this.orgs.clear();
    this.aggs.clear();
    const linked: Array<[string, NonNullable<LinkOrgEntry['link']>]> = [];
    for (const [id, e] of entries.orgs) {
      if (!e) continue;
      if (e.agg) this.aggs.set(id, LinkAggregate.fromState(e.agg));
      if (e.link) linked.push([id, e.link]);
    }
    // Eviction walks orgs oldest first: the map is rebuilt in the order they were last touched.
    linked.sort((a, b) => a[1].seq - b[1].seq);
    for (const [id, s] of linked) {
      // Each value's kind is read from its key: indices written by a moat whose kinds differed (one added, one
      // turned off since) would point at another kind. Values of a kind now off are dropped.
      const values = new Map<string, number>();
      for (const [key] of s.values) {
        const ki = this.kindIndex.get(key.slice(0, key.indexOf(':')) as LinkKind);
        if (ki !== undefined) values.set(key, ki);
      }
      this.orgs.set(id, { values, perKind: this.perKindOf(values), pending: new Map(s.pending), pendingPrompts: s.pending.filter(([k]) => k.startsWith(PROMPT_PREFIX)).length, buckets: [...s.buckets], lastTs: s.lastTs, watched: new Map(s.watched), last: [], seq: s.seq });
    }
    this.valuesByKey.clear();
    this.coCounts.clear();
    for (const [k, e] of entries.values) if (e) this.valuesByKey.set(k, { df: e[0], orgs: e[1] ? new Set(e[1]) : null, ...(e[2] ? { recent: [...e[2]] } : {}) });
    this.parent.clear();
    this.clusters.clear();
    for (const [root, c] of entries.clusters) {
      if (!c) continue;
      this.clusters.set(root, { id: c.id, members: [...c.members], agg: LinkAggregate.fromState(c.agg), links: c.links, values: new Map(c.values) });
      for (const m of c.members) if (m !== root) this.parent.set(m, root);
    }
    this.nextId = head.nextId;
    this.observed = head.observed;
    this.now = head.now ?? -Infinity;
    // A checkpoint from before cohorts: the linker has watched long enough for anyone first seen now to be new.
    this.since = head.since ?? (head.now === null ? Infinity : -Infinity);
    this.touches = head.touches;
    this.busy = 0;
    for (const id of this.orgs.keys()) if ((this.aggs.get(id)?.tally.n ?? 0) >= this.busyAt) this.busy++;
    for (const s of Object.values(this.dirty)) s.clear();
    this.full = false;
  }
}

/** A cluster id's number (`cl_<n>`): ids are handed out in order, so the older cluster has the smaller. */
function idNumber(c: Cluster): number {
  return Number(c.id.slice(3));
}

/** The linker's counters: small, kept with the detector-wide state. */
export interface LinkerHead {
  nextId: number;
  observed: number;
  now: number | null;
  touches: number;
  /** The first event time seen (absent before any, and in checkpoints from before cohorts). */
  since?: number;
}

/** One org: its combined traffic (absent once evicted) and its evidence state (absent with linkage off). */
export interface LinkOrgEntry {
  agg?: LinkAggregateState;
  link?: { seq: number; values: Array<[string, number]>; pending: Array<[string, number]>; buckets: number[]; lastTs: number; watched: Array<[string, number]> };
}

/** One linkage value: [orgs using it, those orgs while few do, its most recent users once many do]. */
export type LinkValueEntry = [df: number, orgs: string[] | null, recent: string[] | null];

export interface LinkClusterEntry {
  id: string;
  members: string[];
  agg: LinkAggregateState;
  links: ClusterLink[];
  values: Array<[string, number]>;
}

/** Keyed entries (org id, value key, cluster root); null marks one removed since the previous checkpoint. */
export interface LinkerEntries {
  /** Replaces whatever the store holds (else applies on top of it). */
  full: boolean;
  orgs: Array<[string, LinkOrgEntry | null]>;
  values: Array<[string, LinkValueEntry | null]>;
  clusters: Array<[string, LinkClusterEntry | null]>;
}

/** Keeps the `cap` strongest watched partners. */
function watch(m: Map<string, number>, org: string, strength: number, cap: number): void {
  if (m.has(org) || m.size < cap) {
    m.set(org, strength);
    return;
  }
  let weakest: string | undefined;
  let w = Infinity;
  for (const [o, s] of m)
    if (s < w) {
      w = s;
      weakest = o;
    }
  if (weakest !== undefined && strength > w) {
    m.delete(weakest);
    m.set(org, strength);
  }
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Why each member is in its cluster: the link that brought it (or its former cluster) in. */
export function memberReasons(c: Cluster): Array<{ org: string; via?: ClusterLink }> {
  const via = new Map<string, ClusterLink>();
  for (const l of c.links) if (!via.has(l.org)) via.set(l.org, l);
  return [...c.members].sort().map((org) => ({ org, ...(via.get(org) ? { via: via.get(org)! } : {}) }));
}
