// Replay report, format v1. Field names and nesting are the published contract; `diagnostics`
// is the one addition: what the reader skipped or repaired.
import type { ActionFor, ReportAction } from './action-for.js';
import type { DetectionSnapshot, DiagnosticCounts } from './detector.js';
import type { ActivityLabel } from '../model/activity.js';
import type { SkippedLine } from './trace-reader.js';
import type { CompiledRule } from './rules/load-rules.js';

export interface ReportActivityV1 {
  label: ActivityLabel;
  confidence: number;
  first_detected: { request: number; ts: string };
  rules: string[];
  evidence: Record<string, unknown>;
}

export interface ReportOrgV1 {
  org: string;
  requests: number;
  activities: ReportActivityV1[];
  action: ReportAction;
  cluster: string | null;
}

export interface ReportClusterV1 {
  id: string;
  orgs: string[];
  signals: Array<{ kind: string; values: string[] }>;
}

export interface ReportDiagnosticsV1 extends DiagnosticCounts {
  malformed_lines: number;
  /** First skipped lines with their numbers and reasons (capped at 100). */
  skipped: SkippedLine[];
  unknown_org_ids: string[];
}

export interface ReplayReportV1 {
  version: 1;
  requests: number;
  orgs: ReportOrgV1[];
  clusters: ReportClusterV1[];
  diagnostics: ReportDiagnosticsV1;
}

/**
 * The cluster enforcement sees for an org, as the live detection tracker builds it: only a label a cluster rule
 * attached (or a member inherited) comes with its cluster, and the cluster's members are the orgs so labelled. An
 * org that an org rule labelled while it sat in a cluster is acted on alone, live and in replay alike.
 */
function enforcementClusters(snap: DetectionSnapshot, clusterRules: ReadonlySet<string>): Map<string, { id: string; orgs: readonly string[] }> {
  const labelled = new Map<string, string[]>();
  for (const o of snap.orgs)
    // The rule that first attached the label: the live tracker hears of a label once, from that rule.
    if (o.cluster && o.activities.some((a) => a.rules[0] !== undefined && clusterRules.has(a.rules[0]))) {
      const m = labelled.get(o.cluster) ?? [];
      m.push(o.org);
      labelled.set(o.cluster, m);
    }
  const out = new Map<string, { id: string; orgs: readonly string[] }>();
  for (const [id, orgs] of labelled) for (const org of orgs) out.set(org, { id, orgs: [...orgs].sort() });
  return out;
}

/** The ids of the cluster-scope rules, which `buildReport` reads to decide the cluster enforcement acts on. */
export function clusterRuleIds(rules: readonly CompiledRule[]): ReadonlySet<string> {
  return new Set(rules.filter((r) => r.spec.scope === 'cluster').map((r) => r.spec.id));
}

export function buildReport(
  snap: DetectionSnapshot,
  reader: { malformed: number; skipped: SkippedLine[] },
  action: ActionFor,
  /** Ids of the cluster-scope rules (what decides the cluster enforcement acts on). */
  clusterRules: ReadonlySet<string>,
  policy?: unknown,
): ReplayReportV1 {
  const enforced = enforcementClusters(snap, clusterRules);
  return {
    version: 1,
    requests: snap.requests,
    orgs: snap.orgs.map((o) => ({
      org: o.org,
      requests: o.requests,
      activities: o.activities.map((a) => ({ ...a, rules: [...a.rules] })),
      action: action({
        org: o.org,
        facts: o.facts,
        activities: o.activities,
        cluster: enforced.get(o.org) ?? null,
        policy,
      }),
      cluster: o.cluster,
    })),
    clusters: snap.clusters.map((c) => ({ id: c.id, orgs: c.orgs, signals: c.signals })),
    diagnostics: {
      ...snap.diagnostics,
      malformed_lines: reader.malformed,
      skipped: reader.skipped.slice(0, 100),
      unknown_org_ids: snap.orgs.filter((o) => !o.facts.known).map((o) => o.org).slice(0, 1000),
    },
  };
}

export function renderText(r: ReplayReportV1): string {
  const lines = [`moat replay report v1: ${r.requests} requests, ${r.orgs.length} orgs, ${r.clusters.length} clusters`];
  for (const o of r.orgs) {
    if (!o.activities.length && o.action.type === 'none') continue;
    lines.push(`${o.org} (${o.requests} requests${o.cluster ? `, ${o.cluster}` : ''}) action=${o.action.type}`);
    for (const a of o.activities)
      lines.push(`  ${a.label} conf=${a.confidence} at request ${a.first_detected.request} (${a.first_detected.ts}) rules=${a.rules.join(',')}`);
  }
  const quiet = r.orgs.filter((o) => !o.activities.length && o.action.type === 'none').length;
  lines.push(`${quiet} orgs with no findings`);
  for (const c of r.clusters) lines.push(`${c.id}: ${c.orgs.length} orgs linked by ${c.signals.map((s) => s.kind).join(', ')}`);
  const d = r.diagnostics;
  lines.push(
    `diagnostics: malformed=${d.malformed_lines} out_of_order=${d.out_of_order} unknown_orgs=${d.unknown_orgs} capped_prompts=${d.capped_prompts} bad_timestamps=${d.bad_timestamps}`,
  );
  return lines.join('\n') + '\n';
}
