// The shipped default playbook (rules/playbooks/default.yaml), read once and validated with the same schema
// as a policy file's `playbooks:` section.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../detection/data-path.js';
import { playbooksSchema, type Playbooks } from './playbook-schema.js';

export function defaultPlaybookPath(): string {
  return join(repoRoot(), 'rules', 'playbooks', 'default.yaml');
}

let cached: Playbooks | undefined;

/** The default playbook; `autoEnforce` overrides its switch (e.g. from config or a test). */
export function defaultPlaybooks(opts: { autoEnforce?: boolean } = {}): Playbooks {
  cached ??= playbooksSchema.parse(parse(readFileSync(defaultPlaybookPath(), 'utf8')));
  return opts.autoEnforce === undefined ? cached : { ...cached, auto_enforce: opts.autoEnforce };
}
