// Measures time to enforcement on a live gateway (docs/enforcement.md):
//   npx tsx test/e2e/measure-time-to-enforcement.ts [--seed 1] [--scale 1]
// Runs the `mixed` scenario through startSimGateway (detection on, default playbook, automatic) and prints a
// markdown table per misuse actor.
import { simulate } from '../../src/simulator/scenarios.js';
import { splitTrace, startSimGateway, waitFor, type SentRequest } from './sim-gateway.js';
import { timeToEnforcement, tteTable } from './time-to-enforcement.js';
import type { Case } from '../../src/enforcement/case-model.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const seed = arg('seed', 1);
const scale = arg('scale', 1);
const sim = simulate({ scenario: 'mixed', seed, scale });
const { orgs, requests } = splitTrace(sim.lines);
const g = await startSimGateway({ orgs, traceStart: Date.parse(requests[0]!.ts), config: { 'enforcement.autoEnforce': true } });
const sent: SentRequest[] = [];
const t0 = Date.now();
for (const r of requests) sent.push(await g.send(r));
const wall = Date.now() - t0;
await waitFor(() => g.moat.detection!.stats().events === requests.length, 30_000, 'detection');
await g.moat.detection!.idle();
const cases = (await g.moat.enforcement.list()) as Case[];
process.stdout.write(`mixed seed=${seed} scale=${scale}: ${requests.length} requests sent one at a time in ${wall} ms; detection ${JSON.stringify(g.moat.detection!.stats())}\n\n`);
process.stdout.write(tteTable(timeToEnforcement(sim.labels, sent, cases)) + '\n');
await g.close();
