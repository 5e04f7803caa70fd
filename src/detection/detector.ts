// The detection pipeline: one entry for live events (gateway consumer feeds toTraceLine(event)) and replayed
// trace lines alike. Online: a label attached at an org's k-th request uses only what arrived up to it.
// Time is virtual: it follows the events' timestamps and never goes backwards.
import type { TraceLine, TraceOrgLine, TraceRequestLine } from '../events/trace-format.js';
import type { FeatureContext } from './feature-catalog.js';
import { resolveFeature } from './feature-catalog.js';
import { num, unnum, type Num } from './checkpoint/codec.js';
import { Linker, clusterSignals, type Cluster, type ClusterSignal, type LinkRecord, type LinkerState } from './linkage.js';
import { OrgRecord, emptyFacts, type Activity, type OrgFacts, type OrgState } from './org-record.js';
import { OrgWindow } from './org-window.js';
import { PurposeWindow, Totals, type TotalsState } from './purpose-window.js';
import { conditionComparisons } from './rules/condition.js';
import type { CompiledRule } from './rules/load-rules.js';
import type { ActivityLabel, LinkageSpec } from './rules/rule-schema.js';
import type { CategoryModel } from './signals/category-model.js';
import type { FingerprintIndex } from './signals/fingerprint-index.js';
import { extractSignals, type RequestSignals, type SignalName } from './signals/request-signals.js';

export interface DetectorClock {
  now(): number;
}

export interface LabelEvent extends Activity {
  org: string;
  cluster?: string;
}

export type DiagnosticKind = 'out_of_order' | 'unknown_org' | 'capped_prompt' | 'bad_timestamp' | 'late_org_line';

export interface Diagnostic {
  kind: DiagnosticKind;
  message: string;
  org?: string;
  request?: string;
}

export interface DetectorOptions {
  rules: CompiledRule[];
  fingerprints: FingerprintIndex;
  categories: CategoryModel;
  linkage: LinkageSpec;
  /** Fallback time source when an event's timestamp is missing or unreadable. */
  clock?: DetectorClock;
  onLabel?: (e: LabelEvent) => void;
  onDiagnostic?: (d: Diagnostic) => void;
  /** Raw prompt retention: only as evidence of flagged orgs, at most `samples` snippets of `maxChars`. */
  evidence?: { samples: number; maxChars: number };
  /** Switch signal groups off (to measure their contribution). */
  disabledSignals?: ReadonlySet<SignalName>;
  /**
   * Scale-out: when set, link records are handed here instead of being applied at once; the caller must feed
   * every worker's records (its own included) back through ingestLink, in one shared order.
   */
  shareLinks?: (rec: LinkRecord) => void;
  /** Continue from a checkpoint (Detector.checkpoint) instead of starting empty. */
  restore?: DetectorCheckpoint;
}

/** Detector-wide state besides the orgs: linkage, cluster labels, clock, counters. */
export interface DetectorGlobalState {
  version: 1;
  virtualNow: Num;
  requests: number;
  diagnostics: DiagnosticCounts;
  localOrgs: string[];
  linkTotals: Array<[string, TotalsState]>;
  /** cluster id -> [label, rule id, evidence]; a rule no longer loaded is dropped on restore. */
  clusterLabels: Array<[string, Array<[ActivityLabel, string, Record<string, unknown>]>]>;
  linker: LinkerState;
}

export interface DetectorCheckpoint {
  global: DetectorGlobalState;
  /** With dirtyOnly, only orgs changed since the previous checkpoint; otherwise every org. */
  orgs: OrgState[];
}

export interface DiagnosticCounts {
  out_of_order: number;
  unknown_orgs: number;
  capped_prompts: number;
  bad_timestamps: number;
  late_org_lines: number;
}

export interface OrgSnapshot {
  org: string;
  requests: number;
  facts: OrgFacts;
  activities: Activity[];
  cluster: string | null;
}

export interface ClusterSnapshot {
  id: string;
  orgs: string[];
  signals: ClusterSignal[];
}

export interface DetectionSnapshot {
  requests: number;
  orgs: OrgSnapshot[];
  clusters: ClusterSnapshot[];
  diagnostics: DiagnosticCounts;
}

export interface Detector {
  ingest(line: TraceLine): void;
  ingestOrg(line: TraceOrgLine): void;
  ingestRequest(line: TraceRequestLine): void;
  /** Applies one request's link record (see DetectorOptions.shareLinks); orgs not seen locally are not reported. */
  ingestLink(rec: LinkRecord): void;
  snapshot(): DetectionSnapshot;
  /** Current virtual time (ms since epoch). */
  now(): number;
  /** Every feature value of one org right now (debugging, `rules` tuning); undefined for an unseen org. */
  features(org: string): Record<string, unknown> | undefined;
  /**
   * State to persist (plain JSON). dirtyOnly: just the orgs changed since the last dirtyOnly checkpoint, for an
   * incremental store where each org's latest state overwrites its previous one (call markAllDirty after a
   * failed write). Bounded: windows and sketches per org, no prompt lists.
   */
  checkpoint(opts?: { dirtyOnly?: boolean }): DetectorCheckpoint;
  markAllDirty(): void;
}

const LABEL_ORDER: ActivityLabel[] = ['benchmarking', 'distillation', 'safety_probing', 'scope_violation'];

export function createDetector(opts: DetectorOptions): Detector {
  const clock = opts.clock ?? { now: () => Date.now() };
  const disabled = opts.disabledSignals ?? new Set<SignalName>();
  const models = { fingerprints: opts.fingerprints, categories: opts.categories, disabled };
  const evidenceCfg = opts.evidence ?? { samples: 3, maxChars: 300 };
  const orgRules = opts.rules.filter((r) => r.spec.scope === 'org');
  const clusterRules = opts.rules.filter((r) => r.spec.scope === 'cluster');
  const orgs = new Map<string, OrgRecord>();
  const clusterLabels = new Map<string, Map<ActivityLabel, { rule: CompiledRule; evidence: Record<string, unknown> }>>();
  const diag: DiagnosticCounts = { out_of_order: 0, unknown_orgs: 0, capped_prompts: 0, bad_timestamps: 0, late_org_lines: 0 };
  let virtualNow = -Infinity;
  let requests = 0;
  const dirty = new Set<string>();

  const report = (d: Diagnostic) => opts.onDiagnostic?.(d);
  const orgOf = (id: string): OrgRecord => {
    let o = orgs.get(id);
    if (!o) orgs.set(id, (o = new OrgRecord(id, orgs.size, emptyFacts(), !disabled.has('timing'))));
    dirty.add(id);
    return o;
  };

  // An org is local once this detector has ingested one of its requests; with several workers, every worker
  // knows every org's facts but only labels the orgs whose requests it judges. Linkage counts every org's
  // traffic from link records alone (linkTotals), never from the local windows: a worker's own requests reach
  // its linker only when their records come back through the shared stream, like everyone else's, so a cluster
  // formed in between cannot count them twice.
  const localOrgs = new Set<string>();
  const linkTotals = new Map<string, Totals>();
  const totalsOf = (id: string): Totals => {
    let t = linkTotals.get(id);
    if (!t) linkTotals.set(id, (t = new Totals()));
    return t;
  };
  const localOrg = (id: string): OrgRecord | undefined => (localOrgs.has(id) ? orgs.get(id) : undefined);
  const linker = new Linker(
    opts.linkage,
    totalsOf,
    (cluster, joined) => {
      // Members joining a cluster that already carries labels inherit them at their own request count.
      const labels = clusterLabels.get(cluster.id);
      if (!labels) return;
      for (const [label, { rule, evidence }] of labels)
        for (const m of joined) {
          const local = localOrg(m);
          if (local) attach(local, label, rule, evidence, cluster);
        }
    },
    disabled.has('linkage'),
  );

  function evidenceFor(rule: CompiledRule, ctx: FeatureContext): Record<string, unknown> {
    const ev: Record<string, unknown> = {};
    const get = (name: string) => resolveFeature(name)?.(ctx);
    ev.thresholds = conditionComparisons(rule.spec.when).map((c) => ({ ...c, actual: round(get(c.feature)) }));
    for (const e of rule.spec.evidence) {
      if (e === 'samples') ev.samples = ctx.org.sampleList();
      else if (e === 'benchmarks') {
        const counts = ctx.org.window.benchSourceCounts();
        const out: Record<string, number> = {};
        opts.fingerprints.sources.forEach((s, i) => {
          if (counts[i]! > 0) out[s.name] = counts[i]!;
        });
        ev.benchmarks = out;
      } else if (e === 'categories') {
        const counts = ctx.org.window.categoryCounts();
        const out: Record<string, number> = {};
        opts.categories.classes.forEach((c, i) => {
          if (counts[i]! > 0) out[c] = counts[i]!;
        });
        ev.categories = out;
      } else if (e === 'links') {
        if (ctx.cluster) ev.links = { cluster: ctx.cluster.id, orgs: ctx.cluster.members.length, signals: clusterSignals(ctx.cluster) };
      } else ev[e] = round(get(e));
    }
    return ev;
  }

  function attach(org: OrgRecord, label: ActivityLabel, rule: CompiledRule, evidence: Record<string, unknown>, cluster?: Cluster) {
    dirty.add(org.id);
    org.firedRules.add(rule.spec.id);
    const existing = org.activities.get(label);
    if (existing) {
      if (!existing.rules.includes(rule.spec.id)) {
        existing.rules.push(rule.spec.id);
        existing.confidence = round(1 - (1 - existing.confidence) * (1 - rule.spec.confidence)) as number;
      }
      return;
    }
    const a: Activity = {
      label,
      confidence: rule.spec.confidence,
      first_detected: { request: org.requests, ts: org.lastTs },
      rules: [rule.spec.id],
      evidence,
    };
    org.activities.set(label, a);
    opts.onLabel?.({ org: org.id, ...(cluster ? { cluster: cluster.id } : {}), ...a });
  }

  function evaluateOrgRules(org: OrgRecord): void {
    const ctx: FeatureContext = { org, cluster: linker.clusterOf(org.id), capability: opts.categories.capability };
    for (const rule of orgRules) {
      if (org.firedRules.has(rule.spec.id)) continue;
      if (rule.test(ctx)) attach(org, rule.spec.label, rule, evidenceFor(rule, ctx));
    }
  }

  // Cluster rules read cluster.* features; `org` is the requesting org when it is local, else a placeholder.
  let placeholder: OrgRecord | undefined;
  function evaluateClusterRules(orgId: string): void {
    const cluster = linker.clusterOf(orgId);
    if (!cluster || cluster.members.length < 2) return;
    const org = localOrg(orgId) ?? (placeholder ??= new OrgRecord('', -1, emptyFacts()));
    const ctx: FeatureContext = { org, cluster, capability: opts.categories.capability };
    let labels = clusterLabels.get(cluster.id);
    for (const rule of clusterRules) {
      if (labels?.has(rule.spec.label) || !rule.test(ctx)) continue;
      const evidence = evidenceFor(rule, ctx);
      if (!labels) clusterLabels.set(cluster.id, (labels = new Map()));
      labels.set(rule.spec.label, { rule, evidence });
      for (const m of cluster.members) {
        const local = localOrg(m);
        if (local) attach(local, rule.spec.label, rule, evidence, cluster);
      }
    }
  }

  function ingestLink(rec: LinkRecord): void {
    totalsOf(rec.org).add(rec, rec.novelty);
    linker.addToCluster(rec.org, rec);
    linker.observe(rec.org, rec);
    evaluateClusterRules(rec.org);
  }

  function ingestOrg(line: TraceOrgLine): void {
    const o = orgOf(line.id);
    if (o.requests > 0) {
      diag.late_org_lines++;
      report({ kind: 'late_org_line', org: line.id, message: `org line for ${line.id} after its first request; facts apply from here on` });
    }
    const grants = new Set<string>();
    for (const g of Array.isArray(line.grants) ? line.grants : []) if (g && typeof g.purpose === 'string') grants.add(g.purpose);
    o.facts = {
      known: true,
      ...(typeof line.name === 'string' ? { name: line.name } : {}),
      attributes: line.attributes && typeof line.attributes === 'object' ? { ...line.attributes } : {},
      grants,
      affiliates: Array.isArray(line.affiliates) ? line.affiliates.slice(0, 64) : [],
    };
  }

  function ingestRequest(line: TraceRequestLine): void {
    requests++;
    let ts = Date.parse(line.ts);
    if (Number.isNaN(ts)) {
      diag.bad_timestamps++;
      report({ kind: 'bad_timestamp', request: line.id, message: `request ${line.id}: unreadable ts ${JSON.stringify(line.ts)}` });
      ts = Math.max(virtualNow, clock.now());
    } else if (ts < virtualNow) {
      diag.out_of_order++;
      report({ kind: 'out_of_order', request: line.id, message: `request ${line.id}: ts ${line.ts} is before the clock; processed at arrival` });
      ts = virtualNow;
    }
    virtualNow = ts;
    const isNew = !orgs.has(line.org);
    const org = orgOf(line.org);
    if (isNew && !org.facts.known) {
      diag.unknown_orgs++;
      report({ kind: 'unknown_org', org: line.org, message: `org ${line.org} has no org line; created with no attributes or grants` });
    }
    localOrgs.add(org.id);
    const s: RequestSignals = extractSignals(line, ts, models);
    if (s.capped) diag.capped_prompts++;
    org.requests++;
    org.lastTsMs = ts;
    const novelty = org.window.push(s);
    org.totals.add(s, novelty);
    if (s.purpose) org.purposeWindow(s.purpose)?.push(s);
    org.keepSample(s.prompt, evidenceCfg.samples, evidenceCfg.maxChars);
    const rec: LinkRecord = {
      org: org.id,
      ...(s.ip24 ? { ip24: s.ip24 } : {}),
      ...(s.userAgent ? { userAgent: s.userAgent } : {}),
      systemHash: s.systemHash,
      templateHash: s.templateHash,
      cot: s.cot,
      sensitive: s.sensitive,
      capability: s.capability,
      bench: !!s.bench,
      singleTurn: s.singleTurn,
      novelty,
    };
    if (opts.shareLinks) opts.shareLinks(rec);
    else ingestLink(rec);
    evaluateOrgRules(org);
  }

  if (opts.restore) {
    const g = opts.restore.global;
    if (g.version !== 1) throw new Error(`checkpoint: unsupported version ${String(g.version)}`);
    for (const st of [...opts.restore.orgs].sort((a, b) => a.order - b.order)) orgs.set(st.id, OrgRecord.fromState(st, !disabled.has('timing')));
    virtualNow = unnum(g.virtualNow);
    requests = g.requests;
    Object.assign(diag, g.diagnostics);
    for (const id of g.localOrgs) localOrgs.add(id);
    for (const [id, t] of g.linkTotals) linkTotals.set(id, Totals.fromState(t));
    const byId = new Map(opts.rules.map((r) => [r.spec.id, r]));
    for (const [cid, labels] of g.clusterLabels) {
      const m = new Map<ActivityLabel, { rule: CompiledRule; evidence: Record<string, unknown> }>();
      for (const [label, ruleId, evidence] of labels) {
        const rule = byId.get(ruleId);
        if (rule) m.set(label, { rule, evidence });
      }
      clusterLabels.set(cid, m);
    }
    linker.restore(g.linker);
  }

  function checkpoint(o: { dirtyOnly?: boolean } = {}): DetectorCheckpoint {
    const list = o.dirtyOnly ? [...dirty].map((id) => orgs.get(id)).filter((x): x is OrgRecord => !!x) : [...orgs.values()];
    if (o.dirtyOnly) dirty.clear();
    return {
      global: {
        version: 1,
        virtualNow: num(virtualNow),
        requests,
        diagnostics: { ...diag },
        localOrgs: [...localOrgs],
        linkTotals: [...linkTotals].map(([id, t]) => [id, t.toState()]),
        clusterLabels: [...clusterLabels].map(([cid, m]) => [cid, [...m].map(([label, v]) => [label, v.rule.spec.id, v.evidence] as [ActivityLabel, string, Record<string, unknown>])]),
        linker: linker.toState(),
      },
      orgs: list.map((x) => x.toState()),
    };
  }

  return {
    checkpoint,
    markAllDirty: () => {
      for (const id of orgs.keys()) dirty.add(id);
    },
    ingest(line) {
      if (line.type === 'org') ingestOrg(line);
      else if (line.type === 'request') ingestRequest(line);
    },
    ingestOrg,
    ingestRequest,
    ingestLink,
    now: () => virtualNow,
    features(id) {
      const org = orgs.get(id);
      if (!org) return undefined;
      const ctx: FeatureContext = { org, cluster: linker.clusterOf(id), capability: opts.categories.capability };
      const names = [
        ...OrgWindow.FEATURES.map((f) => `w.${f}`),
        ...Totals.FEATURES.map((f) => `total.${f}`),
        ...[...org.purposes.keys()].flatMap((p) => PurposeWindow.FEATURES.map((f) => `purpose.${p}.${f}`)),
        'cluster.orgs',
        ...Totals.FEATURES.map((f) => `cluster.${f}`),
      ];
      return Object.fromEntries(names.map((n) => [n, round(resolveFeature(n)?.(ctx))]));
    },
    snapshot() {
      const list = [...orgs.values()].sort((a, b) => a.order - b.order);
      return {
        requests,
        orgs: list.map((o) => ({
          org: o.id,
          requests: o.requests,
          facts: o.facts,
          activities: LABEL_ORDER.map((l) => o.activities.get(l)).filter((a): a is Activity => !!a),
          cluster: linker.clusterOf(o.id)?.id ?? null,
        })),
        clusters: linker.allClusters().map((c) => ({ id: c.id, orgs: [...c.members].sort(), signals: clusterSignals(c) })),
        diagnostics: { ...diag },
      };
    },
  };
}

function round(v: unknown): unknown {
  return typeof v === 'number' ? Math.round(v * 1000) / 1000 : v;
}
