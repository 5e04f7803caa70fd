import { randomBytes } from 'node:crypto';

/** Row ids like `org_5f3a...`: the prefix tells what a bare id in a log line refers to. */
export function newId(prefix: 'org' | 'key' | 'grt' | 'tok'): string {
  return `${prefix}_${randomBytes(10).toString('hex')}`;
}
