import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isJsonObject } from '../../src/json/is-json-object.js';

test('only an object with named members is a JSON object: null, arrays and scalars are not', () => {
  for (const v of [{}, { a: 1 }, JSON.parse('{"__proto__": {}}')]) assert.equal(isJsonObject(v), true);
  for (const v of [null, undefined, [], [{}], 'x', 0, true, JSON.parse('[1]')]) assert.equal(isJsonObject(v), false, JSON.stringify(v));
});
