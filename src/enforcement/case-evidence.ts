// Turns detection evidence into a case's evidence: redacted sample requests, matched benchmarks, feature
// values against rule thresholds, and linked accounts with the reason they are linked. Bounded, so a case
// updated by thousands of detections stays small.
import { matchedSignals, type Detection, type OrgFacts } from './detection-input.js';
import type { CaseEvidence, FeatureEvidence, SampleRequest, ScoreEvidence } from './case-model.js';
import { redactSecrets } from './redact-secrets.js';

const MAX_SAMPLES = 10;
const MAX_EXCERPT = 400;
const MAX_LINKED = 200;

export function emptyEvidence(): CaseEvidence {
  return { sampleRequests: [], matchedBenchmarks: [], features: [], linkedAccounts: [], scores: [] };
}

function excerpt(text: string): string {
  const clean = redactSecrets(text);
  return clean.length > MAX_EXCERPT ? clean.slice(0, MAX_EXCERPT) + '…' : clean;
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'boolean' ? Number(v) : undefined);

function holds(actual: number, op: string, threshold: number): boolean {
  switch (op) {
    case '>=': return actual >= threshold;
    case '>': return actual > threshold;
    case '<=': return actual <= threshold;
    case '<': return actual < threshold;
    case '==': return actual === threshold;
    case '!=': return actual !== threshold;
    default: return false;
  }
}

const KIND_LABEL: Record<string, string> = {
  ip24: 'network /24',
  ip16: 'network /16',
  address_rotation: 'rotating addresses',
  user_agent: 'client',
  system_prompt: 'system prompt',
  wrapper: 'prompt wrapper',
  shape: 'request shape',
  co_activity: 'co-activity',
  co_usage: 'co-usage',
  cohort: 'first seen together',
  prompt: 'fixed prompt',
};

interface MemberLink {
  org: string;
  via?: { to: string; strength: number; reasons: Array<{ kind: string; value?: string; detail: string; nats: number }> };
}

/** "shared network /24 45.12.33.0/24 (3 other orgs use it, 3.7); co-activity (20 shared buckets, 9 expected, 4.3)" */
function linkReason(m: MemberLink, name: (id: string) => string): string {
  if (!m.via) return 'first account of the cluster';
  const parts = m.via.reasons.slice(0, 6).map((r) => `${KIND_LABEL[r.kind] ?? r.kind}${r.value ? ` ${redactSecrets(String(r.value)).slice(0, 60)}` : ''} (${r.detail}, ${r.nats})`);
  return `linked to ${name(m.via.to)} by ${parts.join('; ')}: ${m.via.strength} nats`;
}

function scoreEvidence(ev: Record<string, unknown>, rule: string): ScoreEvidence[] {
  const scores = ev.scores as Record<string, { score?: unknown; contributions?: unknown }> | undefined;
  if (!scores || typeof scores !== 'object') return [];
  const out: ScoreEvidence[] = [];
  for (const [name, s] of Object.entries(scores)) {
    const value = num(s?.score);
    if (value === undefined || !Array.isArray(s.contributions)) continue;
    const contributions = (s.contributions as Array<Record<string, unknown>>)
      .map((c) => ({ feature: String(c.feature), value: num(c.value) ?? null, contribution: num(c.contribution) ?? 0 }))
      .filter((c) => c.contribution !== 0)
      .slice(0, 12);
    out.push({ name, value, rule, contributions });
  }
  return out;
}

/** Two cases' evidence as one (a cluster's case folding in another cluster's), deduplicated and capped. */
export function foldEvidence(into: CaseEvidence, from: CaseEvidence): CaseEvidence {
  const out: CaseEvidence = structuredClone(into);
  out.scores ??= [];
  for (const s of from.sampleRequests)
    if (out.sampleRequests.length < MAX_SAMPLES && !out.sampleRequests.some((x) => x.orgId === s.orgId && x.excerpt === s.excerpt)) out.sampleRequests.push(structuredClone(s));
  // The two cases share accounts, so a count may hold the same matches twice: keep the larger, as mergeEvidence does.
  for (const b of from.matchedBenchmarks) {
    const cur = out.matchedBenchmarks.find((x) => x.benchmark === b.benchmark);
    if (cur) cur.matches = Math.max(cur.matches, b.matches);
    else out.matchedBenchmarks.push({ ...b });
  }
  for (const f of from.features) if (!out.features.some((x) => x.name === f.name && x.rule === f.rule && x.comparison === f.comparison)) out.features.push({ ...f });
  for (const sc of from.scores ?? []) if (!out.scores.some((x) => x.name === sc.name)) out.scores.push(structuredClone(sc));
  for (const l of from.linkedAccounts) if (out.linkedAccounts.length < MAX_LINKED && !out.linkedAccounts.some((x) => x.orgId === l.orgId)) out.linkedAccounts.push({ ...l });
  return out;
}

/** Evidence of one detection, merged into `prev` (deduplicated, capped). */
export function mergeEvidence(prev: CaseEvidence, d: Detection, facts: OrgFacts, names: ReadonlyMap<string, string> = new Map()): CaseEvidence {
  const out: CaseEvidence = {
    sampleRequests: [...prev.sampleRequests],
    matchedBenchmarks: [...prev.matchedBenchmarks],
    features: [...prev.features],
    linkedAccounts: [...prev.linkedAccounts],
    scores: [...(prev.scores ?? [])],
  };
  const addSample = (s: SampleRequest) => {
    if (out.sampleRequests.length < MAX_SAMPLES && !out.sampleRequests.some((x) => x.orgId === s.orgId && x.excerpt === s.excerpt)) out.sampleRequests.push(s);
  };
  const matchOf = (rule: string | undefined, matched: readonly string[] | undefined) => ({ ...(rule ? { rule } : {}), ...(matched ? { matched: [...matched] } : {}) });
  for (const s of d.samples ?? []) addSample({ at: s.at, orgId: d.org, keyPrefix: s.keyPrefix ?? '', model: s.model ?? '', endpoint: s.endpoint ?? '', excerpt: excerpt(s.text), ...matchOf(s.rule, s.matched) });
  const linked = new Map(out.linkedAccounts.map((l) => [l.orgId, l]));
  for (const a of d.activities) {
    const ev = a.evidence ?? {};
    if (Array.isArray(ev.samples)) {
      const signals = matchedSignals(ev);
      ev.samples.forEach((t, i) => {
        if (typeof t === 'string') addSample({ at: a.first_detected.ts, orgId: d.org, keyPrefix: '', model: '', endpoint: '', excerpt: excerpt(t), ...matchOf(a.rules[0], signals[i]) });
      });
    }
    if (ev.benchmarks && typeof ev.benchmarks === 'object') {
      for (const [benchmark, n] of Object.entries(ev.benchmarks as Record<string, unknown>)) {
        const matches = num(n) ?? 0;
        const cur = out.matchedBenchmarks.find((b) => b.benchmark === benchmark);
        if (cur) cur.matches = Math.max(cur.matches, matches);
        else out.matchedBenchmarks.push({ benchmark, matches });
      }
    }
    if (Array.isArray(ev.thresholds)) {
      for (const t of ev.thresholds as Array<Record<string, unknown>>) {
        const value = num(t.actual);
        const threshold = num(t.value);
        if (value === undefined || threshold === undefined || typeof t.feature !== 'string') continue;
        const f: FeatureEvidence = { name: t.feature, value, threshold, comparison: String(t.op), exceeded: holds(value, String(t.op), threshold), rule: a.rules[0] ?? '' };
        const i = out.features.findIndex((x) => x.name === f.name && x.rule === f.rule && x.comparison === f.comparison);
        if (i >= 0) out.features[i] = f;
        else out.features.push(f);
      }
    }
    for (const sc of scoreEvidence(ev, a.rules[0] ?? '')) {
      const i = out.scores!.findIndex((x) => x.name === sc.name);
      if (i >= 0) out.scores![i] = sc;
      else out.scores!.push(sc);
    }
    const links = ev.links as { cluster?: unknown; members?: unknown } | undefined;
    if (links && d.cluster && Array.isArray(links.members)) {
      const name = (id: string) => names.get(id) ?? id;
      for (const m of links.members as MemberLink[]) {
        if (typeof m?.org !== 'string') continue;
        linked.set(m.org, { orgId: m.org, name: name(m.org), reason: linkReason(m, name), ...(m.via ? { linkedTo: m.via.to, strength: m.via.strength } : {}) });
      }
    }
  }
  if (d.cluster && d.cluster.orgs.length > 1)
    for (const m of d.cluster.orgs) if (!linked.has(m)) linked.set(m, { orgId: m, name: names.get(m) ?? m, reason: `member of linked-account cluster ${d.cluster.id}` });
  for (const a of facts.affiliates)
    if (!linked.has(a.org)) linked.set(a.org, { orgId: a.org, name: a.name ?? names.get(a.org) ?? a.org, reason: `${a.relation} affiliation recorded by the provider` });
  out.linkedAccounts = [...linked.values()].slice(0, MAX_LINKED);
  return out;
}
