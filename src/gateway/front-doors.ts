// The model API's front doors: method and path → the wire format callers speak there and the endpoint the
// upstream is called at. A new door is a row here, its request shape in request-schema.ts, its usage in
// usage-meter.ts, and — when its wire format is new — a WireApi in errors/wire-format.ts (docs/architecture.md
// "Add a front door").
import type { WireApi } from '../errors/wire-format.js';

export interface FrontDoor {
  api: WireApi;
  endpoint: string;
}

export const FRONT_DOORS: Readonly<Record<string, FrontDoor>> = {
  'POST /v1/chat/completions': { api: 'openai', endpoint: '/v1/chat/completions' },
  'POST /v1/messages': { api: 'anthropic', endpoint: '/v1/messages' },
};

/** The door a request line opens, or undefined. */
export function frontDoorOf(method: string | undefined, path: string): FrontDoor | undefined {
  return FRONT_DOORS[`${method} ${path}`];
}

/** Paths that are doors with another method: they answer 405 naming the method to use. */
export function doorMethodsOf(path: string): string | undefined {
  let methods: string | undefined;
  for (const key of Object.keys(FRONT_DOORS)) {
    const space = key.indexOf(' ');
    if (key.slice(space + 1) === path) methods = methods ? `${methods}, ${key.slice(0, space)}` : key.slice(0, space);
  }
  return methods;
}
