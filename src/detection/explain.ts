// Why an org was or was not flagged: its features and scores over time, and every rule's conditions with
// their actual values and whether each holds (`moat replay TRACE --explain ORG`, the admin API).
import type { FeatureContext } from './feature-catalog.js';
import type { Activity } from '../model/activity.js';
import type { Condition } from './rules/rule-schema.js';
import type { Getter } from './rules/condition.js';
import type { CompiledRule } from './rules/load-rules.js';
import type { ClusterLink } from './linkage/linker.js';

export interface ConditionResult {
  feature: string;
  op: string;
  value: unknown;
  actual: unknown;
  holds: boolean;
}

export interface RuleResult {
  id: string;
  label: string;
  scope: 'org' | 'cluster';
  holds: boolean;
  conditions: ConditionResult[];
}

export interface ExplainEntry {
  request: number;
  ts: string;
  event?: string;
  cluster: { id: string; orgs: number } | null;
  features: Record<string, unknown>;
  scores: Record<string, unknown>;
  rules: RuleResult[];
}

export interface ExplainTimeline {
  org: string;
  requests: number;
  activities: Activity[];
  cluster: { id: string; members: Array<{ org: string; via?: ClusterLink }> } | null;
  /** Recorded history (with --explain), oldest first; the last entry is the org's state now. */
  timeline: ExplainEntry[];
}

function compare(op: string, actual: unknown, value: unknown): boolean {
  if (actual === undefined) return false;
  if (op === '==') return actual === value;
  if (op === '!=') return actual !== value;
  if (typeof actual !== 'number' || typeof value !== 'number') return false;
  return op === '>=' ? actual >= value : op === '>' ? actual > value : op === '<=' ? actual <= value : actual < value;
}

function walk(c: Condition, ctx: FeatureContext, resolve: (n: string) => Getter<FeatureContext> | undefined, out: ConditionResult[]): boolean {
  if ('all' in c) return c.all.map((x) => walk(x, ctx, resolve, out)).every(Boolean);
  if ('any' in c) return c.any.map((x) => walk(x, ctx, resolve, out)).some(Boolean);
  if ('not' in c) return !walk(c.not, ctx, resolve, out);
  const raw = resolve(c.feature)?.(ctx);
  const actual = typeof raw === 'number' ? Math.round(raw * 1000) / 1000 : raw;
  const holds = compare(c.op, raw, c.value);
  out.push({ feature: c.feature, op: c.op, value: c.value, actual, holds });
  return holds;
}

export function explainRules(rules: readonly CompiledRule[], ctx: FeatureContext, resolve: (n: string) => Getter<FeatureContext> | undefined): RuleResult[] {
  return rules.map((r) => {
    const conditions: ConditionResult[] = [];
    const holds = walk(r.spec.when, ctx, resolve, conditions);
    return { id: r.spec.id, label: r.spec.label, scope: r.spec.scope, holds, conditions };
  });
}

/** A plain-text rendering for the terminal. */
export function renderExplain(t: ExplainTimeline): string {
  const lines: string[] = [`${t.org}: ${t.requests} requests`];
  lines.push(t.activities.length ? `labels: ${t.activities.map((a) => `${a.label} at request ${a.first_detected.request} (${a.rules.join(',')}, confidence ${a.confidence})`).join('; ')}` : 'labels: none');
  if (t.cluster) {
    lines.push(`cluster ${t.cluster.id} (${t.cluster.members.length} accounts):`);
    for (const m of t.cluster.members.slice(0, 30))
      lines.push(`  ${m.org}${m.via ? ` <- ${m.via.to}: ${m.via.strength} nats (${m.via.reasons.map((r) => `${r.kind}${r.value ? ` ${r.value}` : ''} ${r.nats} [${r.detail}]`).join(', ')})` : ''}`);
  }
  for (const e of t.timeline) {
    lines.push('', `-- request ${e.request} at ${e.ts}${e.event ? ` (${e.event})` : ''}${e.cluster ? `, cluster ${e.cluster.id} of ${e.cluster.orgs}` : ''}`);
    for (const [label, s] of Object.entries(e.scores)) {
      const sc = s as { score: number; bias: number; contributions: Array<{ feature: string; value: unknown; contribution: number }> };
      const top = sc.contributions.filter((c) => c.contribution !== 0).slice(0, 6).map((c) => `${c.feature}=${String(c.value)} (${c.contribution > 0 ? '+' : ''}${c.contribution})`);
      // The window's scores are keyed by label; other scopes (key.score.<label>) by the feature name rules read.
      lines.push(`  ${label.includes('.') ? label : `score.${label}`} = ${sc.score}  [bias ${sc.bias}; ${top.join(', ')}]`);
    }
    for (const r of e.rules) {
      const conds = r.conditions.map((c) => `${c.holds ? '✓' : '✗'} ${c.feature} ${c.op} ${String(c.value)} (is ${String(c.actual)})`);
      lines.push(`  ${r.holds ? 'FIRES' : 'no   '} ${r.id} [${r.label}]: ${conds.join('; ')}`);
    }
  }
  const last = t.timeline[t.timeline.length - 1];
  if (last) {
    lines.push('', 'features now:');
    for (const [k, v] of Object.entries(last.features)) if (v !== undefined && v !== 0 && v !== false) lines.push(`  ${k} = ${String(v)}`);
  }
  return lines.join('\n') + '\n';
}

