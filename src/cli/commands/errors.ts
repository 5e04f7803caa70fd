// `moat errors`: the error catalog, as a table or as the markdown of docs/errors.md.
import type { Command } from 'commander';
import { ERROR_CATALOG } from '../../errors/catalog.js';
import { errorsMarkdown } from '../errors-markdown.js';

export function register(program: Command): void {
  program
    .command('errors')
    .description('List the error codes Moat can return (status, meaning, what the caller should do).')
    .option('--markdown', 'print docs/errors.md')
    .action((opts: { markdown?: boolean }) => {
      if (opts.markdown) return void process.stdout.write(errorsMarkdown());
      for (const [code, s] of Object.entries(ERROR_CATALOG)) process.stdout.write(`${String(s.status).padEnd(4)} ${code.padEnd(26)} ${s.meaning}\n`);
    });
}
