import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readTrace, type ReadItem } from '../../src/detection/trace-reader.js';

async function readAll(chunks: Array<Buffer | string>, max?: number): Promise<ReadItem[]> {
  const out: ReadItem[] = [];
  for await (const it of readTrace(chunks, max)) out.push(it);
  return out;
}

const req = (id: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ type: 'request', id, ts: '2026-08-01T10:00:00.000Z', org: 'org_a', key: 'k1', api: 'openai', body: { messages: [{ role: 'user', content: 'hi' }] }, ...extra });

test('malformed lines are reported with their line number and skipped; later lines still parse', async () => {
  const items = await readAll([`${req('r1')}\n{not json\n[1,2]\n${req('r2')}\n`]);
  const skipped = items.filter((i) => i.ok === false).map((i) => (i.ok === false ? i.skipped : null));
  assert.deepEqual(skipped.map((s) => s!.line), [2, 3]);
  assert.match(skipped[0]!.reason, /invalid JSON/);
  const ok = items.filter((i) => i.ok === true);
  assert.deepEqual(ok.map((i) => (i.ok === true ? (i.value as { id: string }).id : '')), ['r1', 'r2']);
  assert.equal(ok[1]!.ok === true && ok[1]!.line, 4);
});

test('meta and unknown line types are ignored, unknown fields are kept out of the way', async () => {
  const items = await readAll([`{"type":"meta","version":1}\n{"type":"future_thing","x":1}\n${req('r1', { surprise: { deep: true } })}\n\n`]);
  assert.equal(items.filter((i) => i.ok === false).length, 0);
  assert.equal(items.filter((i) => i.ok === true).length, 1);
});

test('a request line missing required fields is skipped with the reason', async () => {
  const items = await readAll([`{"type":"request","id":"r1","ts":"2026-08-01T10:00:00Z","key":"k"}\n`]);
  assert.equal(items[0]!.ok, false);
  assert.match(items[0]!.ok === false ? items[0]!.skipped.reason : '', /missing org/);
});

test('lines split across chunk boundaries, byte by byte, are reassembled', async () => {
  const bytes = Buffer.from(`${req('r1')}\n${req('r2')}`);
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  const items = await readAll(chunks);
  assert.deepEqual(items.map((i) => i.ok), [true, true]);
});

test('an oversized line is skipped without stopping the stream', async () => {
  const huge = req('big', { body: { messages: [{ role: 'user', content: 'x'.repeat(5000) }] } });
  const items = await readAll([huge.slice(0, 1000), huge.slice(1000) + '\n', req('r2') + '\n'], 2048);
  assert.equal(items[0]!.ok, false);
  assert.match(items[0]!.ok === false ? items[0]!.skipped.reason : '', /longer than 2048 bytes/);
  assert.equal(items[1]!.ok, true);
});

test('invalid UTF-8 and binary bytes inside strings are tolerated', async () => {
  const line = Buffer.concat([Buffer.from(req('r1').replace('"hi"', '"h')), Buffer.from([0xff, 0xfe, 0x00 + 0x41, 0xc3]), Buffer.from(`i"}]}}\n`)]);
  // The body string now contains raw invalid bytes; the line must still parse (as U+FFFD) rather than fail.
  const items = await readAll([line, Buffer.from([0x00, 0x01, 0x02, 0x0a]), req('r2') + '\n']);
  assert.equal(items[0]!.ok, true);
  assert.equal(items[1]!.ok, false, 'a binary line is reported as malformed');
  assert.equal(items[2]!.ok, true);
});
