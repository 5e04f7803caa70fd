// Loads rules/*.yaml (one rule per file) and rules/linkage/linkage.yaml, validates them against the schema and
// compiles their conditions. Any invalid file is an error naming the file: a broken rule must not load silently.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { resolveFeature, type FeatureContext } from '../feature-catalog.js';
import { compileCondition, type Predicate } from './condition.js';
import { linkageSchema, ruleSchema, type LinkageSpec, type RuleSpec } from './rule-schema.js';

export interface CompiledRule {
  spec: RuleSpec;
  file: string;
  test: Predicate<FeatureContext>;
}

export function compileRule(raw: unknown, file: string): CompiledRule {
  const r = ruleSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`${file}: invalid rule: ${issues}`);
  }
  const spec = r.data;
  for (const e of spec.evidence) {
    if (!['samples', 'benchmarks', 'categories', 'links'].includes(e) && !resolveFeature(e))
      throw new Error(`${file}: evidence: unknown feature "${e}"`);
  }
  return { spec, file, test: compileCondition(spec.when, resolveFeature, `${file}: when`) };
}

export function loadRules(dir: string): CompiledRule[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') || f.endsWith('.yml'))
    .sort();
  const rules = files.map((f) => compileRule(parse(readFileSync(join(dir, f), 'utf8')), f));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.spec.id)) throw new Error(`${r.file}: duplicate rule id ${r.spec.id}`);
    seen.add(r.spec.id);
  }
  return rules;
}

export function loadLinkage(dir: string): LinkageSpec {
  const file = join(dir, 'linkage', 'linkage.yaml');
  const r = linkageSchema.safeParse(parse(readFileSync(file, 'utf8')));
  if (!r.success) throw new Error(`${file}: invalid linkage settings: ${r.error.issues.map((i) => i.message).join('; ')}`);
  return r.data;
}
