// Reads and validates a policy file. Every problem is reported with file, line, column and the path inside
// the document (e.g. `grants[2].org`), mapped back from the parsed value to the YAML source.
import { readFileSync } from 'node:fs';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { policyFileSchema, type PolicyFile } from './policy-file-schema.js';
import { checkReferences, type PathIssue } from './policy-references.js';
import type { PolicyState } from './policy-state.js';
import type { RulesBody } from './rules-schema.js';
import { DomainError } from '../errors/domain-error.js';

export interface PolicyIssue {
  file: string;
  line: number;
  column: number;
  /** Path inside the document, e.g. "orgs[1].status.clause"; "" for the whole document. */
  path: string;
  message: string;
}

export type PolicyFileResult = { ok: true; state: PolicyState; file: PolicyFile } | { ok: false; issues: PolicyIssue[] };

export interface ParsePolicyOptions {
  /** Schema for `playbooks`, supplied by the enforcement module (default: anything). */
  playbooks?: z.ZodType;
  /** Schema for the top-level `limits` section (LimitsConfig), supplied by the rate-limit module. */
  limits?: z.ZodType;
}

export class PolicyFileError extends DomainError {
  readonly issues: PolicyIssue[];
  constructor(issues: PolicyIssue[]) {
    super('invalid_policy_file', formatPolicyIssues(issues));
    this.name = 'PolicyFileError';
    this.issues = issues;
  }
}

export function formatPolicyIssues(issues: readonly PolicyIssue[]): string {
  return issues.map((i) => `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n');
}

export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out;
}

/** The deepest YAML node along `path` (the key node when `keyOf` names a key of the mapping found). */
function locate(doc: Document, path: ReadonlyArray<PropertyKey>, keyOf?: string): Node | undefined {
  let node: unknown = doc.contents;
  let found = node as Node | undefined;
  const segs = keyOf === undefined ? path : [...path, keyOf];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const last = i === segs.length - 1;
      // For an unknown key, point at the key itself; otherwise at the value.
      node = last && keyOf !== undefined ? pair.key : pair.value;
      if (node) found = node as Node;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (!node) break;
      found = node as Node;
    } else break;
  }
  return found;
}

function position(doc: Document, lc: LineCounter, path: ReadonlyArray<PropertyKey>, keyOf?: string): { line: number; column: number } {
  const node = locate(doc, path, keyOf);
  const offset = node?.range?.[0] ?? 0;
  const p = lc.linePos(offset);
  return { line: p.line, column: p.col };
}

function toState(f: PolicyFile): PolicyState {
  const rules: RulesBody = {};
  if (f.clauses) rules.clauses = f.clauses;
  if (f.purposes) rules.purposes = f.purposes;
  if (f.tiers) rules.tiers = f.tiers;
  if (f.features) rules.features = f.features;
  if (f.denials) rules.denials = f.denials;
  if (f.propagation) rules.propagation = f.propagation;
  if (f.playbooks !== undefined) rules.playbooks = f.playbooks;
  if (f.limits !== undefined) rules.limits = f.limits;
  return {
    rules,
    orgs: (f.orgs ?? []).map((o) => {
      const s = o.status ?? { value: 'active' as const };
      return {
        id: o.id,
        name: o.name,
        tier: o.tier,
        attributes: o.attributes ?? {},
        labels: o.labels ?? [],
        status: s.value,
        ...(s.until !== undefined ? { suspendedUntil: normalizeTime(s.until) } : {}),
        ...(s.reason !== undefined ? { statusReason: s.reason } : {}),
        ...(s.clause !== undefined ? { statusClause: s.clause } : {}),
        ...(s.caseId !== undefined ? { statusCaseId: s.caseId } : {}),
        ...(o.contactWebhook !== undefined ? { contactWebhook: o.contactWebhook } : {}),
      };
    }),
    affiliations: (f.affiliations ?? []).map((a) => ({ orgId: a.org, affiliateId: a.affiliate, relation: a.relation })),
    grants: (f.grants ?? []).map((g) => ({
      id: g.id ?? `${g.org}:${g.purpose}`,
      orgId: g.org,
      purpose: g.purpose,
      models: g.models,
      ...(g.expires !== undefined ? { expiresAt: normalizeTime(g.expires) } : {}),
      ...(g.limits !== undefined ? { limits: g.limits } : {}),
    })),
    keys: (f.keys ?? []).map((k) => ({ orgId: k.org, name: k.name, status: k.status ?? 'active', ...(k.expires !== undefined ? { expiresAt: normalizeTime(k.expires) } : {}) })),
    admins: (f.admins ?? []).map((a) => ({ name: a.name, role: a.role })),
  };
}

/** One spelling per instant, so a file and the store's read-back plan to "no changes". */
export function normalizeTime(t: string): string {
  return new Date(t).toISOString();
}

/** Validates a policy file given by path, or by text (with a name for messages). Never throws on bad input. */
export function parsePolicyFile(source: string | { text: string; file?: string }, opts: ParsePolicyOptions = {}): PolicyFileResult {
  const file = typeof source === 'string' ? source : (source.file ?? '<policy>');
  let text: string;
  if (typeof source === 'string') {
    try {
      text = readFileSync(source, 'utf8');
    } catch (e) {
      return { ok: false, issues: [{ file, line: 0, column: 0, path: '', message: `cannot read: ${(e as Error).message}` }] };
    }
  } else text = source.text;

  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  if (doc.errors.length) {
    return {
      ok: false,
      issues: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return { file, line: p.line, column: p.col, path: '', message: e.message.split('\n')[0] ?? e.message };
      }),
    };
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  const parsed = policyFileSchema(opts).safeParse(raw);
  if (!parsed.success) {
    const issues: PolicyIssue[] = [];
    for (const i of parsed.error.issues) {
      if (i.code === 'unrecognized_keys') {
        for (const k of i.keys) issues.push({ file, ...position(doc, lc, i.path, k), path: formatPath([...i.path, k]), message: `unknown field "${k}"` });
      } else issues.push({ file, ...position(doc, lc, i.path), path: formatPath(i.path), message: i.message });
    }
    return { ok: false, issues: sortIssues(issues) };
  }
  const refIssues: PathIssue[] = checkReferences(parsed.data);
  if (refIssues.length) {
    return { ok: false, issues: sortIssues(refIssues.map((i) => ({ file, ...position(doc, lc, i.path), path: formatPath(i.path), message: i.message }))) };
  }
  return { ok: true, state: toState(parsed.data), file: parsed.data };
}

function sortIssues(issues: PolicyIssue[]): PolicyIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** parsePolicyFile for callers that want an exception (CLI, tests). */
export function loadPolicyFile(source: string | { text: string; file?: string }, opts: ParsePolicyOptions = {}): PolicyState {
  const r = parsePolicyFile(source, opts);
  if (!r.ok) throw new PolicyFileError(r.issues);
  return r.state;
}
