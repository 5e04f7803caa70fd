// The `moat` command line. Each command group lives in its own file under commands/ and registers itself here.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { register as registerDetection } from './commands/detection-commands.js';
import { register as registerPolicy } from './commands/policy.js';
import { register as registerErrors } from './commands/errors.js';
import { register as registerOrgs } from './commands/orgs.js';
import { register as registerKeys } from './commands/keys.js';
import { register as registerTokens } from './commands/tokens.js';
import { register as registerAudit } from './commands/audit.js';
import { register as registerCases } from './commands/cases.js';
import { register as registerStart } from './commands/start.js';
import { register as registerConfig } from './commands/config.js';
import { register as registerLimits } from './commands/limits.js';
import { register as registerStore } from './commands/store.js';
import { register as registerWebhooks } from './commands/webhooks.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('moat')
    .description('Moat: a gateway for model APIs that enforces terms of service.')
    .version(pkg.version)
    .showHelpAfterError();
  // Command groups (each file exports register(program)).
  registerStart(program);
  registerConfig(program);
  registerDetection(program);
  registerPolicy(program);
  registerErrors(program);
  registerOrgs(program);
  registerKeys(program);
  registerTokens(program);
  registerAudit(program);
  registerCases(program);
  registerLimits(program);
  registerStore(program);
  registerWebhooks(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    process.stderr.write(`moat: ${(e as Error).message}\n`);
    process.exitCode = 1;
  }
}
