// The items of a batch, read the way the model server will read them: an OpenAI batch input file (JSONL, one
// `{custom_id, method, url, body}` per line) or an Anthropic message batch (`{requests: [{custom_id, params}]}`).
// Each item is checked like a call to its own door (shape, model), and anything another JSON reader could take
// differently is refused, naming the item: duplicate keys (parse-json-body.ts), keys equal but for case (Go's
// encoding/json, behind many OpenAI-compatible servers, matches field names case-insensitively and takes the
// last), wrapper fields other than the documented ones, an item URL other than the batch's endpoint, streaming.
import type { WireApi } from '../errors/wire-format.js';
import { MoatError, isMoatError } from '../errors/moat-error.js';
import type { DoorKind } from './front-doors.js';
import { arrayElements, topLevelMembers } from './json-outline.js';
import { parseJsonBody, type JsonBodyLimits } from './parse-json-body.js';
import { checkRequestShape } from './request-schema.js';
import { isJsonObject } from '../json/is-json-object.js';

export interface BatchItem {
  customId: string;
  /** Where the item is, for errors: `line 3 (custom_id "a")` or `requests[2] (custom_id "a")`. */
  where: string;
  api: WireApi;
  /** The door the item calls, e.g. `/v1/chat/completions`. */
  endpoint: string;
  kind: DoorKind;
  model: string;
  /** The item's request body, as the upstream will run it (alive only while the item is judged). */
  body: Record<string, unknown>;
  /** Where the item's bytes are in the upload: `itemBody` reads the body again from them when it is needed later. */
  start: number;
  end: number;
}

/** Endpoints an OpenAI batch may call, and their door kinds. */
export const OPENAI_BATCH_ENDPOINTS: Readonly<Record<string, DoorKind>> = {
  '/v1/chat/completions': 'chat',
  '/v1/responses': 'responses',
  '/v1/completions': 'completions',
  '/v1/embeddings': 'embeddings',
};

type Json = Record<string, unknown>;
export type BatchLimits = JsonBodyLimits & { maxItems: number };

/**
 * Reads an OpenAI batch input file line by line, handing each checked item to `onItem` (which may throw to stop);
 * no item outlives its turn, so memory stays near the file's own size. `endpoint`, when known (at
 * `POST /v1/batches`), is the one every item's `url` must name; at upload every item must at least name the same
 * batch endpoint. Returns the number of items.
 */
export function readOpenAiBatch(file: Buffer, limits: BatchLimits, endpoint: string | undefined, onItem: (item: BatchItem) => void): number {
  const ids = new Set<string>();
  let count = 0;
  let first: string | undefined = endpoint;
  let start = 0;
  for (let lineNo = 1; start < file.length; lineNo++) {
    let end = file.indexOf(0x0a, start);
    if (end < 0) end = file.length;
    const lineStart = start;
    const lineEnd = end > start && file[end - 1] === 0x0d ? end - 1 : end;
    const line = file.subarray(lineStart, lineEnd);
    start = end + 1;
    if (isBlank(line)) continue;
    const where = `line ${lineNo}`;
    if (count >= limits.maxItems) throw new MoatError('invalid_request', `The batch holds more than ${limits.maxItems} items (batches.maxItems).`);
    const obj = parseItem(line, limits, where);
    const customId = obj.custom_id;
    if (typeof customId !== 'string' || customId === '') throw itemError(where, '`custom_id` must be a non-empty string.', 'custom_id');
    const named = `${where} (custom_id "${customId.slice(0, 100)}")`;
    for (const k of Object.keys(obj))
      if (k !== 'custom_id' && k !== 'method' && k !== 'url' && k !== 'body') throw itemError(named, `unknown field "${k.slice(0, 100)}" (an item has custom_id, method, url and body).`, k);
    if (ids.has(customId)) throw itemError(named, '`custom_id` repeats an earlier item: every item needs its own.', 'custom_id');
    ids.add(customId);
    if (obj.method !== 'POST') throw itemError(named, '`method` must be "POST".', 'method');
    const url = obj.url;
    const kind = typeof url === 'string' ? OPENAI_BATCH_ENDPOINTS[url] : undefined;
    if (kind === undefined) throw itemError(named, `\`url\` must be one of ${Object.keys(OPENAI_BATCH_ENDPOINTS).join(', ')}.`, 'url');
    first ??= url as string;
    if (url !== first) throw itemError(named, `\`url\` is ${String(url)} but the batch's endpoint is ${first}: one batch calls one endpoint.`, 'url');
    onItem(checkedItem({ customId, where: named, api: 'openai', endpoint: url as string, kind, body: obj.body, start: lineStart, end: lineEnd }));
    count++;
  }
  if (count === 0) throw new MoatError('invalid_request', 'The batch input file holds no items.');
  return count;
}

/**
 * Reads an Anthropic message batch (`POST /v1/messages/batches`) from its raw body item by item: the outer
 * `{"requests": [...]}` is scanned, not parsed whole, and each element is parsed, checked and handed to `onItem`
 * on its own. Returns the number of items.
 */
export function readAnthropicBatch(raw: Buffer, limits: BatchLimits, onItem: (item: BatchItem) => void): number {
  const members = topLevelMembers(raw);
  const seen = new Map<string, string>();
  for (const m of members) {
    const lower = m.key.toLowerCase();
    const twin = seen.get(lower);
    if (twin === m.key) throw new MoatError('invalid_request', `Duplicate key "${m.key.slice(0, 100)}" in the top-level object: parsers disagree on which one counts, so Moat refuses it.`, { param: m.key });
    if (twin !== undefined)
      throw new MoatError('invalid_request', `Keys "${twin.slice(0, 100)}" and "${m.key.slice(0, 100)}" in the top-level object differ only in case: servers that match keys case-insensitively read one of them, so Moat refuses both.`, { param: m.key });
    seen.set(lower, m.key);
  }
  for (const m of members) if (m.key !== 'requests') throw new MoatError('invalid_request', `Unknown field "${m.key.slice(0, 100)}": a message batch has only \`requests\`.`, { param: m.key });
  const requests = members[0];
  const notArray = () => new MoatError('invalid_request', '`requests` must be a non-empty array.', { param: 'requests' });
  if (!requests || raw[requests.start] !== 0x5b) throw notArray();
  const ids = new Set<string>();
  let count = 0;
  arrayElements(raw, requests.start, (start, end) => {
    const i = count;
    const where = `requests[${i}]`;
    if (i >= limits.maxItems) throw new MoatError('invalid_request', `The batch holds more than ${limits.maxItems} items; at most ${limits.maxItems} are accepted (batches.maxItems).`, { param: 'requests' });
    if (raw[start] !== 0x7b) throw itemError(where, 'an item must be an object {custom_id, params}.', where);
    const r = parseItem(raw.subarray(start, end), limits, where);
    const customId = r.custom_id;
    if (typeof customId !== 'string' || customId === '') throw itemError(where, '`custom_id` must be a non-empty string.', `${where}.custom_id`);
    const named = `${where} (custom_id "${customId.slice(0, 100)}")`;
    for (const k of Object.keys(r)) if (k !== 'custom_id' && k !== 'params') throw itemError(named, `unknown field "${k.slice(0, 100)}" (an item has custom_id and params).`, `${where}.${k}`);
    if (ids.has(customId)) throw itemError(named, '`custom_id` repeats an earlier item: every item needs its own.', `${where}.custom_id`);
    ids.add(customId);
    onItem(checkedItem({ customId, where: named, api: 'anthropic', endpoint: '/v1/messages', kind: 'messages', body: r.params, start, end }));
    count++;
  });
  if (count === 0) throw notArray();
  return count;
}

/** An item's request body read again from the bytes that were judged (`body` of a JSONL line, `params` of a request). */
export function itemBody(source: Buffer, item: Pick<BatchItem, 'api' | 'start' | 'end'>): Json {
  const v = JSON.parse(source.toString('utf8', item.start, item.end)) as Json;
  return (item.api === 'openai' ? v.body : v.params) as Json;
}

function parseItem(line: Buffer, limits: JsonBodyLimits, where: string): Json {
  try {
    // The body sits one level below the line: the line may nest one deeper than a direct call.
    const obj = parseJsonBody(line, { maxDepth: limits.maxDepth + 1 });
    assertNoCaseTwins(obj, '');
    return obj;
  } catch (e) {
    if (isMoatError(e)) throw new MoatError(e.code, `Batch item at ${where}: ${e.message}`, e.param !== undefined ? { param: e.param } : {});
    throw e;
  }
}

function checkedItem(i: Omit<BatchItem, 'model' | 'body'> & { body: unknown }): BatchItem {
  const { where } = i;
  if (!isJsonObject(i.body)) throw itemError(where, `\`${i.api === 'openai' ? 'body' : 'params'}\` must be a JSON object (the request the model server runs).`, i.api === 'openai' ? 'body' : 'params');
  const body = i.body;
  if (typeof body.model !== 'string' || body.model === '') throw itemError(where, '`model` must be a non-empty string.', 'model');
  if (body.stream === true) throw itemError(where, '`stream` cannot be true in a batch (results are collected, not streamed).', 'stream');
  try {
    checkRequestShape(i.kind, body);
  } catch (e) {
    if (isMoatError(e)) throw itemError(where, e.message, e.param);
    throw e;
  }
  return { ...i, body, model: body.model };
}

/**
 * Refuses any object holding two keys that differ only in case (`model` and `Model`): a case-insensitive
 * reader takes one of them, Moat would judge the other.
 */
export function assertNoCaseTwins(v: unknown, path: string): void {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) assertNoCaseTwins(v[i], `${path}[${i}]`);
    return;
  }
  if (!isJsonObject(v)) return;
  const keys = Object.keys(v);
  if (keys.length > 1) {
    const seen = new Map<string, string>();
    for (const k of keys) {
      const lower = k.toLowerCase();
      const twin = seen.get(lower);
      if (twin !== undefined)
        throw new MoatError('invalid_request', `Keys "${twin.slice(0, 100)}" and "${k.slice(0, 100)}" in ${path ? `\`${path.slice(0, 200)}\`` : 'the top-level object'} differ only in case: servers that match keys case-insensitively read one of them, so Moat refuses both.`, { param: path ? `${path}.${k}` : k });
      seen.set(lower, k);
    }
  }
  for (const k of keys) assertNoCaseTwins(v[k], path ? `${path}.${k}` : k);
}

function itemError(where: string, message: string, param?: string): MoatError {
  return new MoatError('invalid_request', `Batch item at ${where}: ${message}`, param !== undefined ? { param } : {});
}

function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}
