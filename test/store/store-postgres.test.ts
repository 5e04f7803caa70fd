import { runStoreContract } from './store-contract.js';
import { makePostgresTestDriver, TEST_DATABASE_URL } from './test-drivers.js';

const url = TEST_DATABASE_URL;
runStoreContract(
  'postgres',
  url ? () => makePostgresTestDriver(url) : undefined,
  'MOAT_TEST_DATABASE_URL is not set: PostgreSQL store contract skipped',
);
