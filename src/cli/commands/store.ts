// `moat store check|backup|restore`: the embedded store's integrity and backups, offline (stop the gateway
// first: it locks the data folder while it runs).
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { backupStore, checkStore, restoreStore, type StoreReport } from '../../store/store-maintenance.js';
import { writeOut } from '../admin-cli-support.js';

function dataDirOf(opts: { dataDir?: string; config?: string }): string {
  if (opts.dataDir) return opts.dataDir;
  const cfg = loadConfig(opts.config ? { file: opts.config } : {});
  if (cfg.databaseUrl) throw new Error('moat store works on the embedded store; this configuration uses PostgreSQL (use its own backup tools, e.g. pg_dump)');
  return cfg.dataDir;
}

function print(cmd: Command, r: StoreReport, json: boolean): void {
  if (json) return writeOut(cmd, JSON.stringify(r, null, 2));
  const lines: string[] = [];
  for (const p of r.problems) lines.push(`problem: ${p}`);
  for (const a of r.actions) lines.push(a);
  if (r.holds)
    lines.push(`store: ${r.holds.orgs} orgs, ${r.holds.keys} keys, audit log of ${r.holds.auditSeq} entries (${r.holds.auditEntriesVerified} verified, head ${r.holds.auditHash.slice(0, 16) || '-'})`);
  lines.push(r.ok ? 'ok' : 'NOT OK: see the problems above; restore a backup with `moat store restore FILE`, or accept the store as it is with `moat store check --accept`');
  writeOut(cmd, lines.join('\n'));
}

export function register(program: Command): void {
  const store = program.command('store').description('Check, back up and restore the embedded store (stop the gateway first).');
  const common = (c: Command) =>
    c.option('--data-dir <dir>', 'data folder (default: from configuration, .moat)').option('-c, --config <file>', 'YAML configuration file (default: $MOAT_CONFIG)').option('--json', 'print the report as JSON');
  common(
    store
      .command('check')
      .description('Check the store against what was committed (identity file: cluster, schema, org/key counts, audit head) and verify the audit chain. Exit 1 on a problem.')
      .option('--accept', 'take the store as it is now (after a loss you understand): rewrite its identity file, or move an unopenable database aside'),
  ).action(async (o: { dataDir?: string; config?: string; json?: boolean; accept?: boolean }, cmd: Command) => {
    const r = await checkStore(dataDirOf(o), { accept: Boolean(o.accept) });
    print(cmd, r, Boolean(o.json));
    if (!r.ok) process.exitCode = 1;
  });
  common(store.command('backup <file>').description('Write the whole store as a gzipped tarball (PGlite dump).')).action(
    async (file: string, o: { dataDir?: string; config?: string; json?: boolean }, cmd: Command) => {
      const r = await backupStore(dataDirOf(o), file);
      print(cmd, r, Boolean(o.json));
      if (!r.ok) process.exitCode = 1;
    },
  );
  common(store.command('restore <file>').description('Replace the store with a backup; the current database is moved aside (pgdata.before-restore-<time>), never deleted.')).action(
    async (file: string, o: { dataDir?: string; config?: string; json?: boolean }, cmd: Command) => {
      const r = await restoreStore(dataDirOf(o), file);
      print(cmd, r, Boolean(o.json));
      if (!r.ok) process.exitCode = 1;
    },
  );
}
