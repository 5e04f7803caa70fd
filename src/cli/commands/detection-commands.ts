// Registers the detection command group (replay, simulate, rules, detect) with one line in main.ts.
import type { Command } from 'commander';
import { register as detect } from './detect.js';
import { register as replay } from './replay.js';
import { register as rules } from './rules.js';
import { register as simulate } from './simulate.js';

export function register(program: Command): void {
  replay(program);
  simulate(program);
  rules(program);
  detect(program);
}
