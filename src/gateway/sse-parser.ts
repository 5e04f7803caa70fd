// Incremental server-sent-events parser. It is fed raw upstream chunks as they arrive (split anywhere, even inside
// a UTF-8 character or a CRLF) and returns the complete events so far, each with its raw text so a relay can
// re-emit it byte-for-byte.
import { StringDecoder } from 'node:string_decoder';

export interface SseEvent {
  /** `event:` field, if any. */
  event?: string;
  /** `data:` lines joined with "\n". */
  data: string;
  /** The event's text as received, including its terminating blank line. */
  raw: string;
}

export class SseParser {
  private decoder = new StringDecoder('utf8');
  private buf = '';
  /** Offset in buf up to which lines were already scanned for an event boundary. */
  private scanned = 0;

  push(chunk: Buffer | string): SseEvent[] {
    this.buf += typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const out: SseEvent[] = [];
    for (;;) {
      const end = this.findEventEnd();
      if (end < 0) break;
      const raw = this.buf.slice(0, end);
      this.buf = this.buf.slice(end);
      this.scanned = 0;
      out.push(parseEvent(raw));
    }
    return out;
  }

  /** Text received after the last complete event (an event cut short by the end of the stream). */
  rest(): string {
    return this.buf + this.decoder.end();
  }

  /** Index just past the blank line ending the first event in buf, or -1. Handles \n, \r\n and \r endings. */
  private findEventEnd(): number {
    const b = this.buf;
    for (let i = this.scanned; i < b.length; i++) {
      const c = b.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A line ends at i; see whether the next line is empty.
      let j = i + 1;
      if (c === 13) {
        if (j >= b.length) {
          this.scanned = i;
          return -1; // need to know whether \n follows
        }
        if (b.charCodeAt(j) === 10) j++;
      }
      if (j >= b.length) {
        this.scanned = i;
        return -1;
      }
      const d = b.charCodeAt(j);
      if (d === 10) return j + 1;
      if (d === 13) {
        if (j + 1 >= b.length) {
          this.scanned = i;
          return -1;
        }
        return b.charCodeAt(j + 1) === 10 ? j + 2 : j + 1;
      }
      i = j - 1;
    }
    this.scanned = Math.max(0, b.length - 1);
    return -1;
  }
}

/**
 * Comment-only blocks (e.g. ": keep-alive") come back with empty data so a relay still forwards them. Lines
 * are walked in place (no split, no per-line strings): this runs for every event of every stream.
 */
function parseEvent(raw: string): SseEvent {
  let event: string | undefined;
  let data: string | undefined;
  const n = raw.length;
  let i = 0;
  while (i < n) {
    let e = i;
    let c = 0;
    while (e < n && (c = raw.charCodeAt(e)) !== 10 && c !== 13) e++;
    // Non-empty lines that are not comments are fields: `name: value`, `name:value` or a bare `name`.
    if (e > i && raw.charCodeAt(i) !== 58 /* : */) {
      let colon = raw.indexOf(':', i);
      if (colon < 0 || colon > e) colon = e;
      let v = colon < e ? colon + 1 : e;
      if (v < e && raw.charCodeAt(v) === 32) v++;
      const len = colon - i;
      if (len === 4 && raw.startsWith('data', i)) {
        const value = raw.slice(v, e);
        data = data === undefined ? value : `${data}\n${value}`;
      } else if (len === 5 && raw.startsWith('event', i)) event = raw.slice(v, e);
    }
    // \r\n is one line ending.
    i = c === 13 && raw.charCodeAt(e + 1) === 10 ? e + 2 : e + 1;
  }
  return event === undefined ? { data: data ?? '', raw } : { event, data: data ?? '', raw };
}
