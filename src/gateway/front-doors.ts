// The model API's front doors: method and path → the wire format callers speak there, the endpoint the
// upstream is called at, and the door's kind (which request shape is checked, where its usage is read). A new
// door is a row here, its request shape in request-schema.ts, its usage in usage-meter.ts, and — when its wire
// format is new — a WireApi in errors/wire-format.ts (docs/architecture.md "Add a front door").
import type { WireApi } from '../errors/wire-format.js';

/**
 * What a door does, which says how its body is checked and its usage read:
 * `chat` and `completions` (OpenAI usage, streams take `stream_options.include_usage`), `responses` (usage in
 * the body or `response.completed`), `embeddings` (input tokens only), `messages` (Anthropic usage),
 * `count_tokens` (no model work: nothing is charged as tokens).
 */
export type DoorKind = 'chat' | 'completions' | 'responses' | 'embeddings' | 'messages' | 'count_tokens';

export interface FrontDoor {
  api: WireApi;
  endpoint: string;
  kind: DoorKind;
}

export const FRONT_DOORS: Readonly<Record<string, FrontDoor>> = {
  'POST /v1/chat/completions': { api: 'openai', endpoint: '/v1/chat/completions', kind: 'chat' },
  'POST /v1/responses': { api: 'openai', endpoint: '/v1/responses', kind: 'responses' },
  'POST /v1/completions': { api: 'openai', endpoint: '/v1/completions', kind: 'completions' },
  'POST /v1/embeddings': { api: 'openai', endpoint: '/v1/embeddings', kind: 'embeddings' },
  'POST /v1/messages': { api: 'anthropic', endpoint: '/v1/messages', kind: 'messages' },
  'POST /v1/messages/count_tokens': { api: 'anthropic', endpoint: '/v1/messages/count_tokens', kind: 'count_tokens' },
};

/** The door a request line opens, or undefined. */
export function frontDoorOf(method: string | undefined, path: string): FrontDoor | undefined {
  return FRONT_DOORS[`${method} ${path}`];
}

/** The generating door of an API, named in errors that send a caller elsewhere. */
export function mainDoorOf(api: WireApi): string {
  return api === 'openai' ? '/v1/chat/completions' : '/v1/messages';
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
