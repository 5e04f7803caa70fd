// The combined traffic of an account, and of a cluster (the merge of its members'), built from link records:
// a tally plus heavy-hitter summaries and timing, enough for every aggregate feature a score reads.
import type { Aggregate, TopKind } from '../aggregate-features.js';
import { Tally, TOPIC_OFF } from '../tally.js';
import { LONG_REASONING } from '../signals/request-flags.js';
import { TOPICS } from '../signals/taxonomy.js';
import { DistinctItems } from './distinct-items.js';
import { HeavyHitters } from './heavy-hitters.js';
import type { LinkRecord } from './link-record.js';
import { packArray, unpackInto, num, unnum, type Num } from '../checkpoint/codec.js';

/** A suffix's key in the wrapper summary: never equal to the same text's prefix key, and never 0 (no wrapper). */
function suffixKey(h: number): number {
  return h === 0 ? 0 : (h ^ 0x5bd1e995) >>> 0 || 1;
}

/** Pairs of requests (of one member, or of different members) below which topic affinity is not read. */
const MIN_PAIRS = 20;
/** Affinity's ceiling (members that never share a topic with one another). */
const MAX_AFFINITY = 100;

/** Long-reasoning requests of a cluster below which no member's share of them is read. */
const MIN_LONG_REASONING = 10;

/** Requests a tally classified into a topic. */
function topicCount(t: Tally): number {
  let n = 0;
  for (let i = 0; i < TOPICS.length; i++) n += t.v[TOPIC_OFF + i]!;
  return n;
}

/** Ordered pairs of a tally's classified requests that share a topic. */
function sameTopicPairs(t: Tally): number {
  let pairs = 0;
  for (let i = 0; i < TOPICS.length; i++) {
    const c = t.v[TOPIC_OFF + i]!;
    pairs += c * (c - 1);
  }
  return pairs;
}

export class LinkAggregate implements Aggregate {
  readonly tally = new Tally();
  private readonly hh = { template: new HeavyHitters(), system: new HeavyHitters(), shape: new HeavyHitters() };
  /**
   * Both ends' wrappers in one summary (a suffix tagged so it never meets the same text as a prefix), made on the
   * first wrapper: an org keeps one aggregate per key, and most keys' traffic has none.
   */
  private wrappers: HeavyHitters | undefined;
  /** The items sent (made on the first one): how far merged accounts send the same ones. */
  private items: DistinctItems | undefined;
  /** A cluster's: the most requests any one member has sent (0 for one account's own aggregate). */
  private largestPart = 0;
  /** A cluster's: the most long-reasoning requests any one member has sent. */
  private largestReasoning = 0;
  /**
   * A cluster's: ordered pairs of topic-classified requests sent by the same member, and of those the pairs on one
   * topic. Against the same share over pairs from different members (the tally has the cluster's topic counts),
   * it says whether the members are one actor's exchangeable accounts or customers who each bring their own app.
   */
  private memberPairs = 0;
  private memberSameTopic = 0;
  private readonly hours = new Float64Array(24);
  firstTs = Infinity;
  lastTs = -Infinity;

  /**
   * `sampleItems` false: no sample of the items sent (a key's own traffic, which no cluster merges), saving its kilobyte.
   */
  constructor(private readonly sampleItems = true) {}

  /**
   * Adds a request; returns whether its item is one this aggregate had not held. A cluster's aggregate is given
   * `memberNew`, what the member's own aggregate returned: a member's first sending of an item counts one more
   * sender of it, a repeat none; and `member`, the member's own tally (this request already in it).
   */
  add(r: LinkRecord, memberNew?: boolean, member?: Tally): boolean {
    if (r.purpose) return false;
    if (member) {
      if (member.n > this.largestPart) this.largestPart = member.n;
      const reasoning = member.flagCount(LONG_REASONING);
      if (reasoning > this.largestReasoning) this.largestReasoning = reasoning;
      if (r.topic >= 0) {
        // The request pairs with each earlier classified request of its member, both ways round.
        this.memberPairs += 2 * (topicCount(member) - 1);
        this.memberSameTopic += 2 * (member.v[TOPIC_OFF + r.topic]! - 1);
      }
    }
    this.tally.add(r);
    this.hh.template.add(r.templateHash);
    this.hh.system.add(r.systemHash);
    this.hh.shape.add(r.shapeHash);
    if (r.prefixHash !== 0 || r.suffixHash !== 0) {
      this.wrappers ??= new HeavyHitters();
      this.wrappers.add(r.prefixHash);
      this.wrappers.add(suffixKey(r.suffixHash));
    }
    const h = Math.floor(r.ts / 3_600_000) % 24;
    this.hours[h] = this.hours[h]! + 1;
    if (r.ts < this.firstTs) this.firstTs = r.ts;
    if (r.ts > this.lastTs) this.lastTs = r.ts;
    if (!r.itemKey || !this.sampleItems) return false;
    const items = (this.items ??= new DistinctItems());
    if (memberNew === undefined) return items.addOwn(r.itemKey);
    if (memberNew) items.addFrom(r.itemKey, 1);
    return false;
  }

  itemOverlap(): number | undefined {
    return this.items?.overlap();
  }

  topMemberShare(): number | undefined {
    return this.largestPart > 0 && this.tally.n > 0 ? Math.min(1, this.largestPart / this.tally.n) : undefined;
  }

  /**
   * A cluster's: the largest member's share of its long-reasoning requests. A network harvesting reasoning spreads
   * that harvest over its accounts; one account's run of worked answers linked to classmates' or colleagues' ordinary
   * questions is that account's traffic, for its own rules to judge. Undefined below MIN_LONG_REASONING such requests.
   */
  topMemberReasoningShare(): number | undefined {
    const all = this.tally.flagCount(LONG_REASONING);
    if (this.largestPart === 0 || all < MIN_LONG_REASONING) return undefined;
    return Math.min(1, this.largestReasoning / all);
  }

  /**
   * A cluster's: how much likelier two requests of one member are to share a topic than two requests of different
   * members. About 1 when the members are interchangeable parts of one traffic (a network's accounts drawing from
   * one harvest, students running one assignment); well above 1 when each member keeps to its own topics (unrelated
   * customers linked by a shared cloud range, each with its own application). Undefined below MIN_PAIRS pairs of
   * either kind, and for one account's aggregate.
   */
  memberTopicAffinity(): number | undefined {
    if (this.largestPart === 0 || this.memberPairs < MIN_PAIRS) return undefined;
    const n = topicCount(this.tally);
    const same = sameTopicPairs(this.tally);
    const betweenPairs = n * (n - 1) - this.memberPairs;
    if (betweenPairs < MIN_PAIRS) return undefined;
    const within = this.memberSameTopic / this.memberPairs;
    const between = Math.max(0, same - this.memberSameTopic) / betweenPairs;
    return Math.min(MAX_AFFINITY, within / Math.max(between, 1 / betweenPairs));
  }

  merge(o: LinkAggregate): void {
    // An account's own aggregate joins as one member; a cluster's brings its members' pairs.
    if (o.largestPart === 0) {
      const n = topicCount(o.tally);
      this.memberPairs += n * (n - 1);
      this.memberSameTopic += sameTopicPairs(o.tally);
    } else {
      this.memberPairs += o.memberPairs;
      this.memberSameTopic += o.memberSameTopic;
    }
    this.largestPart = Math.max(this.largestPart, o.largestPart || o.tally.n);
    this.largestReasoning = Math.max(this.largestReasoning, o.largestPart ? o.largestReasoning : o.tally.flagCount(LONG_REASONING));
    this.tally.merge(o.tally);
    this.hh.template.merge(o.hh.template);
    this.hh.system.merge(o.hh.system);
    this.hh.shape.merge(o.hh.shape);
    if (o.wrappers) (this.wrappers ??= new HeavyHitters()).merge(o.wrappers);
    if (o.items) {
      // A cluster starts empty: its sketch counts the parts merged into it, not itself.
      if (!this.items) (this.items = new DistinctItems()).parts = 0;
      this.items.merge(o.items);
    }
    for (let h = 0; h < 24; h++) this.hours[h] = this.hours[h]! + o.hours[h]!;
    this.firstTs = Math.min(this.firstTs, o.firstTs);
    this.lastTs = Math.max(this.lastTs, o.lastTs);
  }

  topShare(kind: TopKind): number {
    const n = this.tally.n;
    if (n <= 0) return 0;
    return (kind === 'wrapper' ? (this.wrappers?.top() ?? 0) : this.hh[kind].top()) / n;
  }

  benchDistinct(): undefined {
    return undefined;
  }

  interarrivalCv(): undefined {
    return undefined;
  }

  hoursActive(): number {
    let k = 0;
    for (const v of this.hours) if (v > 0) k++;
    return k;
  }

  spanHours(): number {
    return this.tally.n ? (this.lastTs - this.firstTs) / 3_600_000 : 0;
  }

  toState(): LinkAggregateState {
    const hh = (x: HeavyHitters) => [packArray(x.keys), packArray(x.counts)] as [string, string];
    return { tally: this.tally.toState(), template: hh(this.hh.template), system: hh(this.hh.system), shape: hh(this.hh.shape), ...(this.wrappers ? { wrappers: hh(this.wrappers) } : {}), ...(this.items ? { items: this.items.toState() } : {}), ...(this.largestPart ? { largest: this.largestPart } : {}), ...(this.largestReasoning ? { largestReasoning: this.largestReasoning } : {}), ...(this.memberPairs ? { memberPairs: [this.memberPairs, this.memberSameTopic] as [number, number] } : {}), hours: packArray(this.hours), first: num(this.firstTs), last: num(this.lastTs) };
  }

  static fromState(st: LinkAggregateState, sampleItems = true): LinkAggregate {
    const a = new LinkAggregate(sampleItems);
    a.tally.restore(st.tally);
    const hh = (x: HeavyHitters, [k, c]: [string, string]) => {
      unpackInto(k, x.keys);
      unpackInto(c, x.counts);
    };
    hh(a.hh.template, st.template);
    hh(a.hh.system, st.system);
    hh(a.hh.shape, st.shape);
    // Checkpoints written before wrappers were summarised restore with none.
    if (st.wrappers) hh((a.wrappers = new HeavyHitters()), st.wrappers);
    if (st.items) a.items = DistinctItems.fromState(st.items);
    a.largestPart = st.largest ?? 0;
    a.largestReasoning = st.largestReasoning ?? 0;
    [a.memberPairs, a.memberSameTopic] = st.memberPairs ?? [0, 0];
    unpackInto(st.hours, a.hours);
    a.firstTs = unnum(st.first);
    a.lastTs = unnum(st.last);
    return a;
  }
}

export interface LinkAggregateState {
  tally: string;
  template: [string, string];
  system: [string, string];
  shape: [string, string];
  wrappers?: [string, string];
  /** Items sampled: the smallest hashes and their senders (packed), and the parts. Absent in older checkpoints. */
  items?: [string, string, number];
  /** A cluster's largest member's requests. Absent for one account's aggregate and in older checkpoints. */
  largest?: number;
  /** A cluster's largest member's long-reasoning requests. Absent when none, and in older checkpoints. */
  largestReasoning?: number;
  /** A cluster's same-member request pairs and those on one topic. Absent for one account and in older checkpoints. */
  memberPairs?: [number, number];
  hours: string;
  first: Num;
  last: Num;
}
