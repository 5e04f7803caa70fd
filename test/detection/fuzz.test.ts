import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { replayTrace } from '../../src/detection/replay.js';
import { loadDetectionAssets } from '../../src/detection/assets.js';

const assets = loadDetectionAssets();

// Lines that look like trace lines but carry arbitrary values in every field.
const looseLine = fc.record(
  {
    type: fc.constantFrom('org', 'request', 'meta', 'x'),
    id: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
    ts: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()),
    org: fc.oneof(fc.constantFrom('org_a', 'org_b'), fc.string(), fc.constant(null)),
    key: fc.string(),
    api: fc.string(),
    client: fc.anything(),
    headers: fc.anything(),
    attributes: fc.anything(),
    grants: fc.anything(),
    affiliates: fc.anything(),
    body: fc.oneof(
      fc.anything(),
      fc.record({ messages: fc.array(fc.record({ role: fc.constantFrom('user', 'system', 'assistant', 5), content: fc.anything() })), temperature: fc.anything(), max_tokens: fc.anything() }),
    ),
  },
  { requiredKeys: ['type'] },
);

test('replay never throws on arbitrary line contents, bytes or shapes', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.oneof(looseLine.map((l) => JSON.stringify(l)), fc.string(), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), { maxLength: 30 }),
      async (lines) => {
        const report = await replayTrace([Buffer.from(lines.join('\n'))], { assets });
        assert.equal(report.version, 1);
        assert.ok(report.orgs.every((o) => o.requests >= 0));
      },
    ),
    { numRuns: 150 },
  );
});
