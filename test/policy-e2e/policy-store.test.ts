// applyPolicyPlan / loadPolicyState on both store backends (PostgreSQL gated on MOAT_TEST_DATABASE_URL).
import { makePgliteTestDriver, makePostgresTestDriver, TEST_DATABASE_URL } from '../store/test-drivers.js';
import { runPolicyStoreContract } from './policy-store-contract.js';

const url = TEST_DATABASE_URL;
if (!url) console.log('# SKIP MOAT_TEST_DATABASE_URL is not set: PostgreSQL policy apply contract skipped');
runPolicyStoreContract('pglite', makePgliteTestDriver);
runPolicyStoreContract('postgres', url ? () => makePostgresTestDriver(url) : undefined, 'MOAT_TEST_DATABASE_URL is not set: PostgreSQL policy apply contract skipped');
