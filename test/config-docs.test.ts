import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configurationMarkdown } from '../src/config/config-docs.js';
import { ConfigSchema, ENV_BINDINGS } from '../src/config/schema.js';
import { ConfigError } from '../src/config/load.js';
import { loadConfig } from '../src/config/load.js';

test('docs/configuration.md is generated from the schema and up to date (run `moat config docs > docs/configuration.md`)', () => {
  const current = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(current, configurationMarkdown());
});

test('every documented environment variable sets a real config field', () => {
  for (const b of ENV_BINDINGS) {
    const value = b.type === 'number' ? '1234' : b.path.join('.') === 'log.level' ? 'debug' : b.path.join('.') === 'limits.backend' ? 'memory' : 'x'.repeat(20);
    const cfg = loadConfig({ env: { [b.env]: value } }) as unknown as Record<string, unknown>;
    let cur: unknown = cfg;
    for (const k of b.path) cur = (cur as Record<string, unknown>)[k];
    assert.equal(String(cur), value, b.env);
  }
});

test('with no file and no environment, the configuration is exactly the schema defaults', () => {
  assert.deepEqual(loadConfig({ env: {} }), ConfigSchema.parse({}));
});

test('bad configuration is a ConfigError that names the field', () => {
  assert.throws(() => loadConfig({ env: {}, overrides: { 'server.port': 'eighty' } }), (e) => e instanceof ConfigError && e.code === 'invalid_config');
  assert.throws(() => loadConfig({ env: {}, overrides: { 'server.port': 'eighty' } }), /server\.port/);
  assert.throws(() => loadConfig({ env: {}, overrides: { upstreams: [{ name: 'x', api: 'grpc', baseUrl: 'http://h', models: ['*'] }] } }), /upstreams\.0\.api/);
  assert.throws(() => loadConfig({ env: { MOAT_PORT: 'abc' } }), /MOAT_PORT/);
});
