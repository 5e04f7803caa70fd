// Parses a request body into the one object policy, limits and detection judge, refusing what another JSON
// parser could read differently: bytes that are not UTF-8 (one decoder replaces them, another refuses), a byte
// order mark, and duplicate object keys (JavaScript keeps the last, some upstreams the first). Nesting is
// bounded when the body is read, so nothing downstream (structured clone to the detection worker, the trace
// writer's JSON, recursive walks) can overflow its stack on a small, deep body.
import { MoatError } from '../errors/moat-error.js';

export interface JsonBodyLimits {
  /** Deepest nesting of objects and arrays accepted (the top-level object is depth 1). */
  maxDepth: number;
}

// fatal: invalid UTF-8 is refused, not replaced. ignoreBOM: a BOM stays in the text, so JSON.parse refuses it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A JSON object body, or a MoatError naming what is wrong (invalid_json, invalid_request). */
export function parseJsonBody(raw: Uint8Array, limits: JsonBodyLimits): Record<string, unknown> {
  return parseJsonBodyText(raw, limits).body;
}

/** parseJsonBody, with the decoded text it parsed (valid JSON whose parse is `body`, so it can stand for it). */
export function parseJsonBodyText(raw: Uint8Array, limits: JsonBodyLimits): { body: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new MoatError('invalid_json', 'The request body is not valid UTF-8.');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new MoatError('invalid_json', `The request body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new MoatError('invalid_request', 'The request body must be a JSON object.');
  checkStructure(text, limits.maxDepth);
  return { body: v as Record<string, unknown>, text };
}

interface Frame {
  /** Keys seen so far (objects); undefined for arrays. */
  keys: string[] | Set<string> | undefined;
  /** The next string in this object is a key. */
  expectKey: boolean;
  /** Current key (objects) or index (arrays), for error paths. */
  at: string | number;
}

/**
 * One pass over text that JSON.parse accepted: fails on nesting deeper than maxDepth or on an object with a
 * repeated key (compared after unescaping, so `"a"` and `"\u0061"` are the same key).
 */
function checkStructure(text: string, maxDepth: number): void {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      const end = stringEnd(text, i);
      const top = stack[stack.length - 1];
      if (top?.keys && top.expectKey) {
        const rawKey = text.slice(i + 1, end);
        const key = rawKey.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : rawKey;
        if (hasKey(top, key)) {
          const obj = pathOf(stack, stack.length - 1);
          throw new MoatError('invalid_request', `Duplicate key "${key.slice(0, 100)}" in ${quoted(obj, 'the top-level object')}: parsers disagree on which one counts, so Moat refuses it.`, { param: obj ? `${obj}.${key}` : key });
        }
        addKey(top, key);
        top.at = key;
        top.expectKey = false;
      }
      i = end + 1;
      continue;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (stack.length >= maxDepth) {
        const at = pathOf(stack, stack.length);
        throw new MoatError('invalid_request', `The request body nests deeper than ${maxDepth} levels (at ${quoted(at, 'the top level')}).`, { param: at || '(body)' });
      }
      stack.push(c === 0x7b ? { keys: [], expectKey: true, at: '' } : { keys: undefined, expectKey: false, at: 0 });
    } else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      stack.pop();
    } else if (c === 0x2c /* , */) {
      const top = stack[stack.length - 1] as Frame;
      if (top.keys) top.expectKey = true;
      else top.at = (top.at as number) + 1;
    }
    i++;
  }
}

/** Index of the quote that closes the string opening at `start` (the text is valid JSON). */
function stringEnd(text: string, start: number): number {
  let j = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    for (let k = j - 1; text.charCodeAt(k) === 0x5c; k--) backslashes++;
    if (backslashes % 2 === 0) return j;
    j = text.indexOf('"', j + 1);
  }
}

// Most objects have a handful of keys: a linear scan of an array beats a Set until they grow.
function hasKey(f: Frame, key: string): boolean {
  return Array.isArray(f.keys) ? f.keys.includes(key) : (f.keys as Set<string>).has(key);
}

function addKey(f: Frame, key: string): void {
  if (Array.isArray(f.keys)) {
    f.keys.push(key);
    if (f.keys.length > 16) f.keys = new Set(f.keys);
  } else (f.keys as Set<string>).add(key);
}

/** `messages[0].content`-style path through the first `count` frames (each frame's current key or index). */
function pathOf(stack: readonly Frame[], count: number): string {
  let p = '';
  for (let d = 0; d < count; d++) {
    const f = stack[d] as Frame;
    p += f.keys ? (p ? '.' : '') + String(f.at) : `[${String(f.at)}]`;
  }
  return p;
}

const quoted = (p: string, whole: string): string => (p ? `\`${p.length > 200 ? p.slice(0, 200) + '…' : p}\`` : whole);
