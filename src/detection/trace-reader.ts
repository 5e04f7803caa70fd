// Streaming trace reader: splits bytes into lines itself (so one enormous line cannot exhaust memory), decodes
// them leniently (invalid UTF-8 becomes U+FFFD), validates the shape of the two line types it knows and
// reports everything it skips with the line number. Unknown line types and unknown fields are ignored.
import type { Readable } from 'node:stream';
import type { TraceLine } from '../events/trace-format.js';

/** Lines longer than this are skipped (reported), never buffered whole. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024;

export interface SkippedLine {
  line: number;
  reason: string;
}

export type ReadItem = { ok: true; line: number; value: TraceLine } | { ok: false; skipped: SkippedLine } | { ok: 'ignored'; line: number };

export function parseTraceLine(text: string, lineNo: number): ReadItem {
  const t = text.trim();
  if (!t) return { ok: 'ignored', line: lineNo };
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch (e) {
    return { ok: false, skipped: { line: lineNo, reason: `invalid JSON: ${(e as Error).message.slice(0, 120)}` } };
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return { ok: false, skipped: { line: lineNo, reason: 'not a JSON object' } };
  const o = v as Record<string, unknown>;
  if (o.type === 'org') {
    if (typeof o.id !== 'string' || !o.id) return { ok: false, skipped: { line: lineNo, reason: 'org line without a string id' } };
    return { ok: true, line: lineNo, value: o as unknown as TraceLine };
  }
  if (o.type === 'request') {
    const missing = ['id', 'ts', 'org', 'key'].filter((k) => typeof o[k] !== 'string' || !o[k]);
    if (missing.length) return { ok: false, skipped: { line: lineNo, reason: `request line missing ${missing.join(', ')}` } };
    return { ok: true, line: lineNo, value: o as unknown as TraceLine };
  }
  return { ok: 'ignored', line: lineNo };
}

/** Yields one item per line of the stream, in order. */
export async function* readTrace(
  input: Readable | AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<ReadItem> {
  const decoder = new TextDecoder('utf-8', { fatal: false });
  let parts: Buffer[] = [];
  let size = 0;
  let oversized = false;
  let lineNo = 0;
  const flush = (): ReadItem => {
    lineNo++;
    if (oversized) {
      oversized = false;
      parts = [];
      size = 0;
      return { ok: false, skipped: { line: lineNo, reason: `line longer than ${maxLineBytes} bytes` } };
    }
    const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    parts = [];
    size = 0;
    return parseTraceLine(decoder.decode(buf), lineNo);
  };
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    while (start < buf.length) {
      const nl = buf.indexOf(10, start);
      const end = nl < 0 ? buf.length : nl;
      if (!oversized) {
        if (size + (end - start) > maxLineBytes) {
          oversized = true;
          parts = [];
          size = 0;
        } else if (end > start) {
          parts.push(buf.subarray(start, end));
          size += end - start;
        }
      }
      if (nl < 0) break;
      yield flush();
      start = nl + 1;
    }
  }
  if (size > 0 || oversized) yield flush();
}
