// Renders docs/errors.md from the error catalog, so the documentation cannot drift from the codes callers see.
import { ADMIN_CODE_OF_DOMAIN } from '../admin/domain-error-codes.js';
import { ERROR_CATALOG } from '../errors/catalog.js';
import { DOMAIN_ERRORS, type DomainErrorCode } from '../errors/domain-error.js';

const cell = (s: string) => s.replaceAll('|', '\\|');

export function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CATALOG).map(
    ([code, s]) => `| \`${code}\` | ${s.status} | \`${s.openaiType}\` | \`${s.anthropicType}\` | ${s.retryable ? 'yes' : 'no'} | ${cell(s.meaning)} | ${cell(s.action)} |`,
  );
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/errors/catalog.ts by `moat errors --markdown > docs/errors.md`; do not edit by hand. -->',
    '',
    "Every error Moat returns is in the caller's own API shape:",
    '',
    '- OpenAI: `{"error":{"message","type","param","code"}}` — `type` is the OpenAI column below, `code` the Moat code.',
    '- Anthropic: `{"type":"error","error":{"type","message","code"},"request_id"}` — `type` is the Anthropic column.',
    '',
    'Every response carries `x-request-id` (and `request-id` for Anthropic callers) and `moat-error-code`.',
    'Errors that a retry cannot fix carry `x-should-retry: false`, so the official SDKs do not retry them.',
    'Policy denials also carry `clause` (the clause of the terms enforced). Streams that fail after they started end',
    "with an error event in the API's streaming format (`event: error` for Anthropic, a `data: {\"error\":...}` chunk for OpenAI).",
    '',
    '| Code | Status | OpenAI type | Anthropic type | Retry helps | Meaning | What to do |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '## Domain errors',
    '',
    'Inside Moat, the store, enforcement, configuration and policy-file layers throw typed domain errors, each with',
    'one of these codes (`src/errors/domain-error.ts`). Callers never see them as such: the admin API answers with',
    'the catalog code in the last column, and the CLI prints the message and exits non-zero.',
    '',
    '| Domain code | Meaning | Admin API answers |',
    '| --- | --- | --- |',
    ...(Object.entries(DOMAIN_ERRORS) as Array<[DomainErrorCode, string]>).map(([code, meaning]) => `| \`${code}\` | ${cell(meaning)} | \`${ADMIN_CODE_OF_DOMAIN[code]}\` |`),
    '',
  ].join('\n');
}
