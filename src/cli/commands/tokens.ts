// `moat tokens ...`: admin tokens and their roles (viewer < analyst < admin). Needs an admin token.
import type { Command } from 'commander';
import { addConnectionOptions, callAdmin, enc, table, wantsJson, writeOut } from '../admin-cli-support.js';
import type { AdminTokenListing } from '../../store/admin-tokens-repo.js';

export function register(program: Command): void {
  const tokens = addConnectionOptions(program.command('tokens').description('Manage admin tokens (admin API, role admin).'));

  tokens.command('list').description('List admin tokens.').action(async (_o, cmd: Command) => {
    const res = (await callAdmin(cmd, 'GET', '/admin/tokens')) as { tokens: AdminTokenListing[] };
    if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res.tokens, null, 2));
    writeOut(cmd, table([['ID', 'NAME', 'ROLE', 'CREATED'], ...res.tokens.map((t) => [t.id, t.name, t.role, t.createdAt])]));
  });

  tokens
    .command('create <name>')
    .description('Create an admin token; prints the secret once.')
    .requiredOption('--role <role>', 'viewer | analyst | admin')
    .action(async (name: string, o: { role: string }, cmd: Command) => {
      const res = (await callAdmin(cmd, 'POST', '/admin/tokens', { name, role: o.role })) as { token: AdminTokenListing; secret: string };
      if (wantsJson(cmd)) return writeOut(cmd, JSON.stringify(res, null, 2));
      writeOut(cmd, `admin token ${res.token.name} (${res.token.role}) created\n${res.secret}\n(store it now: the secret is not shown again)`);
    });

  tokens
    .command('delete <token>')
    .description('Delete an admin token (id or name).')
    .option('--force', 'allow deleting the last admin token')
    .action(async (token: string, o: { force?: boolean }, cmd: Command) => {
      await callAdmin(cmd, 'DELETE', `/admin/tokens/${enc(token)}${o.force ? '?force=true' : ''}`);
      writeOut(cmd, `deleted ${token}`);
    });
}
