// Policy as code over the admin API: read the whole state (for `moat policy diff|apply`), apply a plan's
// steps in one audited transaction, and the console's read-only policy page. After an apply the change is
// applied to this process's view before the reply, then broadcast, so the new policy holds here when the
// caller gets the answer and in the other processes within the broadcast (or version-check) delay.
import { stringify } from 'yaml';
import { z } from 'zod';
import { MoatError } from '../../errors/moat-error.js';
import { formatPath } from '../../policy/parse-policy-file.js';
import {
  POLICY_APPLY_PATH,
  POLICY_STATE_PATH,
  PolicyApplyRequestSchema,
  PolicyApplyResponseSchema,
  PolicyStateResponseSchema,
} from '../../policy/policy-api.js';
import type { PolicyState } from '../../policy/policy-state.js';
import { rulesBodySchema } from '../../policy/rules-schema.js';
import { defaultPlaybooks } from '../../enforcement/default-playbook.js';
import { loadRules, type CompiledRule } from '../../detection/rules/load-rules.js';
import { rulesDir } from '../../detection/data-path.js';

let shippedRules: CompiledRule[] | undefined;
/** The detection rules in rules/, read once per process (they change with a deploy, not at run time). */
function detectionRules(): CompiledRule[] {
  return (shippedRules ??= loadRules(rulesDir()));
}
import type { PlanStep } from '../../policy/plan-policy.js';
import { policySectionSchemas } from '../policy-sections.js';
import { applyPolicyPlan } from '../../store/apply-policy-plan.js';
import { loadPolicyState } from '../../store/load-policy-state.js';
import { adminRoute, type AdminRoute } from '../admin-route.js';
import { PolicyViewSchema } from '../../admin-contract/policy-schemas.js';
import { checkWebhookUrl, orgForRole } from '../webhook-urls.js';

/** Route paths are relative to /admin; the shared constants are absolute (the CLI calls them). */
const underAdmin = (path: string): string => path.replace(/^\/admin/, '');

/** The state as a policy file (the YAML `moat policy apply` takes), for display and download. */
export function policyDocument(state: PolicyState): string {
  const file: Record<string, unknown> = { ...state.rules };
  if (state.orgs.length)
    file.orgs = state.orgs.map((o) => ({
      id: o.id,
      name: o.name,
      tier: o.tier,
      ...(Object.keys(o.attributes).length ? { attributes: o.attributes } : {}),
      ...(o.labels.length ? { labels: o.labels } : {}),
      ...(o.contactWebhook !== undefined ? { contactWebhook: o.contactWebhook } : {}),
      ...(o.status === 'active'
        ? {}
        : {
            status: {
              value: o.status,
              ...(o.statusReason !== undefined ? { reason: o.statusReason } : {}),
              ...(o.statusClause !== undefined ? { clause: o.statusClause } : {}),
              ...(o.statusCaseId !== undefined ? { caseId: o.statusCaseId } : {}),
              ...(o.suspendedUntil !== undefined ? { until: o.suspendedUntil } : {}),
            },
          }),
    }));
  if (state.affiliations.length) file.affiliations = state.affiliations.map((a) => ({ org: a.orgId, affiliate: a.affiliateId, relation: a.relation }));
  if (state.grants.length)
    file.grants = state.grants.map((g) => ({
      id: g.id,
      org: g.orgId,
      purpose: g.purpose,
      models: g.models,
      ...(g.expiresAt !== undefined ? { expires: g.expiresAt } : {}),
      ...(g.limits !== undefined ? { limits: g.limits } : {}),
    }));
  if (state.keys.length)
    file.keys = state.keys.map((k) => ({ name: k.name, org: k.orgId, ...(k.status !== 'active' ? { status: k.status } : {}), ...(k.expiresAt !== undefined ? { expires: k.expiresAt } : {}) }));
  if (state.admins.length) file.admins = state.admins.map((a) => ({ name: a.name, role: a.role }));
  return stringify(file, { lineWidth: 0 });
}


type RawPlaybooks = { auto_enforce?: boolean; rules?: Array<Record<string, unknown>> };

/** The `playbooks:` section (opaque to the policy module) as the console's rows; [] when absent or not a rule list. */
function playbookViews(section: unknown): z.infer<typeof PolicyViewSchema>['playbooks'] {
  if (!section || typeof section !== 'object' || !Array.isArray((section as RawPlaybooks).rules)) return [];
  const pb = section as RawPlaybooks;
  const rules = (pb.rules ?? []).map((r) => ({
    id: String(r.id ?? ''),
    when: JSON.stringify(r.when ?? {}),
    action: String(r.action ?? ''),
    mode: pb.auto_enforce === true || r.approval === 'automatic' ? ('automatic' as const) : ('approval' as const),
    clause: String(r.clause ?? ''),
    enabled: r.enabled !== false,
  }));
  return [{ name: 'playbooks', rules }];
}

/** Checks the sections other modules own (e.g. `limits`) in a rules step, naming the path inside the request. */
function checkSections(steps: readonly PlanStep[]): void {
  const schema = rulesBodySchema(policySectionSchemas());
  steps.forEach((s, i) => {
    if (s.kind !== 'rules' || !s.after) return;
    const r = schema.safeParse(s.after);
    if (!r.success) {
      const msg = r.error.issues.map((iss) => `${formatPath(['body', 'steps', i, 'after', ...iss.path])}: ${iss.message}`).join('; ');
      throw new MoatError('invalid_request', msg);
    }
  });
}

export const policyRoutes: AdminRoute[] = [
  adminRoute({
    method: 'GET', url: underAdmin(POLICY_STATE_PATH), role: 'viewer',
    summary: 'The whole policy state (rules document, orgs, affiliations, grants, keys by name, admin tokens by name) and the version it was read at.',
    response: PolicyStateResponseSchema,
    handler: async ({ deps, identity }) => {
      const { version, state } = await loadPolicyState(deps.driver);
      return { version, state: { ...state, orgs: state.orgs.map((o) => orgForRole(o, identity.role)) } };
    },
  }),
  adminRoute({
    method: 'POST', url: underAdmin(POLICY_APPLY_PATH), role: 'admin',
    summary: 'Apply plan steps in one transaction (one audit entry per step). 409 when the store moved past expectedVersion or a guard refuses without force. Effective in this process before the reply.',
    body: PolicyApplyRequestSchema, response: PolicyApplyResponseSchema,
    handler: async ({ deps, body, identity, commit }) => {
      checkSections(body.steps);
      body.steps.forEach((s, i) => {
        if (s.kind === 'org') checkWebhookUrl(deps, s.after?.contactWebhook, `body.steps[${i}].after.contactWebhook`);
      });
      const { change, ...result } = await applyPolicyPlan(deps.driver, { actor: identity.name }, body.steps, { force: body.force, expectedVersion: body.expectedVersion });
      return change ? commit({ result, change }) : result;
    },
  }),
  adminRoute({
    method: 'GET', url: '/policy', role: 'viewer', summary: 'The policy for the console: version, the document as YAML, playbooks, detection rules.', response: PolicyViewSchema,
    handler: async ({ deps, identity }) => {
      const loaded = await loadPolicyState(deps.driver);
      const version = loaded.version;
      const state = { ...loaded.state, orgs: loaded.state.orgs.map((o) => orgForRole(o, identity.role)) };
      // Without a `playbooks:` section the shipped default playbook is in force, so that is what is shown.
      const playbooks = playbookViews(state.rules.playbooks ?? defaultPlaybooks());
      const rules = detectionRules().map((r) => ({ id: r.spec.id, description: r.spec.description, status: r.spec.status, label: r.spec.label, severity: r.spec.severity }));
      return { version, document: policyDocument(state), playbooks, rules };
    },
  }),
];
