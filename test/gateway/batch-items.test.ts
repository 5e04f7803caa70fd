// Reading batch items and multipart uploads strictly: what Moat judges is what the upstream will read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { itemBody, readAnthropicBatch, readOpenAiBatch, type BatchItem, type BatchLimits } from '../../src/gateway/batch-items.js';
import { buildMultipart, multipartBoundary, parseMultipart } from '../../src/gateway/multipart-form.js';

const limits = { maxDepth: 64, maxItems: 3 };
const collect = (read: (onItem: (i: BatchItem) => void) => number) => {
  const items: BatchItem[] = [];
  read((i) => items.push(i));
  return items;
};
const openAiBatchItems = (file: Buffer, l: BatchLimits, endpoint?: string) => collect((on) => readOpenAiBatch(file, l, endpoint, on));
const anthropicBatchItems = (raw: Buffer, l: BatchLimits) => collect((on) => readAnthropicBatch(raw, l, on));
const line = (id: string, extra = '') => `{"custom_id":"${id}","method":"POST","url":"/v1/chat/completions","body":{"model":"m","messages":[{"role":"user","content":"hi"}]${extra}}}`;
const throwsWith = (fn: () => unknown, re: RegExp) => assert.throws(fn, (e: Error) => re.test(e.message));

test('JSONL: CRLF and blank lines are fine; line numbers count every line; items carry their door', () => {
  const items = openAiBatchItems(Buffer.from(`${line('a')}\r\n\r\n${line('b')}\n`), limits);
  assert.deepEqual(items.map((i) => [i.customId, i.where, i.endpoint, i.kind, i.model]), [
    ['a', 'line 1 (custom_id "a")', '/v1/chat/completions', 'chat', 'm'],
    ['b', 'line 3 (custom_id "b")', '/v1/chat/completions', 'chat', 'm'],
  ]);
});

test('JSONL: refusals name the line: bad JSON, BOM, repeated custom_id, too many items, wrong method, an endpoint other than the batch\'s, nesting', () => {
  throwsWith(() => openAiBatchItems(Buffer.from(`${line('a')}\n{"custom_id":`), limits), /line 2: The request body is not valid JSON/);
  throwsWith(() => openAiBatchItems(Buffer.from(`\ufeff${line('a')}`), limits), /line 1/);
  throwsWith(() => openAiBatchItems(Buffer.from(`${line('a')}\n${line('a')}`), limits), /line 2 \(custom_id "a"\): `custom_id` repeats/);
  throwsWith(() => openAiBatchItems(Buffer.from([1, 2, 3, 4].map((i) => line(`x${i}`)).join('\n')), limits), /more than 3 items/);
  throwsWith(() => openAiBatchItems(Buffer.from(line('a').replace('"POST"', '"GET"')), limits), /`method` must be "POST"/);
  throwsWith(() => openAiBatchItems(Buffer.from(line('a')), limits, '/v1/embeddings'), /batch's endpoint is \/v1\/embeddings/);
  throwsWith(() => openAiBatchItems(Buffer.from(line('a', `,"x":${'['.repeat(70)}${']'.repeat(70)}`)), limits), /nests deeper/);
  throwsWith(() => openAiBatchItems(Buffer.from('\n\n'), limits), /holds no items/);
});

test('Anthropic: params are checked like a message; a unicode-escaped twin of a key is a duplicate', () => {
  const ok = anthropicBatchItems(Buffer.from('{"requests":[{"custom_id":"a","params":{"model":"c","max_tokens":5,"messages":[]}}]}'), limits);
  assert.equal(ok[0]?.where, 'requests[0] (custom_id "a")');
  throwsWith(() => anthropicBatchItems(Buffer.from('{"requests":[{"custom_id":"a","params":{"model":"c","mod\\u0065l":"d","max_tokens":5,"messages":[]}}]}'), limits), /Duplicate key "model"/);
  throwsWith(() => anthropicBatchItems(Buffer.from('{"requests":[{"custom_id":"a","params":{"model":"c","max_tokens":5,"messages":"hi"}}]}'), limits), /requests\[0\] \(custom_id "a"\): `messages`/);
  throwsWith(() => anthropicBatchItems(Buffer.from('{"requests":[],"Requests":[{"custom_id":"a","params":{}}]}'), limits), /differ only in case/);
});

test('multipart: what is built is read back exactly; ambiguous forms are refused', () => {
  const data = Buffer.from(`${line('a')}\n--not-the-boundary\r\n`);
  const built = buildMultipart(new Map([['purpose', 'batch']]), new Map([['file', { filename: 'in.jsonl', contentType: 'application/jsonl', data }]]));
  const form = parseMultipart(Buffer.concat(built.body), multipartBoundary(built.contentType) as string);
  assert.equal(form.fields.get('purpose'), 'batch');
  assert.deepEqual(form.files.get('file')?.data, data);
  assert.equal(multipartBoundary('application/json'), undefined);
  throwsWith(() => multipartBoundary('multipart/form-data; boundary=a; boundary=b'), /exactly one/);
  const part = (headers: string, body: string) => `--B\r\n${headers}\r\n\r\n${body}\r\n`;
  throwsWith(() => parseMultipart(Buffer.from(part('Content-Disposition: form-data; name="file"; filename="a"\r\nContent-Transfer-Encoding: base64', 'eA==') + '--B--'), 'B'), /Content-Transfer-Encoding/);
  throwsWith(() => parseMultipart(Buffer.from(part('Content-Disposition: form-data; name="file"; filename="a"; filename*=UTF-8\'\'b', 'x') + '--B--'), 'B'), /filename/);
  throwsWith(() => parseMultipart(Buffer.from(part('Content-Disposition: form-data; name="a"', 'x') + part('Content-Disposition: form-data; name="a"', 'y') + '--B--'), 'B'), /repeats the field "a"/);
  throwsWith(() => parseMultipart(Buffer.from(part('Content-Disposition: form-data; name="a"', 'x')), 'B'), /closing boundary/);
});

test('Anthropic: the outline is read strictly around items parsed one at a time; each item keeps its own bytes', () => {
  const item = (id: string, text: string) => `{"custom_id":"${id}","params":{"model":"c","max_tokens":5,"messages":[{"role":"user","content":${JSON.stringify(text)}}]}}`;
  const raw = Buffer.from(` {\n "requests" : [ ${item('a', 'brackets ]} and "quotes" \\ inside')} ,\n${item('b', 'é')} ] }\n`);
  const items = anthropicBatchItems(raw, limits);
  assert.deepEqual(items.map((i) => i.customId), ['a', 'b']);
  assert.equal(raw.toString('utf8', items[1]!.start, items[1]!.end), item('b', 'é'));
  assert.deepEqual(itemBody(raw, items[0]!), JSON.parse(item('a', 'brackets ]} and "quotes" \\ inside')).params);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":[${item('a', 'x')}]} x`), limits), /not valid JSON/);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":[${item('a', 'x')} ${item('b', 'x')}]}`), limits), /not valid JSON/);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":[${item('a', 'x')}],"re\\u0071uests":[]}`), limits), /Duplicate key "requests"/);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":[1]}`), limits), /requests\[0\]: an item must be an object/);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":{}}`), limits), /non-empty array/);
  throwsWith(() => anthropicBatchItems(Buffer.from(`{"requests":[${item('a', 'x')},{"custom_id":"b","params":{"model":"c",}}]}`), limits), /requests\[1\]: The request body is not valid JSON/);
  // Items are handed on as they are read: a refusal of the first item comes before a later item is even parsed.
  assert.throws(() => readAnthropicBatch(Buffer.from(`{"requests":[${item('a', 'x')},{"broken":,}]}`), limits, () => {
    throw new Error('refused at the first item');
  }), /refused at the first item/);
});
