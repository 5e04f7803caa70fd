// Cross-account linkage: orgs that share enough distinctive infrastructure (an IP /24, a non-stock user agent,
// a system prompt, a repeated prompt template) are joined into one cluster (union-find), whose combined
// traffic the cluster-scoped rules judge. Memory is bounded: values used by too many orgs are dropped as
// shared infrastructure, and each org registers a capped number of values.
import { popcount32 } from './text/hash.js';
import { Totals, type TotalsState } from './purpose-window.js';
import type { LinkageSpec } from './rules/rule-schema.js';
import type { RequestSignals } from './signals/request-signals.js';

type Kind = LinkageSpec['kinds'][number];
const KIND_BIT: Record<Kind, number> = { ip24: 1, user_agent: 2, system_prompt: 4, template: 8 };

export interface Cluster {
  id: string;
  members: string[];
  totals: Totals;
  /** Shared values that linked members, per kind (capped). */
  links: Map<Kind, Set<string>>;
}

/**
 * What linkage needs from one request (no text). In one process the detector applies it at once; with several
 * workers each publishes its records and every worker applies all of them, so all see every account.
 */
export interface LinkRecord {
  org: string;
  ip24?: string;
  userAgent?: string;
  systemHash: number;
  templateHash: number;
  cot: boolean;
  sensitive: boolean;
  capability: boolean;
  bench: boolean;
  singleTurn: boolean;
  novelty: number;
}

export interface ClusterSignal {
  kind: Kind;
  values: string[];
}

const MAX_LINK_VALUES = 8;

export class Linker {
  private readonly valueOrgs = new Map<string, Set<string> | null>();
  private readonly orgValues = new Map<string, Set<string>>();
  private readonly orgTemplates = new Map<string, Map<number, number>>();
  private readonly pairs = new Map<string, number>();
  private readonly parent = new Map<string, string>();
  private readonly clusters = new Map<string, Cluster>();
  private readonly ignoreUa: RegExp[];
  private readonly enabled: Set<Kind>;
  private nextId = 1;

  constructor(
    private readonly spec: LinkageSpec,
    private readonly totalsOf: (org: string) => Totals,
    private readonly onJoin: (cluster: Cluster, joined: string[]) => void,
    disabled = false,
  ) {
    this.ignoreUa = spec.ignore_user_agents.map((r) => new RegExp(r));
    this.enabled = new Set(disabled ? [] : spec.kinds);
  }

  find(org: string): string {
    let r = org;
    while (true) {
      const p = this.parent.get(r);
      if (p === undefined || p === r) break;
      r = p;
    }
    // Path compression keeps lookups O(α(n)).
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
    return [...this.clusters.values()].sort((a, b) => Number(a.id.slice(3)) - Number(b.id.slice(3)));
  }

  observe(org: string, s: Pick<RequestSignals, 'ip24' | 'userAgent' | 'systemHash' | 'templateHash'>): void {
    if (this.enabled.size === 0) return;
    if (s.ip24 && this.enabled.has('ip24')) this.register(org, 'ip24', s.ip24);
    if (s.userAgent && this.enabled.has('user_agent') && !this.ignoreUa.some((r) => r.test(s.userAgent!)))
      this.register(org, 'user_agent', s.userAgent);
    if (s.systemHash && this.enabled.has('system_prompt')) this.register(org, 'system_prompt', s.systemHash.toString(16));
    if (s.templateHash && this.enabled.has('template')) {
      let t = this.orgTemplates.get(org);
      if (!t) this.orgTemplates.set(org, (t = new Map()));
      const c = t.get(s.templateHash);
      if (c !== undefined || t.size < 64) {
        const n = (c ?? 0) + 1;
        t.set(s.templateHash, n);
        if (n === this.spec.min_template_uses) this.register(org, 'template', s.templateHash.toString(16));
      }
    }
  }

  private register(org: string, kind: Kind, value: string): void {
    const key = `${kind}:${value}`;
    let mine = this.orgValues.get(org);
    if (!mine) this.orgValues.set(org, (mine = new Set()));
    if (mine.has(key) || mine.size >= this.spec.max_values_per_org) return;
    mine.add(key);
    let orgs = this.valueOrgs.get(key);
    if (orgs === null) return; // saturated: shared by too many orgs to mean anything
    if (!orgs) this.valueOrgs.set(key, (orgs = new Set()));
    if (orgs.size >= this.spec.max_orgs_per_value) {
      this.valueOrgs.set(key, null);
      return;
    }
    for (const other of orgs) {
      const pk = org < other ? `${org}\u0000${other}` : `${other}\u0000${org}`;
      const mask = (this.pairs.get(pk) ?? 0) | KIND_BIT[kind];
      this.pairs.set(pk, mask);
      if (popcount32(mask) >= this.spec.min_shared_kinds) this.union(org, other, mask, mine, this.orgValues.get(other));
    }
    orgs.add(org);
  }

  private union(a: string, b: string, mask: number, va: Set<string>, vb: Set<string> | undefined): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) {
      this.recordLinks(this.clusters.get(ra), mask, va, vb);
      return;
    }
    const ca = this.clusters.get(ra);
    const cb = this.clusters.get(rb);
    // Keep the older cluster's id so ids stay stable as clusters grow.
    let root: string;
    let child: string;
    if (ca && (!cb || Number(ca.id.slice(3)) < Number(cb.id.slice(3)))) [root, child] = [ra, rb];
    else if (cb) [root, child] = [rb, ra];
    else [root, child] = [ra, rb];
    let cluster = this.clusters.get(root);
    if (!cluster) {
      cluster = { id: `cl_${this.nextId++}`, members: [root], totals: new Totals(), links: new Map() };
      cluster.totals.merge(this.totalsOf(root));
      this.clusters.set(root, cluster);
    }
    const absorbed = this.clusters.get(child);
    const joined = absorbed ? absorbed.members : [child];
    if (absorbed) {
      cluster.totals.merge(absorbed.totals);
      for (const [k, vals] of absorbed.links) for (const v of vals) addLink(cluster, k, v);
      this.clusters.delete(child);
    } else cluster.totals.merge(this.totalsOf(child));
    cluster.members.push(...joined);
    this.parent.set(child, root);
    this.recordLinks(cluster, mask, va, vb);
    this.onJoin(cluster, joined);
  }

  private recordLinks(cluster: Cluster | undefined, mask: number, va: Set<string>, vb: Set<string> | undefined): void {
    if (!cluster || !vb) return;
    for (const key of va) {
      if (!vb.has(key)) continue;
      const kind = key.slice(0, key.indexOf(':')) as Kind;
      if (mask & KIND_BIT[kind]) addLink(cluster, kind, key.slice(kind.length + 1));
    }
  }

  /** Counts this org's request into its cluster's combined traffic. */
  addToCluster(org: string, s: LinkRecord): Cluster | undefined {
    const c = this.clusterOf(org);
    if (c) c.totals.add(s, s.novelty);
    return c;
  }

  stats(): { values: number; pairs: number; clusters: number } {
    return { values: this.valueOrgs.size, pairs: this.pairs.size, clusters: this.clusters.size };
  }

  /** Checkpoint: every map in insertion order (cluster member order and ids included). */
  toState(): LinkerState {
    return {
      valueOrgs: [...this.valueOrgs].map(([k, v]) => [k, v ? [...v] : null]),
      orgValues: [...this.orgValues].map(([k, v]) => [k, [...v]]),
      orgTemplates: [...this.orgTemplates].map(([k, v]) => [k, [...v]]),
      pairs: [...this.pairs],
      parent: [...this.parent],
      clusters: [...this.clusters].map(([root, c]) => [root, { id: c.id, members: [...c.members], totals: c.totals.toState(), links: [...c.links].map(([k, v]) => [k, [...v]]) }]),
      nextId: this.nextId,
    };
  }

  restore(st: LinkerState): void {
    this.valueOrgs.clear();
    for (const [k, v] of st.valueOrgs) this.valueOrgs.set(k, v ? new Set(v) : null);
    this.orgValues.clear();
    for (const [k, v] of st.orgValues) this.orgValues.set(k, new Set(v));
    this.orgTemplates.clear();
    for (const [k, v] of st.orgTemplates) this.orgTemplates.set(k, new Map(v));
    this.pairs.clear();
    for (const [k, v] of st.pairs) this.pairs.set(k, v);
    this.parent.clear();
    for (const [k, v] of st.parent) this.parent.set(k, v);
    this.clusters.clear();
    for (const [root, c] of st.clusters)
      this.clusters.set(root, { id: c.id, members: [...c.members], totals: Totals.fromState(c.totals), links: new Map(c.links.map(([k, v]) => [k, new Set(v)])) });
    this.nextId = st.nextId;
  }
}

export interface LinkerState {
  valueOrgs: Array<[string, string[] | null]>;
  orgValues: Array<[string, string[]]>;
  orgTemplates: Array<[string, Array<[number, number]>]>;
  pairs: Array<[string, number]>;
  parent: Array<[string, string]>;
  clusters: Array<[string, { id: string; members: string[]; totals: TotalsState; links: Array<[Kind, string[]]> }]>;
  nextId: number;
}

function addLink(c: Cluster, kind: Kind, value: string): void {
  let s = c.links.get(kind);
  if (!s) c.links.set(kind, (s = new Set()));
  if (s.size < MAX_LINK_VALUES) s.add(value);
}

export function clusterSignals(c: Cluster): ClusterSignal[] {
  return [...c.links.entries()]
    .sort((a, b) => a[0].localeCompare(b[0]))
    .map(([kind, values]) => ({ kind, values: [...values].sort() }));
}
