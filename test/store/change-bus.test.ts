import { randomBytes } from 'node:crypto';
import { InProcessChangeBus } from '../../src/changes/in-process-change-bus.js';
import { RedisChangeBus } from '../../src/changes/redis-change-bus.js';
import { runChangeBusContract } from './change-bus-contract.js';
import { TEST_REDIS_URL } from './test-drivers.js';

runChangeBusContract('in-process', async () => {
  const bus = new InProcessChangeBus();
  return [bus, bus];
});

const url = TEST_REDIS_URL;
runChangeBusContract(
  'redis',
  url
    ? async () => {
        // A channel of its own per run, so parallel runs do not hear each other.
        const channel = `moat_test:${randomBytes(6).toString('hex')}:changes`;
        return [await RedisChangeBus.connect({ url, channel }), await RedisChangeBus.connect({ url, channel })];
      }
    : undefined,
  'MOAT_TEST_REDIS_URL is not set: Redis change bus contract skipped',
);
