// `moat limits show ORG [--key KEY]` (effective limits and usage, through the admin API) and
// `moat limits check FILE` (offline validation of a limits section, alone or inside a policy file).
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { OrgLimits } from '../../admin/routes/limits-routes.js';
import { compileLimitSpecs } from '../../limits/compile-limit-specs.js';
import { LimitsConfigSchema } from '../../limits/limits-schema.js';

/** Validates the `limits:` section of a policy file, or a file holding only a limits section. Exit code 0/1. */
export function runLimitsCheck(file: string, io: { out(t: string): void; err(t: string): void }): number {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    io.err(`${file}: ${(e as Error).message}\n`);
    return 1;
  }
  const isPolicy = typeof doc === 'object' && doc !== null && 'limits' in doc;
  const section = isPolicy ? (doc as { limits: unknown }).limits : (doc ?? {});
  const prefix = isPolicy ? ['limits'] : [];
  const r = LimitsConfigSchema.safeParse(section);
  if (!r.success) {
    for (const i of r.error.issues) io.err(`${file}: ${[...prefix, ...i.path.map(String)].join('.') || '(root)'}: ${i.message}\n`);
    io.err(`${file}: ${r.error.issues.length} problem${r.error.issues.length === 1 ? '' : 's'} in the limits section\n`);
    return 1;
  }
  const specs = compileLimitSpecs(r.data);
  io.out(`${file}: limits valid (${specs.length} limit${specs.length === 1 ? '' : 's'}; ${Object.keys(r.data.tiers).length} tiers, ${Object.keys(r.data.orgs).length} org overrides, ${Object.keys(r.data.keys).length} key overrides, ${Object.keys(r.data.throttles ?? {}).length} throttles)\n`);
  return 0;
}

const num = (n: number | null) => (n === null ? '-' : String(n));

export function formatOrgLimits(res: OrgLimits): string {
  const head = `org ${res.org_name} (${res.org_id}), tier ${res.tier}${res.throttle ? `, throttled ×${res.throttle.factor}` : ''}${res.usage_available ? '' : ' (usage unavailable from this admin API)'}`;
  const rows: string[][] = [['KEY', 'METRIC', 'COUNTER', 'LIMIT', 'USED', 'REMAINING', 'RESETS', 'SOURCE']];
  for (const k of res.keys) {
    for (const l of k.limits) {
      rows.push([k.key_name, l.metric, `${l.subject}:${l.subject_id}`, l.throttled_from !== undefined ? `${l.limit} (of ${l.throttled_from})` : String(l.limit), num(l.used), num(l.remaining), l.resets_at ?? '-', l.source]);
    }
  }
  return rows.length === 1 ? `${head}\nno limits apply` : `${head}\n${table(rows)}`;
}

export function register(program: Command): void {
  const limits = program.command('limits').description('Rate limits and quotas.');
  addConnectionOptions(
    limits
      .command('show <org>')
      .description("An org's effective limits per key and current usage (admin API).")
      .option('--key <key>', 'only this key (id or name)'),
  ).action(async (org: string, o: { key?: string }, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', `/admin/orgs/${enc(org)}/limits${o.key ? `?key=${enc(o.key)}` : ''}`)) as OrgLimits;
    writeOut(cmd, wantsJson(cmd) ? JSON.stringify(res, null, 2) : formatOrgLimits(res));
  });
  limits
    .command('check <file>')
    .description('Validate a limits section offline (a policy file with `limits:`, or the section alone).')
    .action((file: string) => {
      process.exitCode = runLimitsCheck(file, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) });
    });
}
