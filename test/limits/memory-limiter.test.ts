import { MemoryLimiter } from '../../src/limits/memory-limiter.js';
import { limiterContract } from './limiter-contract.js';

limiterContract('memory', async (limits, clock) => new MemoryLimiter({ limits: () => limits, now: clock.now }));
