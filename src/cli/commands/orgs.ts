// `moat orgs ...`: organizations through the admin HTTP API.
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, collect, enc, parseAttributes, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { Org } from '../../model/org.js';

function show(cmd: Command, org: Org): void {
  if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(org, null, 2));
  const lines = [`id:         ${org.id}`, `name:       ${org.name}`, `status:     ${org.status}${org.suspendedUntil ? ` until ${org.suspendedUntil}` : ''}`, `tier:       ${org.tier}`];
  if (org.statusChange) lines.push(`reason:     ${org.statusChange.reason}${org.statusChange.clause ? ` (clause: ${org.statusChange.clause})` : ''}${org.statusChange.caseId ? ` [case ${org.statusChange.caseId}]` : ''} by ${org.statusChange.actor}`);
  if (Object.keys(org.attributes).length) lines.push(`attributes: ${JSON.stringify(org.attributes)}`);
  if (org.labels.length) lines.push(`labels:     ${org.labels.join(', ')}`);
  writeOut(cmd, lines.join('\n'));
}

export function register(program: Command): void {
  const orgs = addConnectionOptions(program.command('orgs').description('Manage organizations (admin API).'));

  orgs.command('list').description('List organizations.').action(async (_o, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', '/admin/orgs')) as { orgs: Org[] };
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.orgs, null, 2));
    writeOut(cmd, table([['ID', 'NAME', 'STATUS', 'TIER'], ...res.orgs.map((o) => [o.id, o.name, o.status, o.tier])]));
  });

  orgs.command('get <org>').description('Show one organization (id or name).').action(async (org: string, _o, cmd: Command) => {
    show(cmd, (await callAdmin(cmd, 'GET', `/admin/orgs/${enc(org)}`)) as Org);
  });

  orgs
    .command('create <name>')
    .description('Create an organization.')
    .option('--tier <tier>', 'tier name')
    .option('--attr <key=value>', 'attribute (repeatable), e.g. competitor=true', collect)
    .option('--label <label>', 'label (repeatable)', collect)
    .option('--contact-webhook <url>', 'where customer notices are sent')
    .action(async (name: string, o: { tier?: string; attr?: string[]; label?: string[]; contactWebhook?: string }, cmd: Command) => {
      show(cmd, (await callAdmin(cmd, 'POST', '/admin/orgs', { name, tier: o.tier, attributes: parseAttributes(o.attr), labels: o.label, contactWebhook: o.contactWebhook })) as Org);
    });

  orgs
    .command('update <org>')
    .description('Change name, tier, attributes (replaces all) or labels (replaces all).')
    .option('--name <name>')
    .option('--tier <tier>')
    .option('--attr <key=value>', 'attribute (repeatable)', collect)
    .option('--label <label>', 'label (repeatable)', collect)
    .action(async (org: string, o: { name?: string; tier?: string; attr?: string[]; label?: string[] }, cmd: Command) => {
      show(cmd, (await callAdmin(cmd, 'PATCH', `/admin/orgs/${enc(org)}`, { name: o.name, tier: o.tier, attributes: parseAttributes(o.attr), labels: o.label })) as Org);
    });

  // Shorthands for the status changes enforcement uses most; each names reason and clause, and can reach the
  // org's direct affiliates (each gets its own audit entry).
  const statusCommand = (name: string, status: string, description: string, needsUntil: boolean) => {
    const c = orgs
      .command(`${name} <org>`)
      .description(description)
      .requiredOption('--reason <text>', 'why (shown to the org in denials)')
      .option('--case <id>', 'case reference')
      .option('--with-affiliates', 'apply the same status to every directly affiliated org');
    if (status === 'active') c.option('--clause <clause>', 'clause of the terms (optional for reinstatement)');
    else c.requiredOption('--clause <clause>', 'clause of the terms enforced (shown to callers)');
    if (needsUntil) c.requiredOption('--until <iso-time>', 'when access returns');
    c.action(async (org: string, o: { reason: string; clause?: string; case?: string; until?: string; withAffiliates?: boolean }, cmd: Command) => {
      const res = (await callAdmin(cmd, 'POST', `/admin/orgs/${enc(org)}/status`, {
        status, reason: o.reason, clause: o.clause, caseId: o.case, until: o.until, ...(o.withAffiliates ? { includeAffiliates: true } : {}),
      })) as Org & { affiliates?: Org[] };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      const { affiliates, ...main } = res;
      show(cmd, main);
      if (affiliates) writeOut(cmd, affiliates.length ? `also ${status}: ${affiliates.map((a) => `${a.name} (${a.id})`).join(', ')}` : 'no affiliates');
    });
  };
  statusCommand('revoke', 'revoked', 'Revoke access: every request is refused, naming reason and clause.', false);
  statusCommand('suspend', 'suspended', 'Suspend access until a time (--until).', true);
  statusCommand('restrict', 'restricted', 'Restrict to what the org\'s grants allow (e.g. safety evaluation only).', false);
  statusCommand('reinstate', 'active', 'Reinstate full access.', false);

  orgs
    .command('status <org> <status>')
    .description('Set access status: active | restricted | suspended (needs --until) | revoked.')
    .requiredOption('--reason <text>', 'why (shown to the org in denials)')
    .option('--clause <clause>', 'clause of the terms enforced')
    .option('--case <id>', 'case reference')
    .option('--until <iso-time>', 'end of a suspension')
    .action(async (org: string, status: string, o: { reason: string; clause?: string; case?: string; until?: string }, cmd: Command) => {
      show(cmd, (await callAdmin(cmd, 'POST', `/admin/orgs/${enc(org)}/status`, { status, reason: o.reason, clause: o.clause, caseId: o.case, until: o.until })) as Org);
    });
}
