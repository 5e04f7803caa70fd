// In CI (.ci/run sets MOAT_REQUIRE_SERVICES=1) the PostgreSQL and Redis suites must run for real:
// they are gated on MOAT_TEST_DATABASE_URL / MOAT_TEST_REDIS_URL, so this test fails the run when either
// variable is missing or its server does not answer, instead of letting those suites skip silently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';

const required = process.env.MOAT_REQUIRE_SERVICES === '1';

test('PostgreSQL suite is wired in when required', { skip: !required && 'MOAT_REQUIRE_SERVICES not set' }, async () => {
  const url = process.env.MOAT_TEST_DATABASE_URL;
  assert.ok(url, 'MOAT_TEST_DATABASE_URL must be set in CI');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  const { rows } = await client.query('select 1 as one');
  await client.end();
  assert.equal(rows[0].one, 1);
});

test('Redis suite is wired in when required', { skip: !required && 'MOAT_REQUIRE_SERVICES not set' }, async () => {
  const url = process.env.MOAT_TEST_REDIS_URL;
  assert.ok(url, 'MOAT_TEST_REDIS_URL must be set in CI');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3000 });
  await redis.connect();
  assert.equal(await redis.ping(), 'PONG');
  redis.disconnect();
});
