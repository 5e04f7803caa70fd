// Capturing what the CLI prints, for tests: `moat ...` run in-process through commander, and the CliIo the
// policy and limits commands write to.
import { buildProgram } from '../../src/cli/main.js';
import type { CliIo } from '../../src/cli/commands/policy.js';

/** A CliIo that keeps what it was given. */
export interface CapturedIo extends CliIo {
  stdout: string;
  stderr: string;
}

export function captureIo(): CapturedIo {
  const io: CapturedIo = { stdout: '', stderr: '', out: (t) => void (io.stdout += t), err: (t) => void (io.stderr += t) };
  return io;
}

/** Runs `moat <args>` in-process and returns everything it printed (stdout and stderr, in order). */
export async function runMoatCli(args: readonly string[]): Promise<string> {
  let out = '';
  const program = buildProgram();
  program.exitOverride();
  program.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  await program.parseAsync(['node', 'moat', ...args]);
  return out;
}
