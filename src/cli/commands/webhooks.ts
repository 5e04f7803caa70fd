// `moat webhooks ...`: webhook operations through the admin HTTP API — the webhooks and their delivery counts,
// a webhook's delivery log, one delivery in full, redelivery of dead letters, and an org's signing secret
// (read or rolled).
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';

interface Delivery {
  id: string;
  target: string;
  event: string;
  status: string;
  attempts: number;
  lastError?: string;
  createdAt: string;
  updatedAt: string;
  body?: string;
}

/** `ops`, an org id (`customer:<org>`), or a target as the API names it. */
function targetOf(name: string): string {
  return name === 'ops' || name.startsWith('customer:') ? name : `customer:${name}`;
}

export function register(program: Command): void {
  const hooks = addConnectionOptions(program.command('webhooks').description('Webhook operations: delivery logs, dead letters, signing secrets (admin API).'));

  hooks.command('list').description('The webhooks with delivery counts by status.').action(async (_o, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', '/admin/webhooks')) as { webhooks: Array<{ target: string; url?: string; counts: Record<string, number> }> };
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.webhooks, null, 2));
    writeOut(cmd, table([['TARGET', 'URL', 'PENDING', 'DELIVERED', 'DEAD'], ...res.webhooks.map((w) => [w.target, w.url ?? '-', String(w.counts.pending), String(w.counts.delivered), String(w.counts.dead)])]));
  });

  hooks
    .command('deliveries [webhook]')
    .description('The delivery log, newest first: of one webhook ("ops" or an org id), or all.')
    .option('--status <status>', 'pending, delivered or dead')
    .option('--limit <n>', 'at most this many', '100')
    .action(async (webhook: string | undefined, o: { status?: string; limit: string }, cmd: Command) => {
      const q = new URLSearchParams({ limit: o.limit, ...(webhook ? { target: targetOf(webhook) } : {}), ...(o.status ? { status: o.status } : {}) });
      const res = (await callAdmin(cmd, 'GET', `/admin/webhooks/deliveries?${q}`)) as { deliveries: Delivery[] };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.deliveries, null, 2));
      writeOut(cmd, table([['ID', 'TARGET', 'EVENT', 'STATUS', 'ATTEMPTS', 'UPDATED', 'LAST ERROR'], ...res.deliveries.map((d) => [d.id, d.target, d.event, d.status, String(d.attempts), d.updatedAt, d.lastError ?? '-'])]));
    });

  hooks.command('show <delivery>').description('One delivery with the exact body that was signed.').action(async (id: string, _o, cmd: Command) => {
    const d = (await callAdmin(cmd, 'GET', `/admin/webhooks/deliveries/${enc(id)}`)) as Delivery;
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(d, null, 2));
    const { body, ...rest } = d;
    writeOut(cmd, `${Object.entries(rest).map(([k, v]) => `${k}: ${String(v)}`).join('\n')}\nbody: ${body ?? ''}`);
  });

  hooks
    .command('redeliver [deliveries...]')
    .description('Redeliver dead letters: the given delivery ids, or with --webhook all of one webhook\'s, or with --all every one.')
    .option('--webhook <webhook>', '"ops" or an org id')
    .option('--all', 'every dead letter')
    .action(async (ids: string[], o: { webhook?: string; all?: boolean }, cmd: Command) => {
      if (!ids.length && !o.webhook && !o.all) throw new Error('name delivery ids, --webhook, or --all');
      const res = (await callAdmin(cmd, 'POST', '/admin/webhooks/redeliver', { ...(ids.length ? { ids } : {}), ...(o.webhook ? { target: targetOf(o.webhook) } : {}) })) as { redelivered: string[] };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      writeOut(cmd, `redelivering ${res.redelivered.length} dead letter${res.redelivered.length === 1 ? '' : 's'}${res.redelivered.length ? `: ${res.redelivered.join(' ')}` : ''}`);
    });

  hooks
    .command('secret <org>')
    .description("An org's contact-webhook signing secret (to hand to that customer); --roll issues a new one.")
    .option('--roll', 'roll the secret; the old one keeps signing for --grace')
    .option('--grace <duration>', 'with --roll: how long the old secret keeps signing (e.g. 24h; 0 stops it now)', '24h')
    .action(async (org: string, o: { roll?: boolean; grace: string }, cmd: Command) => {
      const path = `/admin/orgs/${enc(org)}/webhook-secret`;
      const res = (o.roll ? await callAdmin(cmd, 'POST', `${path}/roll`, { grace: o.grace }) : await callAdmin(cmd, 'GET', path)) as { secret: string; generation: number; previous?: { secret: string; validUntil: string } };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      writeOut(cmd, `${res.secret}\n(generation ${res.generation}${res.previous ? `; the previous secret also signs until ${res.previous.validUntil}` : ''})`);
    });
}
