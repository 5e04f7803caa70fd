// `moat keys ...`: API keys through the admin HTTP API. The secret is printed once, on creation.
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { ApiKeyListing } from '../../store/keys-repo.js';

const HEADER = ['ID', 'ORG', 'NAME', 'PREFIX', 'STATUS', 'EXPIRES', 'LAST USED', 'PREVIOUS SECRET UNTIL'];
const row = (k: ApiKeyListing) => [k.id, k.orgId, k.name, k.prefix, k.status, k.expiresAt ?? '-', k.lastUsedAt ?? 'never', k.previous ? `${k.previous.prefix} ${k.previous.validUntil}` : '-'];

function showKey(cmd: Command, k: ApiKeyListing): void {
  if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(k, null, 2));
  writeOut(cmd, table([HEADER, row(k)]));
}

export function register(program: Command): void {
  const keys = addConnectionOptions(program.command('keys').description('Manage API keys (admin API).'));

  keys.command('list').description('List keys (prefix only).').option('--org <org>', 'only this org (id or name)').action(async (o: { org?: string }, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', `/admin/keys${o.org ? `?org=${enc(o.org)}` : ''}`)) as { keys: ApiKeyListing[] };
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.keys, null, 2));
    writeOut(cmd, table([HEADER, ...res.keys.map(row)]));
  });

  keys
    .command('create')
    .description('Create a key; prints the secret once.')
    .requiredOption('--org <org>', 'org id or name')
    .requiredOption('--name <name>', 'key name')
    .option('--env <env>', 'key env segment, e.g. live or test')
    .option('--expires <iso-time>', 'expiry')
    .action(async (o: { org: string; name: string; env?: string; expires?: string }, cmd: Command) => {
      const res = (await callAdmin(cmd, 'POST', `/admin/orgs/${enc(o.org)}/keys`, { name: o.name, env: o.env, expiresAt: o.expires })) as { key: ApiKeyListing; secret: string };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      writeOut(cmd, `key ${res.key.id} created for ${res.key.orgId}\n${res.secret}\n(store it now: the secret is not shown again)`);
    });

  keys
    .command('disable <key>')
    .description('Disable a key.')
    .option('--reason <text>')
    .option('--clause <clause>')
    .option('--case <id>')
    .action(async (key: string, o: { reason?: string; clause?: string; case?: string }, cmd: Command) => {
      showKey(cmd, (await callAdmin(cmd, 'POST', `/admin/keys/${enc(key)}/disable`, { reason: o.reason, clause: o.clause, caseId: o.case })) as ApiKeyListing);
    });

  keys.command('enable <key>').description('Re-enable a key.').action(async (key: string, _o, cmd: Command) => {
    showKey(cmd, (await callAdmin(cmd, 'POST', `/admin/keys/${enc(key)}/enable`, {})) as ApiKeyListing);
  });

  keys.command('expire <key> <when>').description('Set the expiry (ISO time) or clear it ("never").').action(async (key: string, when: string, _o, cmd: Command) => {
    showKey(cmd, (await callAdmin(cmd, 'PUT', `/admin/keys/${enc(key)}/expiry`, { expiresAt: when === 'never' ? null : when })) as ApiKeyListing);
  });

  keys
    .command('rotate <key>')
    .description('Issue a new secret for the key (printed once); the old secret keeps working for the grace period.')
    .option('--grace <duration>', 'how long the old secret keeps working, e.g. 24h, 30m; 0 stops it now', '24h')
    .action(async (key: string, o: { grace: string }, cmd: Command) => {
      const res = (await callAdmin(cmd, 'POST', `/admin/keys/${enc(key)}/rotate`, { grace: o.grace })) as { key: ApiKeyListing; secret: string; previousValidUntil?: string };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      const old = res.previousValidUntil ? `the old secret (${res.key.previous?.prefix ?? ''}) keeps working until ${res.previousValidUntil}` : 'the old secret no longer works';
      writeOut(cmd, `key ${res.key.id} rotated: ${old}\n${res.secret}\n(store it now: the secret is not shown again)`);
    });

  keys.command('end-rotation <key>').description("Stop a rotated key's old secret now instead of at the end of its grace period.").action(async (key: string, _o, cmd: Command) => {
    showKey(cmd, (await callAdmin(cmd, 'POST', `/admin/keys/${enc(key)}/rotation/end`)) as ApiKeyListing);
  });

  keys.command('delete <key>').description('Delete a key.').action(async (key: string, _o, cmd: Command) => {
    await callAdmin(cmd, 'DELETE', `/admin/keys/${enc(key)}`);
    writeOut(cmd, `deleted ${key}`);
  });
}
