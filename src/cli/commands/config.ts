// `moat config docs|check`: the configuration reference, generated from the schema, and a boot-time check.
import type { Command } from 'commander';
import { configurationMarkdown } from '../../config/config-docs.js';
import { loadConfig } from '../../config/load.js';

export function register(program: Command): void {
  const config = program.command('config').description('Configuration reference and validation.');
  config
    .command('docs')
    .description('Print the configuration reference (docs/configuration.md) generated from the schema.')
    .action(() => {
      process.stdout.write(configurationMarkdown());
    });
  config
    .command('check')
    .description('Validate configuration (file and environment) and print the effective values, secrets masked.')
    .option('-c, --config <file>', 'YAML configuration file (default: $MOAT_CONFIG)')
    .action((opts: { config?: string }) => {
      const cfg = loadConfig(opts.config ? { file: opts.config } : {});
      const masked = { ...cfg, ...(cfg.adminToken ? { adminToken: '***' } : {}), ...(cfg.databaseUrl ? { databaseUrl: cfg.databaseUrl.replace(/\/\/[^@]*@/, '//***@') } : {}) };
      process.stdout.write(JSON.stringify(masked, null, 2) + '\n');
    });
}
