// Plans the change from the current policy state to a desired one: a pure diff into create/update/delete
// steps per object, ordered so references hold at every step, plus a human-readable plan text. Planning the
// applied result again yields no steps. Guards refuse plans that would lock everyone out unless forced.
import type { Affiliation } from '../model/org.js';
import { canonicalJson, sameValue } from '../json/canonical-json.js';
import { isJsonObject } from '../json/is-json-object.js';
import {
  affiliationIdentity,
  keyIdentity,
  MOAT_MANAGED_ATTRIBUTE_PREFIX,
  type AdminState,
  type GrantState,
  type KeyState,
  type OrgState,
  type PolicyState,
} from './policy-state.js';
import type { RulesBody } from './rules-schema.js';
import { globMatch } from './glob.js';

export type PlanAction = 'create' | 'update' | 'delete';

interface StepOf<K extends string, T> {
  kind: K;
  action: PlanAction;
  /** Identity: org id, grant id, `orgId/name` for keys, `org->affiliate:relation` for affiliations, admin name. */
  id: string;
  /** Present for update and delete. */
  before?: T;
  /** Present for create and update: the whole desired object. */
  after?: T;
  /** For updates: the top-level fields that differ. */
  fields?: string[];
}

export type PlanStep =
  | StepOf<'rules', RulesBody>
  | StepOf<'org', OrgState>
  | StepOf<'affiliation', Affiliation>
  | StepOf<'grant', GrantState>
  | StepOf<'key', KeyState>
  | StepOf<'admin', AdminState>;

export type PlanKind = PlanStep['kind'];

/**
 * What a policy file owns beyond the objects it lists: org id globs (the org and its affiliations, grants and
 * keys) and admin token name globs. Objects in the store that the file does not list are deleted only when
 * owned (or with prune); otherwise they were made through the API and are kept.
 */
export interface ManageScope {
  orgs: string[];
  admins: string[];
}

export const NO_MANAGE_SCOPE: ManageScope = { orgs: [], admins: [] };

export interface PlanOptions {
  force?: boolean;
  /** Delete every object the file does not list, owned or not. */
  prune?: boolean;
  manage?: ManageScope;
}

export interface PolicyPlan {
  steps: PlanStep[];
  /** Deletes left out because the file does not own the object (run with prune or widen `manage:`). */
  unmanaged: Array<{ kind: PlanKind; id: string }>;
  /** Why the plan is refused without force (empty when it is not). */
  guards: string[];
  /** True when guards apply and force was not given. */
  refused: boolean;
  text: string;
}

/** Fields never compared: filled in by the store, not declared in files. */
const READ_ONLY: Partial<Record<PlanKind, string[]>> = { key: ['prefix'] };

function comparable(kind: PlanKind, v: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  for (const f of READ_ONLY[kind] ?? []) delete out[f];
  // Labels are a set.
  if (kind === 'org' && Array.isArray(out.labels)) out.labels = [...new Set(out.labels as string[])].sort();
  if (kind === 'org' && out.attributes && typeof out.attributes === 'object') out.attributes = policyAttributes(out.attributes as Record<string, unknown>);
  return out;
}

function policyAttributes<V>(attributes: Readonly<Record<string, V>>): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [k, v] of Object.entries(attributes)) if (!k.startsWith(MOAT_MANAGED_ATTRIBUTE_PREFIX)) out[k] = v;
  return out;
}

/** The desired org with the attributes Moat set on the current one, so an apply keeps an active throttle. */
function keepMoatAttributes(before: OrgState, after: OrgState): OrgState {
  const kept = Object.entries(before.attributes).filter(([k]) => k.startsWith(MOAT_MANAGED_ATTRIBUTE_PREFIX));
  if (!kept.length) return after;
  return { ...after, attributes: { ...policyAttributes(after.attributes), ...Object.fromEntries(kept) } };
}

/** The org a step's object belongs to, or the admin name; what `manage:` globs are matched against. */
function ownerOf(step: PlanStep): { scope: keyof ManageScope; name: string } {
  switch (step.kind) {
    case 'org':
      return { scope: 'orgs', name: step.id };
    case 'affiliation':
    case 'grant':
    case 'key':
      return { scope: 'orgs', name: (step.before ?? step.after)?.orgId ?? step.id };
    case 'admin':
      return { scope: 'admins', name: step.id };
    case 'rules':
      return { scope: 'orgs', name: '' };
  }
}

export function ownsDeletion(step: PlanStep, manage: ManageScope): boolean {
  const { scope, name } = ownerOf(step);
  return manage[scope].some((glob) => globMatch(glob, name));
}

function changedFields(kind: PlanKind, before: object, after: object): string[] {
  const a = comparable(kind, before);
  const b = comparable(kind, after);
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !sameValue(a[k], b[k])).sort();
}

function diffObjects<K extends PlanKind, T extends object>(kind: K, current: readonly T[], desired: readonly T[], identity: (t: T) => string): Array<StepOf<K, T>> {
  const cur = new Map(current.map((t) => [identity(t), t]));
  const des = new Map(desired.map((t) => [identity(t), t]));
  const steps: Array<StepOf<K, T>> = [];
  for (const [id, after] of des) {
    const before = cur.get(id);
    if (!before) steps.push({ kind, action: 'create', id, after });
    else {
      const fields = changedFields(kind, before, after);
      if (fields.length) steps.push({ kind, action: 'update', id, before, after, fields });
    }
  }
  for (const [id, before] of cur) if (!des.has(id)) steps.push({ kind, action: 'delete', id, before });
  return steps;
}

/** Creates and updates in dependency order (rules, orgs, affiliations, grants, keys, admins); deletes after, in reverse. */
const ORDER: PlanKind[] = ['rules', 'org', 'affiliation', 'grant', 'key', 'admin'];

function orderSteps(steps: PlanStep[]): PlanStep[] {
  const rank = (s: PlanStep) => (s.action === 'delete' ? 100 + (ORDER.length - ORDER.indexOf(s.kind)) : ORDER.indexOf(s.kind));
  return steps.map((s, i) => ({ s, i })).sort((a, b) => rank(a.s) - rank(b.s) || a.i - b.i).map((x) => x.s);
}

/** Reasons a change from `current` to `desired` needs force. */
export function planGuards(current: PolicyState, desired: PolicyState): string[] {
  const out: string[] = [];
  const live = (s: PolicyState) => s.orgs.filter((o) => o.status !== 'revoked').length;
  if (live(current) > 0 && live(desired) === 0) out.push(`this plan would leave no org with access (revoking or deleting all ${live(current)} that have it)`);
  const admins = (s: PolicyState) => s.admins.filter((a) => a.role === 'admin').length;
  if (admins(current) > 0 && admins(desired) === 0) out.push('this plan would remove the last admin token with role admin');
  return out;
}

export function planPolicy(current: PolicyState, desired: PolicyState, opts: PlanOptions = {}): PolicyPlan {
  const all: PlanStep[] = [];
  const steps: PlanStep[] = [];
  const unmanaged: PolicyPlan['unmanaged'] = [];
  const rulesFields = changedFields('rules', current.rules, desired.rules);
  if (rulesFields.length) steps.push({ kind: 'rules', action: 'update', id: 'rules', before: current.rules, after: desired.rules, fields: rulesFields });
  steps.push(...diffObjects('org', current.orgs, desired.orgs, (o) => o.id));
  steps.push(...diffObjects('affiliation', current.affiliations, desired.affiliations, affiliationIdentity));
  steps.push(...diffObjects('grant', current.grants, desired.grants, (g) => g.id));
  steps.push(...diffObjects('key', current.keys, desired.keys, keyIdentity));
  steps.push(...diffObjects('admin', current.admins, desired.admins, (a) => a.name));
  const manage = opts.manage ?? NO_MANAGE_SCOPE;
  for (const s of steps) {
    if (s.action === 'delete' && !opts.prune && !ownsDeletion(s, manage)) unmanaged.push({ kind: s.kind, id: s.id });
    else if (s.kind === 'org' && s.action === 'update' && s.before && s.after) all.push({ ...s, after: keepMoatAttributes(s.before, s.after) });
    else all.push(s);
  }
  const ordered = orderSteps(all);
  const guards = ordered.length ? planGuards(current, resultOf(current, desired, unmanaged)) : [];
  const refused = guards.length > 0 && !opts.force;
  return { steps: ordered, unmanaged, guards, refused, text: formatPlan(ordered, guards, refused, unmanaged) };
}

/** The desired state plus the unowned objects the plan keeps: what the store holds after the apply. */
function resultOf(current: PolicyState, desired: PolicyState, unmanaged: PolicyPlan['unmanaged']): PolicyState {
  if (!unmanaged.length) return desired;
  const keep = (kind: PlanKind) => new Set(unmanaged.filter((u) => u.kind === kind).map((u) => u.id));
  const orgs = keep('org');
  const admins = keep('admin');
  const keys = keep('key');
  return {
    ...desired,
    orgs: [...desired.orgs, ...current.orgs.filter((o) => orgs.has(o.id))],
    keys: [...desired.keys, ...current.keys.filter((k) => keys.has(keyIdentity(k)))],
    admins: [...desired.admins, ...current.admins.filter((a) => admins.has(a.name))],
  };
}

function short(v: unknown): string {
  const s = v === undefined ? '(unset)' : canonicalJson(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function describeRulesChange(before: RulesBody, after: RulesBody, field: string): string {
  const b = (before as Record<string, unknown>)[field];
  const a = (after as Record<string, unknown>)[field];
  if (field !== 'playbooks' && (isJsonObject(a) || isJsonObject(b))) {
    const bo = (b ?? {}) as Record<string, unknown>;
    const ao = (a ?? {}) as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(ao).filter((k) => !(k in bo)).sort()) parts.push(`+${k}`);
    for (const k of Object.keys(ao).filter((k) => k in bo && !sameValue(ao[k], bo[k])).sort()) parts.push(`~${k}`);
    for (const k of Object.keys(bo).filter((k) => !(k in ao)).sort()) parts.push(`-${k}`);
    return `${field}: ${parts.join(' ')}`;
  }
  if (Array.isArray(a) || Array.isArray(b)) return `${field}: ${(b as unknown[] | undefined)?.length ?? 0} -> ${(a as unknown[] | undefined)?.length ?? 0} entries`;
  return `${field}: changed`;
}

function formatUnmanaged(unmanaged: PolicyPlan['unmanaged']): string {
  if (!unmanaged.length) return '';
  const lines = unmanaged.map((u) => `  ${u.kind} ${u.id}`);
  return `Kept ${unmanaged.length} object${unmanaged.length === 1 ? '' : 's'} not in the file and not owned by it (add to \`manage:\` or run with --prune to delete):\n${lines.join('\n')}\n`;
}

export function formatPlan(steps: readonly PlanStep[], guards: readonly string[] = [], refused = false, unmanaged: PolicyPlan['unmanaged'] = []): string {
  if (steps.length === 0) return `No changes. The store matches the policy file.\n${formatUnmanaged(unmanaged)}`;
  const sign = { create: '+', update: '~', delete: '-' } as const;
  const lines: string[] = [];
  for (const s of steps) {
    lines.push(`${sign[s.action]} ${s.kind} ${s.id}`);
    if (s.kind === 'rules' && s.before && s.after) {
      for (const f of s.fields ?? []) lines.push(`    ${describeRulesChange(s.before, s.after, f)}`);
    } else if (s.action === 'update' && s.before && s.after) {
      const b = comparable(s.kind, s.before);
      const a = comparable(s.kind, s.after);
      for (const f of s.fields ?? []) lines.push(`    ${f}: ${short(b[f])} -> ${short(a[f])}`);
    }
  }
  const n = (a: PlanAction) => steps.filter((s) => s.action === a).length;
  lines.push('', `Plan: ${n('create')} to create, ${n('update')} to update, ${n('delete')} to delete.`);
  for (const g of guards) lines.push(`${refused ? 'Refused' : 'Forced'}: ${g}.${refused ? ' Repeat with --force if this is intended.' : ''}`);
  return `${lines.join('\n')}\n${formatUnmanaged(unmanaged)}`;
}
