// The detection pipeline: one entry for live events (gateway consumer feeds toTraceLine(event)) and replayed
// trace lines alike. Online: a label attached at an org's k-th request uses only what arrived up to it.
// Time is virtual: it follows the events' timestamps and never goes backwards.
import { asksForText, type TraceLine, type TraceOrgLine, type TraceRequestLine } from '../events/trace-format.js';
import type { DetectionAssets } from './assets.js';
import type { Aggregate } from './aggregate-features.js';
import { featureNames, resolveFeature, topScoredKey, type FeatureContext } from './feature-catalog.js';
import { num, unnum, type Num } from './checkpoint/codec.js';
import { Linker, memberReasons, type Cluster, type ClusterLink, type LinkerEntries, type LinkerHead, type LinkEvaluation } from './linkage/linker.js';
import { linkRecordOf, type LinkRecord } from './linkage/link-record.js';
import { OrgRecord, emptyFacts, type OrgLineFacts, type OrgState } from './org-record.js';
import { conditionComparisons } from './rules/condition.js';
import type { CompiledRule } from './rules/load-rules.js';
import type { Activity, ActivityLabel } from '../model/activity.js';
import { CUE_NAMES } from './signals/harness-cues.js';
import { createPromptMemo, extractSignals, type RequestSignals, type SignalName } from './signals/request-signals.js';
import { HARMFUL, NEW_BIAS, NEW_TOOLS, REPROBE, SINGLE_TURN } from './signals/request-flags.js';
import { readingOf } from './text/deobfuscate.js';
import { marksOf, signalsForRule } from './signals/sample-signals.js';
import { HARM_CATEGORIES, TOPICS } from './signals/taxonomy.js';
import { CUE_OFF, HARM_OFF, TOPIC_OFF } from './tally.js';
import { explainRules, type ExplainEntry, type ExplainTimeline } from './explain.js';
import { CHECKPOINT_VERSION, migrateRestore, READABLE_CHECKPOINT_VERSIONS, readableVersionsText } from './checkpoint/migrate.js';

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

export interface DetectorOptions extends DetectionAssets {
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
  /** Continue from a checkpoint (Detector.checkpoint, or the merge of a full one and later incremental ones). */
  restore?: DetectorRestore;
  /** Record a timeline of every feature, score and rule condition for these orgs (`moat replay --explain`). */
  explain?: ReadonlySet<string>;
  /** Called after each request with the window it went to (the score trainer samples windows here). */
  onWindow?: (org: string, requests: number, window: Aggregate, purpose: string | undefined) => void;
  /** Called when a cluster's rules are evaluated, with the cluster and its combined traffic (training, eval margins). */
  onClusterWindow?: (cluster: { id: string; members: readonly string[] }, combined: Aggregate) => void;
}

export { CHECKPOINT_VERSION } from './checkpoint/migrate.js';

/** Detector-wide state besides the orgs and linkage entries: cluster labels, clock, counters (small). */
export interface DetectorGlobalState {
  /** CHECKPOINT_VERSION when written; an earlier readable version when restored from an older moat. */
  version: number;
  virtualNow: Num;
  requests: number;
  diagnostics: DiagnosticCounts;
  /** cluster id -> [label, rule id, evidence]; a rule no longer loaded is dropped on restore. */
  clusterLabels: Array<[string, Array<[ActivityLabel, string, Record<string, unknown>]>]>;
  linker: LinkerHead;
}

export interface DetectorCheckpoint {
  /** Everything: the store replaces what it holds (else the orgs and linkage entries apply on top of it). */
  full: boolean;
  global: DetectorGlobalState;
  /** Every org when full, else only those changed since the previous dirtyOnly checkpoint. */
  orgs: OrgState[];
  /** Linkage entries by org, value and cluster (with dirtyOnly: changed ones, null for removed ones). */
  linkage: LinkerEntries;
}

/** What a store holds after applying checkpoints in order: the latest global state, the latest entry per key. */
export interface DetectorRestore {
  global: DetectorGlobalState;
  orgs: OrgState[];
  linkage: Omit<LinkerEntries, 'full'>;
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
  facts: OrgLineFacts;
  activities: Activity[];
  cluster: string | null;
}

export interface ClusterMember {
  org: string;
  /** The link that brought this member (or the group it came with) into the cluster. */
  via?: ClusterLink;
}

export interface ClusterSnapshot {
  id: string;
  orgs: string[];
  /** Evidence kinds that link the cluster (summary). */
  signals: Array<{ kind: string; values: string[] }>;
  members: ClusterMember[];
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
  /** Every feature value of one org right now (debugging, rules tuning); undefined for an unseen org. */
  features(org: string): Record<string, unknown> | undefined;
  /** The org's explain timeline (with DetectorOptions.explain) plus its state right now. */
  explain(org: string): ExplainTimeline | undefined;
  /** The linkage evidence two orgs share right now (why they are, or are not, linked). */
  explainLink(a: string, b: string): LinkEvaluation | undefined;
  /**
   * State to persist (plain JSON). dirtyOnly: just the orgs and linkage entries changed since the last dirtyOnly
   * checkpoint, for an incremental store where each key's latest entry overwrites its previous one and a null
   * linkage entry deletes it; `full` says when it is everything instead (the first one, or after markAllDirty,
   * which a failed write must call). Bounded: windows and sketches per org, no prompt lists.
   */
  checkpoint(opts?: { dirtyOnly?: boolean }): DetectorCheckpoint;
  markAllDirty(): void;
}

/** Members (with the link that brought each) a label's evidence lists. */
const MAX_LINK_EVIDENCE = 200;

const LABEL_ORDER: ActivityLabel[] = ['benchmarking', 'distillation', 'safety_probing', 'scope_violation', 'model_extraction'];
/** How often (virtual time: once per clock hour) idle orgs are looked for. */
const IDLE_SWEEP_MS = 3_600_000;
const COMPETITOR_RELATIONS = new Set(['acquirer', 'acquired', 'parent', 'subsidiary', 'affiliate']);

/** When explain records a timeline entry: these request counts, then every 100. */
function explainPoint(k: number): boolean {
  return [1, 5, 10, 20, 30, 40, 50, 75, 100, 150, 200].includes(k) || k % 100 === 0;
}

export function createDetector(opts: DetectorOptions): Detector {
  const clock = opts.clock ?? { now: () => Date.now() };
  const disabled = opts.disabledSignals ?? new Set<SignalName>();
  const models = { fingerprints: opts.fingerprints, text: opts.text, disabled, memo: createPromptMemo() };
  const evidenceCfg = opts.evidence ?? { samples: 3, maxChars: 300 };
  // An org rule that reads its cluster is judged when the org's link record is applied: with Redis Streams workers
  // the record comes back through the stream after the request, and judged at the request it would read the cluster
  // as it was before (replay applies the record first, so both read the same cluster; a worker reads the org's
  // window as it is when the record comes back, a few requests on).
  const readsCluster = (r: CompiledRule) => conditionComparisons(r.spec.when).some((c) => c.feature.startsWith('cluster.'));
  const orgRules = opts.rules.filter((r) => r.spec.scope === 'org' && !readsCluster(r));
  const linkedOrgRules = opts.rules.filter((r) => r.spec.scope === 'org' && readsCluster(r));
  const clusterRules = opts.rules.filter((r) => r.spec.scope === 'cluster');
  const orgs = new Map<string, OrgRecord>();
  const clusterLabels = new Map<string, Map<ActivityLabel, { rule: CompiledRule; evidence: Record<string, unknown> }>>();
  const diag: DiagnosticCounts = { out_of_order: 0, unknown_orgs: 0, capped_prompts: 0, bad_timestamps: 0, late_org_lines: 0 };
  const timelines = new Map<string, ExplainEntry[]>();
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
  const competitor = (o: OrgRecord): boolean => {
    if (o.facts.attributes.competitor === true) return true;
    for (const a of o.facts.affiliates) if (COMPETITOR_RELATIONS.has(a.relation) && orgs.get(a.org)?.facts.attributes.competitor === true) return true;
    return false;
  };
  const ctxOf = (org: OrgRecord, cluster: Cluster | undefined): FeatureContext => ({ org, cluster, baselines: opts.baselines, scores: opts.scores, competitor });

  // An org is local once this detector has ingested one of its requests; with several workers, every worker
  // knows every org's facts but only labels the orgs whose requests it judges. Cluster traffic comes from link
  // records alone, so a worker's own requests count once, when their records come back through the stream.
  const localOrgs = new Set<string>();
  const localOrg = (id: string): OrgRecord | undefined => (localOrgs.has(id) ? orgs.get(id) : undefined);
  const linker = new Linker(
    opts.linkage,
    (cluster, joined) => {
      // Members joining a cluster that already carries labels inherit them at their own request count.
      const labels = clusterLabels.get(cluster.id);
      if (!labels) return;
      for (const [label, { rule, evidence }] of labels) {
        // The cluster's verdict, with its links as they are now (the joiners' own links included).
        const current = evidence.links ? { ...evidence, links: { cluster: cluster.id, orgs: cluster.members.length, members: memberReasons(cluster).slice(0, MAX_LINK_EVIDENCE) } } : evidence;
        for (const m of joined) {
          const local = localOrg(m);
          if (local) attach(local, label, rule, current, cluster);
        }
      }
    },
    disabled.has('linkage'),
    // A split cluster's verdicts were reached on traffic some of which has left it: its parts earn their own. The
    // labels its members hold stay (they were attached on the evidence of their time).
    (id) => clusterLabels.delete(id),
  );

  function categoriesOf(org: OrgRecord): Record<string, Record<string, number>> {
    const t = org.window.tally.v;
    const pick = (names: readonly string[], off: number) => Object.fromEntries(names.map((n, i) => [n, t[off + i]!]).filter(([, v]) => (v as number) > 0));
    return { topics: pick(TOPICS, TOPIC_OFF), harm: pick(HARM_CATEGORIES, HARM_OFF), cues: pick(CUE_NAMES.map(([, n]) => n), CUE_OFF) };
  }

  function evidenceFor(rule: CompiledRule, ctx: FeatureContext): Record<string, unknown> {
    const ev: Record<string, unknown> = {};
    const get = (name: string) => resolveFeature(name)?.(ctx);
    const comparisons = conditionComparisons(rule.spec.when);
    ev.thresholds = comparisons.map((c) => ({ ...c, actual: round(get(c.feature)) }));
    // Each score the rule reads, with what every signal contributed to it.
    const scores: Record<string, unknown> = {};
    for (const c of comparisons) {
      const m = /^(?:(cluster|key)\.|purpose\.([^.]+)\.)?(network_)?score\.(\w+)$/.exec(c.feature);
      const model = m && (m[3] === undefined || m[1] === 'cluster') ? opts.scores.get(m[4] as ActivityLabel) : undefined;
      if (!m || !model) continue;
      const agg = m[1] === 'cluster' ? ctx.cluster?.agg : m[1] === 'key' ? topScoredKey(ctx.org, model, opts.baselines)?.agg : m[2] !== undefined ? ctx.org.purposes.get(m[2]) : ctx.org.window;
      if (agg) scores[c.feature] = (m[3] ? model.cluster : model).explain(agg, opts.baselines);
    }
    if (Object.keys(scores).length) ev.scores = scores;
    for (const e of rule.spec.evidence) {
      if (e === 'samples') {
        ev.samples = ctx.org.sampleList();
        // Which sample showed what this rule reads: its compared features and the features behind its scores.
        const read = new Set(comparisons.map((c) => c.feature));
        for (const s of Object.values(scores) as Array<{ contributions?: Array<{ feature: string; contribution: number }> }>)
          for (const c of s.contributions ?? []) if (c.contribution > 0) read.add(c.feature.includes('.') ? c.feature : `w.${c.feature}`);
        ev.sampleSignals = ctx.org.sampleSignalList().map((tags) => signalsForRule(tags, read));
      }
      else if (e === 'benchmarks') {
        const counts = ctx.org.window.benchSourceCounts();
        const out: Record<string, number> = {};
        opts.fingerprints.sources.forEach((s, i) => {
          if (counts[i]! > 0) out[s.name] = counts[i]!;
        });
        ev.benchmarks = out;
      } else if (e === 'categories') ev.categories = categoriesOf(ctx.org);
      else if (e === 'links') {
        if (ctx.cluster) ev.links = { cluster: ctx.cluster.id, orgs: ctx.cluster.members.length, members: memberReasons(ctx.cluster).slice(0, MAX_LINK_EVIDENCE) };
      } else ev[e] = round(get(e));
    }
    return ev;
  }

  /** The label's confidence: the calibrated score when the rule rests on one, else the rule's own. */
  function confidenceOf(rule: CompiledRule, ev: Record<string, unknown>): number {
    const scores = ev.scores as Record<string, { score: number }> | undefined;
    if (scores) {
      const vals = Object.values(scores).map((s) => s.score);
      if (vals.length) return round(Math.max(...vals)) as number;
    }
    return rule.spec.confidence;
  }

  function attach(org: OrgRecord, label: ActivityLabel, rule: CompiledRule, evidence: Record<string, unknown>, cluster?: Cluster) {
    dirty.add(org.id);
    org.firedRules.add(rule.spec.id);
    const existing = org.activities.get(label);
    if (existing) {
      if (!existing.rules.includes(rule.spec.id)) {
        existing.rules.push(rule.spec.id);
        existing.confidence = round(1 - (1 - existing.confidence) * (1 - confidenceOf(rule, evidence))) as number;
      }
      return;
    }
    const a: Activity = {
      label,
      confidence: confidenceOf(rule, evidence),
      first_detected: { request: org.requests, ts: org.lastTs },
      rules: [rule.spec.id],
      evidence,
    };
    org.activities.set(label, a);
    if (opts.explain?.has(org.id)) recordExplain(org, `label ${label} (${rule.spec.id})`);
    opts.onLabel?.({ org: org.id, ...(cluster ? { cluster: cluster.id } : {}), ...a });
  }

  function evaluateOrgRules(org: OrgRecord, rules: readonly CompiledRule[] = orgRules): void {
    const ctx = ctxOf(org, linker.clusterOf(org.id));
    for (const rule of rules) {
      if (org.firedRules.has(rule.spec.id)) continue;
      const need = rule.spec.sustain ?? 1;
      if (!rule.test(ctx)) {
        if (need > 1) org.streaks.delete(rule.spec.id);
        continue;
      }
      if (need > 1) {
        const n = (org.streaks.get(rule.spec.id) ?? 0) + 1;
        if (n < need) {
          org.streaks.set(rule.spec.id, n);
          continue;
        }
        org.streaks.delete(rule.spec.id);
      }
      attach(org, rule.spec.label, rule, evidenceFor(rule, ctx));
    }
  }

  // Cluster rules read cluster.* features; `org` is the requesting org when it is local, else a placeholder.
  let placeholder: OrgRecord | undefined;
  function evaluateClusterRules(orgId: string): void {
    const cluster = linker.clusterOf(orgId);
    if (!cluster || cluster.members.length < 2) return;
    const org = localOrg(orgId) ?? (placeholder ??= new OrgRecord('', -1, emptyFacts()));
    const ctx = ctxOf(org, cluster);
    opts.onClusterWindow?.(cluster, cluster.agg);
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
    linker.observe(rec);
    evaluateClusterRules(rec.org);
    const local = linkedOrgRules.length ? localOrg(rec.org) : undefined;
    if (local) evaluateOrgRules(local, linkedOrgRules);
  }

  function ingestOrg(line: TraceOrgLine): void {
    const o = orgOf(line.id);
    if (o.requests > 0) {
      diag.late_org_lines++;
      report({ kind: 'late_org_line', org: line.id, message: `org line for ${line.id} after its first request; facts apply from here on` });
    }
    const grants = new Set<string>();
    for (const g of Array.isArray(line.grants) ? line.grants : []) if (g && typeof g.purpose === 'string') grants.add(g.purpose);
    const affiliates: OrgLineFacts['affiliates'] = [];
    for (const a of Array.isArray(line.affiliates) ? line.affiliates.slice(0, 64) : [])
      if (a && typeof a.org === 'string' && typeof a.relation === 'string') affiliates.push({ org: a.org, relation: a.relation });
    const created = typeof line.created_at === 'string' ? Date.parse(line.created_at) : NaN;
    o.facts = {
      known: true,
      ...(typeof line.name === 'string' ? { name: line.name } : {}),
      attributes: line.attributes && typeof line.attributes === 'object' ? { ...line.attributes } : {},
      grants,
      affiliates,
      ...(Number.isFinite(created) ? { created } : {}),
    };
  }

  function recordExplain(org: OrgRecord, event?: string): void {
    const list = timelines.get(org.id) ?? [];
    timelines.set(org.id, list);
    if (list.length >= 500) return;
    const cluster = linker.clusterOf(org.id);
    const ctx = ctxOf(org, cluster);
    const features: Record<string, unknown> = {};
    for (const n of featureNames(org, !!cluster)) features[n] = round(resolveFeature(n)?.(ctx));
    const scores: Record<string, unknown> = {};
    for (const [label, m] of opts.scores) {
      scores[label] = m.explain(org.window, opts.baselines);
      // The key that `key.score.<label>` reads, with what its own traffic contributed (one customer of a reseller).
      const key = topScoredKey(org, m, opts.baselines);
      if (key) scores[`key.score.${label}`] = m.explain(key.agg, opts.baselines);
    }
    list.push({
      request: org.requests,
      ts: org.lastTs,
      ...(event ? { event } : {}),
      cluster: cluster ? { id: cluster.id, orgs: cluster.members.length } : null,
      features,
      scores,
      rules: explainRules(opts.rules, ctx, resolveFeature),
    });
  }

  // Orgs idle longer than the linkage's idle_eviction_hours keep their facts and labels but drop their windows.
  const idleMs = opts.linkage.idle_eviction_hours * 3_600_000;
  let lastIdleSweep = -Infinity;
  function compactIdle(now: number): void {
    lastIdleSweep = now;
    for (const o of orgs.values())
      if (!o.compacted && now - o.lastTsMs > idleMs) {
        o.compact();
        dirty.add(o.id);
      }
  }

  function ingestRequest(line: TraceRequestLine): void {
    requests++;
    if (!asksForText(line)) return;
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
    // At the first event of each clock hour: a schedule fixed by event time alone, so a detector restored from a
    // checkpoint (which resumes with the sweep of virtualNow's hour done) sweeps exactly when one never stopped.
    if (Math.floor(ts / IDLE_SWEEP_MS) > Math.floor(lastIdleSweep / IDLE_SWEEP_MS)) compactIdle(ts);
    const isNew = !orgs.has(line.org);
    const org = orgOf(line.org);
    // An org back after an idle spell starts afresh whether or not the sweep reached it first.
    if (!isNew && ts - org.lastTsMs > idleMs && !org.compacted) org.compact();
    if (isNew && !org.facts.known) {
      diag.unknown_orgs++;
      report({ kind: 'unknown_org', org: line.org, message: `org ${line.org} has no org line; created with no attributes or grants` });
    }
    localOrgs.add(org.id);
    const s: RequestSignals = extractSignals(line, ts, models);
    if (s.capped) diag.capped_prompts++;
    org.requests++;
    org.lastTsMs = ts;
    org.clearScores();
    // Traffic under a purpose the org holds a grant for is judged on its own (scope rules); the rest is the
    // org's ordinary traffic.
    const purposeWindow = s.purpose && org.facts.grants.has(s.purpose) ? org.purposeWindow(s.purpose) : undefined;
    const window = purposeWindow ?? org.window;
    // A follow-up opens its conversation as far as the org's traffic shows when its history is a fixed preamble
    // (repeated) or when it continues no conversation the org held (a made-up dialogue in front of each item).
    // The turn a purpose's follow-up follows may have been sent outside the purpose (its window is shorter too).
    const own = purposeWindow ? org.windowIfAny : undefined;
    if (window.hasHistory(s.historyHash) || (s.parentTurnHash !== 0 && !window.continues(s.parentTurnHash, s.turnHash, s.stepsAfterTurn) && !own?.continues(s.parentTurnHash, s.turnHash, s.stepsAfterTurn))) s.flags |= SINGLE_TURN;
    if (window.newTools(s.toolNames)) s.flags |= NEW_TOOLS;
    if (window.newBias(s.biasTokens)) s.flags |= NEW_BIAS;
    if (window.reprobe(s)) s.flags |= REPROBE;
    const novelty = window.push(s);
    if (evidenceCfg.samples > 0 && s.prompt) {
      // A harmful request sent disguised (base64, a cipher, look-alike letters) is kept as it reads, and marked so:
      // its raw text would show an analyst nothing of why it counted. Only harmful requests pay for a second reading.
      const reading = s.flags & HARMFUL ? readingOf(s.prompt) : undefined;
      const disguised = reading?.obfuscated === true;
      org.keepSample(disguised ? reading.text : s.prompt, evidenceCfg.samples, evidenceCfg.maxChars, marksOf(s, disguised));
    }
    const rec = linkRecordOf(org.id, s, novelty, !!purposeWindow, org.facts.created);
    if (typeof line.key === 'string') org.addKeyTraffic(line.key.slice(0, 200), rec);
    if (opts.shareLinks) opts.shareLinks(rec);
    else ingestLink(rec);
    evaluateOrgRules(org);
    opts.onWindow?.(org.id, org.requests, window, purposeWindow ? s.purpose : undefined);
    if (opts.explain?.has(org.id) && explainPoint(org.requests)) recordExplain(org);
  }

  if (opts.restore) {
    if (!READABLE_CHECKPOINT_VERSIONS.includes(opts.restore.global.version))
      throw new Error(`checkpoint: version ${String(opts.restore.global.version)} is not supported (this moat reads versions ${readableVersionsText()}; start without the checkpoint)`);
    const restore = migrateRestore(opts.restore);
    const g = restore.global;
    for (const st of [...restore.orgs].sort((a, b) => a.order - b.order)) {
      orgs.set(st.id, OrgRecord.fromState(st, !disabled.has('timing')));
      if (st.local) localOrgs.add(st.id);
    }
    virtualNow = unnum(g.virtualNow);
    lastIdleSweep = virtualNow;
    requests = g.requests;
    Object.assign(diag, g.diagnostics);
    const byId = new Map(opts.rules.map((r) => [r.spec.id, r]));
    for (const [cid, labels] of g.clusterLabels) {
      const m = new Map<ActivityLabel, { rule: CompiledRule; evidence: Record<string, unknown> }>();
      for (const [label, ruleId, evidence] of labels) {
        const rule = byId.get(ruleId);
        if (rule) m.set(label, { rule, evidence });
      }
      clusterLabels.set(cid, m);
    }
    linker.restore(g.linker, restore.linkage);
  }

  function checkpoint(o: { dirtyOnly?: boolean } = {}): DetectorCheckpoint {
    const link = linker.checkpoint(o);
    const full = link.entries.full;
    const list = full ? [...orgs.values()] : [...dirty].map((id) => orgs.get(id)).filter((x): x is OrgRecord => !!x);
    if (o.dirtyOnly) dirty.clear();
    return {
      full,
      global: {
        version: CHECKPOINT_VERSION,
        virtualNow: num(virtualNow),
        requests,
        diagnostics: { ...diag },
        clusterLabels: [...clusterLabels].map(([cid, m]) => [cid, [...m].map(([label, v]) => [label, v.rule.spec.id, v.evidence] as [ActivityLabel, string, Record<string, unknown>])]),
        linker: link.head,
      },
      // Local orgs are marked in their own state: a list of them all would make every write grow with the orgs.
      orgs: list.map((x) => (localOrgs.has(x.id) ? { ...x.toState(), local: true } : x.toState())),
      linkage: link.entries,
    };
  }

  /** Facts as enforcement reads them: affiliates carry their own attributes (a competitor affiliate counts). */
  function factsOf(o: OrgRecord): OrgLineFacts {
    return { ...o.facts, affiliates: o.facts.affiliates.map((a) => ({ ...a, attributes: orgs.get(a.org)?.facts.attributes ?? {} })) };
  }

  return {
    checkpoint,
    markAllDirty: () => {
      for (const id of orgs.keys()) dirty.add(id);
      linker.markAllDirty();
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
      const cluster = linker.clusterOf(id);
      const ctx = ctxOf(org, cluster);
      return Object.fromEntries(featureNames(org, !!cluster).map((n) => [n, round(resolveFeature(n)?.(ctx))]));
    },
    explainLink: (a, b) => linker.explainPair(a, b),
    explain(id) {
      const org = orgs.get(id);
      if (!org) return undefined;
      recordExplain(org, 'now');
      const entries = timelines.get(id) ?? [];
      timelines.set(id, entries.slice(0, -1)); // "now" is not part of the recorded history
      const cluster = linker.clusterOf(id);
      return {
        org: id,
        requests: org.requests,
        activities: LABEL_ORDER.map((l) => org.activities.get(l)).filter((a): a is Activity => !!a),
        cluster: cluster ? { id: cluster.id, members: memberReasons(cluster) } : null,
        timeline: entries,
      };
    },
    snapshot() {
      const list = [...orgs.values()].sort((a, b) => a.order - b.order);
      return {
        requests,
        orgs: list.map((o) => ({
          org: o.id,
          requests: o.requests,
          facts: factsOf(o),
          activities: LABEL_ORDER.map((l) => o.activities.get(l)).filter((a): a is Activity => !!a),
          cluster: linker.clusterOf(o.id)?.id ?? null,
        })),
        clusters: linker.allClusters().map((c) => ({ id: c.id, orgs: [...c.members].sort(), signals: clusterSignals(c), members: memberReasons(c) })),
        diagnostics: { ...diag },
      };
    },
  };
}

/** Evidence kinds and values that link a cluster, summarised over its links. */
export function clusterSignals(c: Cluster): Array<{ kind: string; values: string[] }> {
  const byKind = new Map<string, Set<string>>();
  for (const l of c.links)
    for (const r of l.reasons) {
      let s = byKind.get(r.kind);
      if (!s) byKind.set(r.kind, (s = new Set()));
      if (r.value && s.size < 8) s.add(r.value);
    }
  return [...byKind].sort((a, b) => a[0].localeCompare(b[0])).map(([kind, values]) => ({ kind, values: [...values].sort() }));
}

function round(v: unknown): unknown {
  return typeof v === 'number' ? Math.round(v * 1000) / 1000 : v;
}
