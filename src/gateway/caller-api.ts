// Which API's format a caller speaks, for answers outside the two front doors (model lists, unknown routes,
// malformed HTTP): Anthropic when it sends `anthropic-version` or authenticates with `x-api-key` (as the
// Anthropic SDKs do) or calls `/v1/messages`, OpenAI otherwise.
import type { IncomingHttpHeaders } from 'node:http';
import type { WireApi } from '../errors/wire-format.js';

export function callerApi(headers: IncomingHttpHeaders, path = ''): WireApi {
  return headers['anthropic-version'] !== undefined || headers['x-api-key'] !== undefined || path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

/** The same judgement from the raw bytes of a request node could not parse (as much of it as arrived). */
export function callerApiFromRaw(raw: Buffer | undefined): WireApi {
  if (!raw) return 'openai';
  const head = raw.subarray(0, 16 * 1024).toString('latin1').toLowerCase();
  return /\r\n(anthropic-version|x-api-key)[ \t]*:/.test(head) || /^[a-z]+ \/v1\/messages[ ?/]/.test(head) ? 'anthropic' : 'openai';
}
