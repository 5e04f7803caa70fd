import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorsMarkdown } from '../../src/cli/errors-markdown.js';
import { ERROR_CATALOG } from '../../src/errors/catalog.js';

test('docs/errors.md is up to date with the catalog (regenerate: moat errors --markdown > docs/errors.md)', () => {
  const onDisk = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  assert.equal(onDisk, errorsMarkdown());
});

test('every catalog code has a row with its status', () => {
  const md = errorsMarkdown();
  for (const [code, s] of Object.entries(ERROR_CATALOG)) assert.match(md, new RegExp(`\\| \`${code}\` \\| ${s.status} \\|`));
});
