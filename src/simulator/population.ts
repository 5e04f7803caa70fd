// The world actors live in: client user agents (stock SDKs, scripted HTTP clients, named agents, browsers),
// network ranges (shared cloud egress, residential proxy pools, corporate and campus ranges) and working hours
// in a time zone. Every actor draws its own from these, per seed.
import type { Rng } from './rng.js';

const v = (rng: Rng, maj: number, lo: number, hi: number) => `${maj}.${rng.int(lo, hi)}.${rng.int(0, 9)}`;

/** A stock SDK user agent of either vendor, as the official clients send it. */
export function sdkAgent(rng: Rng, api: 'openai' | 'anthropic'): string {
  if (api === 'openai')
    return rng.weighted([
      [`OpenAI/Python ${v(rng, 1, 40, 109)}`, 4],
      [`OpenAI/JS ${v(rng, 4, 50, 104)}`, 3],
      [`openai-python/${v(rng, 1, 40, 109)}`, 1],
      [`AsyncOpenAI/Python ${v(rng, 1, 40, 109)}`, 1],
      [`litellm/${v(rng, 1, 40, 80)}`, 1],
      [`langchain-openai/${v(rng, 0, 1, 3)}`, 1],
    ] as const);
  return rng.weighted([
    [`Anthropic/Python ${v(rng, 0, 30, 69)}`, 4],
    [`Anthropic/JS ${v(rng, 0, 20, 69)}`, 3],
    [`anthropic-typescript/${v(rng, 0, 20, 69)}`, 1],
  ] as const);
}

export function scriptedAgent(rng: Rng): string {
  return rng.pick([
    `python-requests/2.${rng.int(25, 32)}.${rng.int(0, 3)}`,
    `python-httpx/0.${rng.int(24, 28)}.${rng.int(0, 2)}`,
    `Python/3.${rng.int(9, 13)} aiohttp/3.${rng.int(8, 11)}.${rng.int(0, 9)}`,
    `curl/8.${rng.int(0, 12)}.${rng.int(0, 1)}`,
    'Go-http-client/2.0',
    `okhttp/4.${rng.int(9, 12)}.0`,
    `axios/1.${rng.int(4, 9)}.${rng.int(0, 9)}`,
    'node-fetch/1.0 (+https://github.com/bitinn/node-fetch)',
  ]);
}

const PRODUCTS = ['acme', 'orbit', 'nimbus', 'lumen', 'quill', 'harbor', 'vector', 'cobalt', 'maple', 'atlas', 'pixel', 'ember', 'delta', 'summit', 'relay', 'tandem'];
const SUFFIXES = ['bot', 'pipeline', 'agent', 'worker', 'app', 'service', 'cli', 'runner', 'sync', 'assist'];

/** A named client of its own (an application, a pipeline, a coding agent). */
export function namedAgent(rng: Rng): string {
  return `${rng.pick(PRODUCTS)}-${rng.pick(SUFFIXES)}/${rng.int(0, 4)}.${rng.int(0, 30)}${rng.chance(0.3) ? ` (${rng.pick(['linux', 'darwin', 'win32'])})` : ''}`;
}

export function browserAgent(rng: Rng): string {
  const chrome = `${rng.int(120, 140)}.0.${rng.int(1000, 7000)}.${rng.int(10, 200)}`;
  return rng.pick([
    `Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${chrome} Safari/537.36`,
    `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.${rng.int(0, 6)} Safari/605.1.15`,
    `Mozilla/5.0 (X11; Linux x86_64; rv:${rng.int(115, 130)}.0) Gecko/20100101 Firefox/${rng.int(115, 130)}.0`,
  ]);
}

export type ClientKind = 'sdk' | 'scripted' | 'named' | 'browser';

export function agentOf(rng: Rng, kind: ClientKind, api: 'openai' | 'anthropic'): string {
  return kind === 'sdk' ? sdkAgent(rng, api) : kind === 'scripted' ? scriptedAgent(rng) : kind === 'named' ? namedAgent(rng) : browserAgent(rng);
}

/**
 * Network ranges of the simulated world. Cloud egress ranges are shared by many unrelated customers; proxy
 * pools (residential or datacenter) sell the same adjacent subnets to anyone; the rest belong to one owner.
 */
export class Networks {
  readonly cloud: string[];
  readonly proxyPools: string[][];
  constructor(rng: Rng) {
    // A handful of big cloud /24s everyone's NAT gateways share.
    this.cloud = Array.from({ length: rng.int(6, 12) }, () => `${rng.pick([3, 13, 18, 34, 35, 44, 52, 54])}.${rng.int(0, 255)}.${rng.int(0, 255)}`);
    // Proxy providers: each a run of adjacent /24s inside one /16.
    this.proxyPools = Array.from({ length: rng.int(3, 6) }, () => {
      const a = rng.int(45, 195);
      const b = rng.int(0, 255);
      const c = rng.int(0, 200);
      return Array.from({ length: rng.int(4, 12) }, (_, i) => `${a}.${b}.${c + i}`);
    });
  }

  /** A fresh range owned by one organisation. */
  own(rng: Rng): string {
    return `${rng.pick([81, 62, 91, 109, 141, 176, 193, 198, 203, 212])}.${rng.int(0, 255)}.${rng.int(0, 255)}`;
  }
}

export const ip = (rng: Rng, net: string) => `${net}.${rng.int(2, 250)}`;

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** Working hours of an actor: a UTC offset, a start hour and a length. */
export interface WorkingHours {
  offset: number;
  start: number;
  hours: number;
  weekdaysOnly: boolean;
}

export function workingHours(rng: Rng, offset = rng.pick([-8, -5, 0, 1, 2, 5.5, 8, 9])): WorkingHours {
  return { offset, start: rng.int(7, 10), hours: rng.int(7, 10), weekdaysOnly: rng.chance(0.6) };
}

/** A random moment inside working hours on a random day of [start, start+span). */
export function inHours(rng: Rng, w: WorkingHours, start: number, span: number): number {
  const days = Math.max(1, Math.floor(span / DAY));
  for (let tries = 0; tries < 20; tries++) {
    const day = rng.int(0, days - 1);
    const dayStart = start + day * DAY;
    const dow = new Date(dayStart).getUTCDay();
    if (w.weekdaysOnly && (dow === 0 || dow === 6) && tries < 19) continue;
    return dayStart + (w.start - w.offset) * HOUR + rng.next() * w.hours * HOUR;
  }
  return start + rng.next() * span;
}
