// Which playbooks are in force: the policy's `playbooks:` section when it has one, else the shipped default.
import { defaultPlaybooks } from './default-playbook.js';
import { playbooksSchema, type Playbooks } from './playbook-schema.js';

const parsed = new WeakMap<object, Playbooks>();

/** `policy` is a PolicyRules / PolicyFile-like object (with `playbooks`), or undefined. Throws on an invalid section. */
export function playbooksFromPolicy(policy: unknown, opts: { autoEnforce?: boolean } = {}): Playbooks {
  const section = policy && typeof policy === 'object' ? (policy as { playbooks?: unknown }).playbooks : undefined;
  let pb: Playbooks;
  if (section === undefined || section === null) pb = defaultPlaybooks();
  else if (typeof section === 'object') {
    pb = parsed.get(section) ?? playbooksSchema.parse(section);
    parsed.set(section, pb);
  } else pb = playbooksSchema.parse(section);
  return opts.autoEnforce === undefined ? pb : { ...pb, auto_enforce: opts.autoEnforce };
}
