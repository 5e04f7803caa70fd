import { runStoreContract } from './store-contract.js';
import { makePgliteTestDriver } from './test-drivers.js';

runStoreContract('pglite (in memory)', makePgliteTestDriver);
