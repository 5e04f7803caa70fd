// Cross-reference checks of a schema-valid policy file: every name used must be defined, identities must be
// unique, and ownership affiliations (parent/subsidiary, acquirer/acquired) must not form a cycle.
import type { PolicyFile } from './policy-file-schema.js';

export interface PathIssue {
  path: Array<string | number>;
  message: string;
}

export function checkReferences(f: PolicyFile): PathIssue[] {
  const issues: PathIssue[] = [];
  const orgs = new Set<string>();
  const clauses = new Set(Object.keys(f.clauses ?? {}));
  const purposes = new Set(Object.keys(f.purposes ?? {}));
  const tiers = new Set(Object.keys(f.tiers ?? {}));
  const features = new Set(Object.keys(f.features ?? {}));
  const need = (set: Set<string>, what: string, value: string, path: Array<string | number>) => {
    if (!set.has(value)) issues.push({ path, message: `unknown ${what} "${value}"${set.size ? ` (defined: ${[...set].sort().join(', ')})` : ` (no ${what}s defined)`}` });
  };
  const unique = (seen: Set<string>, what: string, value: string, path: Array<string | number>) => {
    if (seen.has(value)) issues.push({ path, message: `duplicate ${what} "${value}"` });
    seen.add(value);
  };

  (f.orgs ?? []).forEach((o, i) => {
    unique(orgs, 'org id', o.id, ['orgs', i, 'id']);
    need(tiers, 'tier', o.tier, ['orgs', i, 'tier']);
    if (o.status?.clause) need(clauses, 'clause', o.status.clause, ['orgs', i, 'status', 'clause']);
  });
  (f.denials ?? []).forEach((d, i) => {
    need(features, 'feature', d.feature, ['denials', i, 'feature']);
    need(clauses, 'clause', d.clause, ['denials', i, 'clause']);
    const s = d.subject;
    if ('org' in s) need(orgs, 'org', s.org, ['denials', i, 'subject', 'org']);
    if ('affiliatesOf' in s) need(orgs, 'org', s.affiliatesOf, ['denials', i, 'subject', 'affiliatesOf']);
    if ('tier' in s) need(tiers, 'tier', s.tier, ['denials', i, 'subject', 'tier']);
    (d.exceptPurposes ?? []).forEach((p, j) => need(purposes, 'purpose', p, ['denials', i, 'exceptPurposes', j]));
  });
  (f.propagation ?? []).forEach((p, i) => {
    if (p.clause) need(clauses, 'clause', p.clause, ['propagation', i, 'clause']);
  });
  const affSeen = new Set<string>();
  (f.affiliations ?? []).forEach((a, i) => {
    need(orgs, 'org', a.org, ['affiliations', i, 'org']);
    need(orgs, 'org', a.affiliate, ['affiliations', i, 'affiliate']);
    if (a.org === a.affiliate) issues.push({ path: ['affiliations', i, 'affiliate'], message: 'an org cannot be affiliated with itself' });
    unique(affSeen, 'affiliation', `${a.org} -> ${a.affiliate} (${a.relation})`, ['affiliations', i]);
  });
  const grantIds = new Set<string>();
  (f.grants ?? []).forEach((g, i) => {
    need(orgs, 'org', g.org, ['grants', i, 'org']);
    need(purposes, 'purpose', g.purpose, ['grants', i, 'purpose']);
    unique(grantIds, 'grant id', g.id ?? `${g.org}:${g.purpose}`, ['grants', i, g.id ? 'id' : 'purpose']);
  });
  const keyIds = new Set<string>();
  (f.keys ?? []).forEach((k, i) => {
    need(orgs, 'org', k.org, ['keys', i, 'org']);
    unique(keyIds, 'key', `${k.org}/${k.name}`, ['keys', i, 'name']);
  });
  const adminNames = new Set<string>();
  (f.admins ?? []).forEach((a, i) => unique(adminNames, 'admin', a.name, ['admins', i, 'name']));
  issues.push(...ownershipCycles(f));
  return issues;
}

/** Ownership edges owner -> owned; a cycle means an org would (transitively) own itself. */
function ownershipCycles(f: PolicyFile): PathIssue[] {
  const edges = new Map<string, Array<{ to: string; index: number }>>();
  (f.affiliations ?? []).forEach((a, index) => {
    // "affiliate is org's <relation>"
    let owner: string | undefined;
    let owned: string | undefined;
    if (a.relation === 'parent' || a.relation === 'acquirer') [owner, owned] = [a.affiliate, a.org];
    if (a.relation === 'subsidiary' || a.relation === 'acquired') [owner, owned] = [a.org, a.affiliate];
    if (owner === undefined || owned === undefined || owner === owned) return;
    const list = edges.get(owner) ?? [];
    list.push({ to: owned, index });
    edges.set(owner, list);
  });
  const issues: PathIssue[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'visiting');
    stack.push(node);
    for (const e of edges.get(node) ?? []) {
      const s = state.get(e.to);
      if (s === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(e.to)), e.to].join(' -> ');
        issues.push({ path: ['affiliations', e.index], message: `ownership cycle in affiliations: ${cycle}` });
      } else if (s === undefined) visit(e.to);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...edges.keys()].sort()) if (!state.has(node)) visit(node);
  return issues;
}
