// `moat policy validate|diff|apply FILE`: policy as code. validate works offline; diff and apply read the
// store's state through the admin API, plan locally, and send the plan's steps back to be applied.
import type { Command } from 'commander';
import { adminRequest, resolveAdminConnection, type AdminConnection } from '../admin-client.js';
import { formatPolicyIssues, parsePolicyFile } from '../../policy/parse-policy-file.js';
import { planPolicy, type ManageScope, type PolicyPlan } from '../../policy/plan-policy.js';
import {
  POLICY_APPLY_PATH,
  POLICY_STATE_PATH,
  PolicyApplyResponseSchema,
  PolicyStateResponseSchema,
  type PolicyApplyRequest,
  type PolicyApplyResponse,
  type PolicyStateResponse,
} from '../../policy/policy-api.js';
import type { PolicyState } from '../../policy/policy-state.js';
import { policySectionSchemas } from '../../admin/policy-sections.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export interface RemoteOptions {
  url?: string;
  token?: string;
  dataDir?: string;
  env?: NodeJS.ProcessEnv;
}

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** --url/MOAT_URL and --token/MOAT_ADMIN_TOKEN/<dataDir>/admin-token, as every admin CLI group resolves them. */
export function resolveRemote(opts: RemoteOptions): AdminConnection {
  return resolveAdminConnection(opts, opts.env ?? process.env);
}

export async function fetchPolicyState(remote: AdminConnection): Promise<PolicyStateResponse> {
  const body = (await adminRequest(remote, 'GET', POLICY_STATE_PATH)).json;
  const parsed = PolicyStateResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected response from ${POLICY_STATE_PATH}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export async function postPolicyApply(remote: AdminConnection, req: PolicyApplyRequest): Promise<PolicyApplyResponse> {
  const body = (await adminRequest(remote, 'POST', POLICY_APPLY_PATH, req)).json;
  const parsed = PolicyApplyResponseSchema.safeParse(body);
  if (!parsed.success) throw new Error(`unexpected response from ${POLICY_APPLY_PATH}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return parsed.data;
}

export interface PlanCliOptions extends RemoteOptions {
  force?: boolean;
  /** Delete objects the file does not list even when it does not own them. */
  prune?: boolean;
}

/** Exit codes of `moat policy diff`, so CI can gate on drift. */
export const DIFF_NO_CHANGES = 0;
export const DIFF_ERROR = 1;
export const DIFF_CHANGES = 2;

function loadDesired(file: string, io: CliIo): { state: PolicyState; manage: ManageScope } | undefined {
  const r = parsePolicyFile(file, policySectionSchemas());
  if (!r.ok) {
    io.err(`${formatPolicyIssues(r.issues)}\n${file}: ${r.issues.length} problem${r.issues.length === 1 ? '' : 's'}; nothing was changed.\n`);
    return undefined;
  }
  return { state: r.state, manage: { orgs: r.file.manage?.orgs ?? [], admins: r.file.manage?.admins ?? [] } };
}

/** Exit code 0 when valid, 1 when not. */
export function runValidate(file: string, io: CliIo = processIo): number {
  const state = loadDesired(file, io)?.state;
  if (!state) return 1;
  io.out(`${file}: valid (${state.orgs.length} orgs, ${state.grants.length} grants, ${state.keys.length} keys, ${state.admins.length} admins, ${Object.keys(state.rules.features ?? {}).length} features)\n`);
  return 0;
}

async function plan(file: string, opts: PlanCliOptions, io: CliIo): Promise<{ plan: PolicyPlan; version: number; remote: AdminConnection } | undefined> {
  const desired = loadDesired(file, io);
  if (!desired) return undefined;
  const remote = resolveRemote(opts);
  const current = await fetchPolicyState(remote);
  return { plan: planPolicy(current.state, desired.state, { force: opts.force ?? false, prune: opts.prune ?? false, manage: desired.manage }), version: current.version, remote };
}

/** The plan as CI reads it: stable field names, one entry per step, no secrets (plans never hold any). */
export function planJson(p: PolicyPlan, version: number): Record<string, unknown> {
  const n = (a: string) => p.steps.filter((s) => s.action === a).length;
  return {
    changes: p.steps.length > 0,
    storeVersion: version,
    summary: { create: n('create'), update: n('update'), delete: n('delete') },
    steps: p.steps.map((s) => ({ kind: s.kind, action: s.action, id: s.id, ...(s.fields ? { fields: s.fields } : {}), ...(s.before !== undefined ? { before: s.before } : {}), ...(s.after !== undefined ? { after: s.after } : {}) })),
    unmanaged: p.unmanaged,
    guards: p.guards,
    refused: p.refused,
  };
}

/**
 * Prints the plan (text, or JSON with --json). Exit code 0 when the store matches the file, 2 when there are
 * changes, 1 on errors, so a CI step can gate on drift.
 */
export async function runDiff(file: string, opts: PlanCliOptions & { json?: boolean } = {}, io: CliIo = processIo): Promise<number> {
  const p = await plan(file, opts, io);
  if (!p) return DIFF_ERROR;
  io.out(opts.json ? `${JSON.stringify(planJson(p.plan, p.version), null, 2)}\n` : p.plan.text);
  return p.plan.steps.length ? DIFF_CHANGES : DIFF_NO_CHANGES;
}

export async function runApply(file: string, opts: PlanCliOptions = {}, io: CliIo = processIo): Promise<number> {
  const p = await plan(file, opts, io);
  if (!p) return 1;
  io.out(p.plan.text);
  if (p.plan.steps.length === 0) return 0;
  if (p.plan.refused) {
    io.err('Nothing was changed.\n');
    return 1;
  }
  const res = await postPolicyApply(p.remote, { steps: p.plan.steps, force: opts.force ?? false, expectedVersion: p.version });
  io.out(`Applied ${res.applied} change${res.applied === 1 ? '' : 's'} (store version ${res.version}).\n`);
  for (const s of res.secrets) io.out(`New ${s.kind === 'key' ? 'API key' : 'admin token'} ${s.id}: ${s.secret}  (shown once; store it now)\n`);
  return 0;
}

export function register(program: Command): void {
  const policy = program.command('policy').description('Policy as code: validate, diff and apply a policy YAML file.');
  const remote = (c: Command) =>
    c
      .option('--url <url>', 'Admin API base URL (default: $MOAT_URL or http://127.0.0.1:8787)')
      .option('--token <token>', 'Admin token (default: $MOAT_ADMIN_TOKEN or <data-dir>/admin-token)')
      .option('--data-dir <dir>', 'Data folder holding admin-token (default: $MOAT_DATA_DIR or .moat)');
  policy
    .command('validate')
    .argument('<file>', 'policy YAML file')
    .description('Check a policy file offline; errors name file, line and path.')
    .action((file: string) => {
      process.exitCode = runValidate(file);
    });
  const prune = (c: Command) => c.option('--prune', 'Also delete objects the file does not list and does not own (see `manage:`)');
  prune(remote(policy.command('diff').argument('<file>', 'policy YAML file').description('Show the plan that would bring the store to this file. Exit code 0: no changes, 2: changes, 1: error.')))
    .option('--json', 'Print the plan as JSON')
    .action(async (file: string, o: PlanCliOptions & { json?: boolean }) => {
      process.exitCode = await runDiff(file, o);
    });
  prune(remote(policy.command('apply').argument('<file>', 'policy YAML file').description('Apply the plan; idempotent. Guarded changes need --force.')))
    .option('--force', 'Apply even if the plan revokes every org or removes the last admin')
    .action(async (file: string, o: PlanCliOptions) => {
      process.exitCode = await runApply(file, o);
    });
}
