// The common request's shape is checked without zod (plainlyValid); everything else goes to the full schema.
// The fast path must never accept what the schema refuses: random bodies built from the fields it looks at, in
// valid and invalid forms, mixed with fields the schema knows and ones it does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DoorKind } from '../../src/gateway/front-doors.js';
import { checkRequestShape, plainlyValid, schemaIssue } from '../../src/gateway/request-schema.js';

const KINDS: DoorKind[] = ['chat', 'responses', 'completions', 'embeddings', 'messages', 'count_tokens'];
// Mostly values near the edges of what the schema accepts, sometimes anything at all.
const text = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('', 'gpt-4o', 'user', 'a\u0000b', 'x'.repeat(128), 'x'.repeat(129), 'y'.repeat(256), 'y'.repeat(257), '\u007f'));
const anyValue = fc.oneof(text, fc.integer({ min: -3, max: 3 }), fc.double(), fc.boolean(), fc.constant(null), fc.constant(2 ** 60), fc.constant(1.5), fc.array(text, { maxLength: 2 }), fc.dictionary(fc.constantFrom('include_usage', 'role', 'content', 'x'), fc.oneof(text, fc.boolean(), fc.constant(null), fc.integer()), { maxKeys: 3 }));
const mostly = <T>(likely: fc.Arbitrary<T>) => fc.oneof({ arbitrary: likely, weight: 5 }, { arbitrary: anyValue, weight: 1 });
const message = mostly(fc.record({ role: mostly(text), content: fc.oneof(text, fc.constant(null), fc.array(fc.record({ type: text }), { maxLength: 2 }), fc.integer()) }, { requiredKeys: [] }));
const body = fc.record(
  {
    model: mostly(text),
    messages: mostly(fc.array(message, { maxLength: 3 })),
    stream: mostly(fc.oneof(fc.boolean(), fc.constant(null))),
    stream_options: mostly(fc.oneof(fc.record({ include_usage: mostly(fc.oneof(fc.boolean(), fc.constant(null))) }, { requiredKeys: [] }), fc.constant(null))),
    max_tokens: mostly(fc.oneof(fc.nat(), fc.constant(null), fc.constant(-1), fc.constant(2 ** 60))),
    max_completion_tokens: mostly(fc.oneof(fc.nat(), fc.constant(-0))),
    temperature: anyValue,
  },
  { requiredKeys: [] },
);
// Fields the schema knows that the fast path leaves to it, added now and then.
const withOthers = fc.tuple(body, fc.option(fc.record({ system: anyValue, tools: anyValue, input: anyValue, prompt: anyValue }, { requiredKeys: [] }), { freq: 4 })).map(([b, o]) => ({ ...b, ...(o ?? {}) }));

test('the fast path accepts only bodies the full schema accepts', () => {
  fc.assert(
    fc.property(fc.constantFrom(...KINDS), withOthers, (kind, b) => {
      const plain = JSON.parse(JSON.stringify(b)) as Record<string, unknown>; // as the gateway sees it: parsed JSON
      if (plainlyValid(kind, plain)) assert.equal(schemaIssue(kind, plain), undefined, `fast path accepted what the schema refuses: ${kind} ${JSON.stringify(plain)}`);
    }),
    { numRuns: 20_000 },
  );
});

test('the common request takes the fast path, and refusals still name the field', () => {
  const common = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }], max_tokens: 64, stream: true, stream_options: { include_usage: true }, temperature: 0.2 };
  assert.equal(plainlyValid('chat', common), true);
  assert.equal(plainlyValid('messages', { model: 'claude', max_tokens: 8, messages: [{ role: 'user', content: 'hi' }] }), true);
  // Content parts, tools and the like are the schema's to judge.
  assert.equal(plainlyValid('chat', { ...common, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }), false);
  assert.throws(() => checkRequestShape('chat', { ...common, max_tokens: -1 }), (e: Error & { param?: string }) => e.param === 'max_tokens');
  assert.throws(() => checkRequestShape('chat', { ...common, messages: [{ role: 7, content: 'x' }] }), (e: Error & { param?: string }) => e.param === 'messages[0].role');
});
