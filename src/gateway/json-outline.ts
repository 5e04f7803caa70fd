// The outline of a large JSON document read without parsing it whole: the members of the top-level object and
// the elements of an array, as byte ranges of the raw body. A batch body is judged element by element this way,
// so its memory stays near the body's own size instead of a parsed tree of every item at once. Only the outline
// is checked here (structure, separators, keys); each element is validated when it is parsed on its own.
import { MoatError } from '../errors/moat-error.js';

export interface OutlineMember {
  /** The key, unescaped. */
  key: string;
  /** Byte range of the member's value. */
  start: number;
  end: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The members of the top-level object, in order (repeated keys included: the caller judges them). */
export function topLevelMembers(raw: Buffer): OutlineMember[] {
  const members: OutlineMember[] = [];
  let i = skipSpace(raw, 0);
  expect(raw, i, 0x7b);
  i = skipSpace(raw, i + 1);
  if (raw[i] === 0x7d) return end(raw, i + 1, members);
  for (;;) {
    expect(raw, i, 0x22);
    const keyEnd = stringEnd(raw, i);
    const key = decodeKey(raw, i, keyEnd);
    i = skipSpace(raw, keyEnd);
    expect(raw, i, 0x3a);
    const start = skipSpace(raw, i + 1);
    const stop = valueEnd(raw, start);
    members.push({ key, start, end: stop });
    i = skipSpace(raw, stop);
    if (raw[i] === 0x2c) {
      i = skipSpace(raw, i + 1);
      continue;
    }
    expect(raw, i, 0x7d);
    return end(raw, i + 1, members);
  }
}

/** Calls `onElement` with the byte range of each element of the array starting at `at`. */
export function arrayElements(raw: Buffer, at: number, onElement: (start: number, end: number) => void): void {
  expect(raw, at, 0x5b);
  let i = skipSpace(raw, at + 1);
  if (raw[i] === 0x5d) return;
  for (;;) {
    const stop = valueEnd(raw, i);
    onElement(i, stop);
    i = skipSpace(raw, stop);
    if (raw[i] === 0x2c) {
      i = skipSpace(raw, i + 1);
      continue;
    }
    expect(raw, i, 0x5d);
    return;
  }
}

function end(raw: Buffer, i: number, members: OutlineMember[]): OutlineMember[] {
  if (skipSpace(raw, i) !== raw.length) throw invalid(i);
  return members;
}

function skipSpace(raw: Buffer, i: number): number {
  while (i < raw.length) {
    const c = raw[i];
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

function expect(raw: Buffer, i: number, byte: number): void {
  if (raw[i] !== byte) throw invalid(i);
}

/** Index just past the string opening at `i` (UTF-8 continuation bytes are never `"` or `\`). */
function stringEnd(raw: Buffer, i: number): number {
  for (let j = i + 1; j < raw.length; j++) {
    const c = raw[j];
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  throw invalid(raw.length);
}

/** Index just past the value starting at `i`: a string, a bracketed value (strings inside skipped), or a literal. */
function valueEnd(raw: Buffer, i: number): number {
  const c = raw[i];
  if (c === 0x22) return stringEnd(raw, i);
  if (c === 0x7b || c === 0x5b) {
    let depth = 0;
    for (let j = i; j < raw.length; j++) {
      const b = raw[j];
      if (b === 0x22) j = stringEnd(raw, j) - 1;
      else if (b === 0x7b || b === 0x5b) depth++;
      else if (b === 0x7d || b === 0x5d) {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    throw invalid(raw.length);
  }
  let j = i;
  while (j < raw.length) {
    const b = raw[j];
    if (b === 0x2c || b === 0x7d || b === 0x5d || b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) break;
    j++;
  }
  if (j === i) throw invalid(i);
  return j;
}

function decodeKey(raw: Buffer, start: number, stop: number): string {
  try {
    return JSON.parse(utf8.decode(raw.subarray(start, stop))) as string;
  } catch {
    throw invalid(start);
  }
}

function invalid(at: number): MoatError {
  return new MoatError('invalid_json', `The request body is not valid JSON (at byte ${at}).`);
}
