import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureFixtureTraces, fixtureTracesDir, simulatorDigest } from '../../src/simulator/build-fixtures.js';

const meta = (path: string) => JSON.parse(readFileSync(path, 'utf8').split('\n')[0]!) as { simulator?: string };

test('a cached fixture trace written by another version of the simulator is rebuilt; a current one is kept', () => {
  const root = mkdtempSync(join(tmpdir(), 'moat-fixtures-'));
  try {
    const dir = fixtureTracesDir(root);
    mkdirSync(dir, { recursive: true });
    const path = join(dir, 'vendor.jsonl');
    writeFileSync(path, JSON.stringify({ type: 'meta', format: 'moat-trace', version: 1, simulator: 'an-older-one' }) + '\n');
    ensureFixtureTraces(root, ['vendor.jsonl']);
    assert.equal(meta(path).simulator, simulatorDigest());
    assert.ok(readFileSync(path, 'utf8').split('\n').length > 10, 'the trace was written afresh');
    // Current: left as it is (a marker line appended survives).
    writeFileSync(path, readFileSync(path, 'utf8') + '{"type":"marker"}\n');
    ensureFixtureTraces(root, ['vendor.jsonl']);
    assert.match(readFileSync(path, 'utf8'), /"marker"/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
