// `moat cases ...`: enforcement cases through the admin HTTP API.
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { Case, CaseSummary } from '../../enforcement/case-model.js';

function show(cmd: Command, c: Case): void {
  if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(c, null, 2));
  const p = c.proposedAction;
  const lines = [
    `id:         ${c.id}`,
    `title:      ${c.title}`,
    `status:     ${c.status} (${c.severity})${c.mergedInto ? `, folded into ${c.mergedInto}` : ''}`,
    `orgs:       ${c.orgIds.join(', ')}`,
    `labels:     ${c.labels.join(', ')} (confidence ${c.confidence})`,
    `clause:     ${c.clause}`,
  ];
  if (p) lines.push(`proposed:   ${p.action}${p.requiresApproval ? ' (needs approval)' : ' (automatic)'} by ${p.ruleId ?? '-'}`);
  lines.push('timeline:');
  for (const s of c.timeline) lines.push(`  ${s.at}  ${s.kind.padEnd(16)} ${s.actor}: ${s.text}`);
  const e = c.evidence;
  if (e.features.length) lines.push('features:', ...e.features.map((f) => `  ${f.name} = ${f.value} (${f.comparison} ${f.threshold}${f.exceeded ? ', exceeded' : ''})`));
  if (e.matchedBenchmarks.length) lines.push(`benchmarks: ${e.matchedBenchmarks.map((b) => `${b.benchmark} (${b.matches})`).join(', ')}`);
  if (e.linkedAccounts.length) lines.push('linked:', ...e.linkedAccounts.map((l) => `  ${l.orgId}: ${l.reason}`));
  if (e.sampleRequests.length) lines.push('samples:', ...e.sampleRequests.map((s) => `  ${s.orgId}: ${s.excerpt.slice(0, 120)}`));
  writeOut(cmd, lines.join('\n'));
}

export function register(program: Command): void {
  const cases = addConnectionOptions(program.command('cases').description('Enforcement cases (admin API).'));

  cases
    .command('list')
    .description('List cases, newest first.')
    .option('--status <status>', 'open | actioned | dismissed | reinstated | appealed | merged | all', 'all')
    .option('--severity <severity>', 'critical | high | medium | low')
    .option('--org <org>', 'only cases involving this org id')
    .action(async (o: { status: string; severity?: string; org?: string }, cmd: Command) => {
      const q = new URLSearchParams({ status: o.status, ...(o.severity ? { severity: o.severity } : {}), ...(o.org ? { org: o.org } : {}) });
      const res = (await callAdmin(cmd, 'GET', `/admin/cases?${q}`)) as { cases: CaseSummary[] };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.cases, null, 2));
      writeOut(cmd, table([['ID', 'STATUS', 'SEVERITY', 'PROPOSED', 'ORGS', 'TITLE'], ...res.cases.map((c) => [c.id, c.status, c.severity, c.proposedAction?.action ?? '-', String(c.orgIds.length), c.title])]));
    });

  cases.command('show <id>').description('Show a case: timeline, evidence, proposed action.').action(async (id: string, _o, cmd: Command) => {
    show(cmd, ((await callAdmin(cmd, 'GET', `/admin/cases/${enc(id)}`)) as { case: Case }).case);
  });

  for (const [name, what] of [
    ['approve', 'Approve the proposed action (executes it).'],
    ['dismiss', 'Dismiss an open case.'],
    ['reinstate', 'Lift the action taken on a case.'],
    ['appeal', "Record the customer's appeal."],
    ['note', 'Add a note.'],
  ] as const) {
    cases
      .command(`${name} <id>`)
      .description(what)
      .requiredOption('--note <text>', 'why (kept in the case timeline and audit trail)')
      .action(async (id: string, o: { note: string }, cmd: Command) => {
        show(cmd, ((await callAdmin(cmd, 'POST', `/admin/cases/${enc(id)}/${name}`, { note: o.note })) as { case: Case }).case);
      });
  }
}
