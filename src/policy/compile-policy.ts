// Turns the policy rules document into matchers the hot path can run without allocating: regular expressions
// are built here, once per rules document, never per request.
import type { Org } from '../model/org.js';
import type { AffiliateIndex } from './affiliate-index.js';
import { anyGlobMatches } from './glob.js';
import { foldName, paramEquals, paramValue, truthy, userAgentStarts } from './normalize.js';
import type { AttributeValue, FeatureDenial, FeatureMatcher, PolicyRules, PropagationRule, SubjectSelector } from './policy-rules.js';
import type { RequestFacts } from './request-facts.js';

export type FactsPredicate = (facts: RequestFacts) => boolean;

export interface CompiledFeature {
  name: string;
  matches: FactsPredicate;
}

export interface CompiledDenial {
  denial: FeatureDenial;
  applies: (org: Org, affiliates: AffiliateIndex) => boolean;
  exceptPurposes: ReadonlySet<string>;
}

export interface CompiledPolicy {
  rules: PolicyRules;
  /** rules.version when compiled (the rules object may be updated in place). */
  version: number;
  features: readonly CompiledFeature[];
  denialsByFeature: ReadonlyMap<string, readonly CompiledDenial[]>;
  purposes: ReadonlySet<string>;
  propagation: readonly PropagationRule[];
}

function anyOf(patterns: readonly string[], values: readonly string[]): boolean {
  for (const v of values) if (anyGlobMatches(patterns, v)) return true;
  return false;
}

/** Facts carry folded names (extract-facts.ts); patterns are folded once here, so both sides compare alike. */
const folded = (globs: readonly string[]): string[] => globs.map(foldName);

export function compileMatcher(m: FeatureMatcher): FactsPredicate {
  const checks: FactsPredicate[] = [];
  if (m.models) {
    const g = folded(m.models);
    checks.push((f) => anyGlobMatches(g, f.model));
  }
  if (m.endpoints) {
    const g = m.endpoints;
    // A batch item is a call to its own endpoint that came through the batch endpoint: both count.
    checks.push((f) => anyGlobMatches(g, f.endpoint) || (f.viaBatch !== undefined && anyGlobMatches(g, f.viaBatch)));
  }
  if (m.toolNames) {
    const g = folded(m.toolNames);
    checks.push((f) => anyOf(g, f.toolNames));
  }
  if (m.toolTypes) {
    const g = folded(m.toolTypes);
    checks.push((f) => anyOf(g, f.toolTypes));
  }
  if (m.anthropicBeta) {
    const g = folded(m.anthropicBeta);
    checks.push((f) => anyOf(g, f.anthropicBeta));
  }
  if (m.paramsPresent) {
    const names = m.paramsPresent;
    checks.push((f) => names.some((n) => truthy(paramValue(f.params, n))));
  }
  if (m.paramsEqual) {
    const entries = Object.entries(m.paramsEqual);
    checks.push((f) => entries.every(([k, v]) => paramEquals(paramValue(f.params, k), v)));
  }
  if (m.userAgent !== undefined) {
    const re = new RegExp(m.userAgent, 'i');
    // Tested at every product in the header, not only the first: `^claude-cli` must not be dodged by a prefix.
    checks.push((f) => f.userAgent !== undefined && userAgentStarts(f.userAgent).some((s) => re.test(s)));
  }
  // A matcher with no conditions would match every request; treat it as matching nothing instead.
  if (checks.length === 0) return () => false;
  return (f) => {
    for (const c of checks) if (!c(f)) return false;
    return true;
  };
}

export function attributesMatch(org: Org, want: Record<string, AttributeValue>): boolean {
  for (const [k, v] of Object.entries(want)) if (org.attributes[k] !== v) return false;
  return true;
}

export function compileSubject(s: SubjectSelector): (org: Org, affiliates: AffiliateIndex) => boolean {
  if ('org' in s) return (org) => org.id === s.org;
  if ('tier' in s) return (org) => org.tier === s.tier;
  if ('attributes' in s) return (org) => attributesMatch(org, s.attributes);
  const root = s.affiliatesOf;
  const relations = s.relations ? new Set(s.relations) : undefined;
  return (org, affiliates) => {
    if (org.id === root) return true;
    // The affiliate relation is read from the root's side: "org is root's subsidiary".
    for (const link of affiliates.get(root) ?? []) {
      if (link.orgId === org.id && (!relations || relations.has(link.relation))) return true;
    }
    return false;
  };
}

function build(rules: PolicyRules): CompiledPolicy {
  const features: CompiledFeature[] = Object.entries(rules.features ?? {}).map(([name, def]) => {
    const ms = def.match.map(compileMatcher);
    return { name, matches: (f: RequestFacts) => ms.some((m) => m(f)) };
  });
  const denialsByFeature = new Map<string, CompiledDenial[]>();
  for (const denial of rules.denials ?? []) {
    const list = denialsByFeature.get(denial.feature) ?? [];
    list.push({ denial, applies: compileSubject(denial.subject), exceptPurposes: new Set(denial.exceptPurposes ?? []) });
    denialsByFeature.set(denial.feature, list);
  }
  return {
    rules,
    version: rules.version,
    features,
    denialsByFeature,
    purposes: new Set(Object.keys(rules.purposes ?? {})),
    propagation: rules.propagation ?? [],
  };
}

const cache = new WeakMap<PolicyRules, CompiledPolicy>();

/**
 * Compiled form of a rules document, memoised per document object and version: the view replaces the rules
 * object when the document changes, so this runs once per change, not per request.
 */
export function compilePolicy(rules: PolicyRules): CompiledPolicy {
  const hit = cache.get(rules);
  if (hit && hit.version === rules.version) return hit;
  const compiled = build(rules);
  cache.set(rules, compiled);
  return compiled;
}
