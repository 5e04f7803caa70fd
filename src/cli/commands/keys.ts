// `moat keys ...`: API keys through the admin HTTP API. The secret is printed once, on creation.
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { ApiKeyListing } from '../../store/keys-repo.js';

function showKey(cmd: Command, k: ApiKeyListing): void {
  if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(k, null, 2));
  writeOut(cmd, table([['ID', 'ORG', 'NAME', 'PREFIX', 'STATUS', 'EXPIRES'], [k.id, k.orgId, k.name, k.prefix, k.status, k.expiresAt ?? '-']]));
}

export function register(program: Command): void {
  const keys = addConnectionOptions(program.command('keys').description('Manage API keys (admin API).'));

  keys.command('list').description('List keys (prefix only).').option('--org <org>', 'only this org (id or name)').action(async (o: { org?: string }, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', `/admin/keys${o.org ? `?org=${enc(o.org)}` : ''}`)) as { keys: ApiKeyListing[] };
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.keys, null, 2));
    writeOut(cmd, table([['ID', 'ORG', 'NAME', 'PREFIX', 'STATUS', 'EXPIRES'], ...res.keys.map((k) => [k.id, k.orgId, k.name, k.prefix, k.status, k.expiresAt ?? '-'])]));
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

  keys.command('delete <key>').description('Delete a key.').action(async (key: string, _o, cmd: Command) => {
    await callAdmin(cmd, 'DELETE', `/admin/keys/${enc(key)}`);
    writeOut(cmd, `deleted ${key}`);
  });
}
