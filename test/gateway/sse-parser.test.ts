// The SSE parser reads every event of every relayed stream; its fields must be what the spec's line rules say,
// whatever the line endings, comments, bare field names and chunk boundaries. The oracle is the plain reading
// of the rules (split on \r\n, \r or \n; a leading space of the value dropped; data lines joined with \n).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SseParser } from '../../src/gateway/sse-parser.js';

function oracle(raw: string): { event?: string; data: string } {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\r|\n/)) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return event === undefined ? { data: data.join('\n') } : { event, data: data.join('\n') };
}

const eol = fc.constantFrom('\n', '\r\n', '\r');
const value = fc.stringMatching(/^[^\r\n]{0,12}$/);
const line = fc.oneof(
  fc.tuple(fc.constantFrom('data', 'event', 'id', 'retry', 'dat', 'eventx', ''), fc.constantFrom(': ', ':', '', ':  '), value).map(([f, sep, v]) => (sep === '' ? f : f + sep + v)),
  value.map((v) => `:${v}`),
);
const event = fc.tuple(fc.array(fc.tuple(line, eol), { minLength: 1, maxLength: 4 }), eol).map(([ls, end]) => ls.map(([l, e]) => l + e).join('') + end);

test('events parse as the line rules say, however the stream is cut into chunks', () => {
  fc.assert(
    fc.property(fc.array(event, { minLength: 1, maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (events, cuts) => {
      const text = events.join('');
      // Only events whose blank line is unambiguous: a lone \r at the very end may still be followed by \n.
      if (text.endsWith('\r')) return;
      const parser = new SseParser();
      const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
      const got = [];
      let from = 0;
      for (const p of [...points, text.length]) {
        got.push(...parser.push(Buffer.from(text.slice(from, p))));
        from = p;
      }
      assert.equal(got.map((e) => e.raw).join('') + parser.rest(), text);
      for (const e of got) assert.deepEqual({ ...(e.event === undefined ? {} : { event: e.event }), data: e.data }, oracle(e.raw));
    }),
    { numRuns: 3000 },
  );
});
