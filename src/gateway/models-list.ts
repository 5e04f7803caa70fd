// `GET /v1/models` and `GET /v1/models/{id}` in the caller's format: OpenAI's list by default, Anthropic's when the caller speaks Anthropic.
import type { UpstreamConfig } from '../config/schema.js';

/** A fixed creation time: Moat does not know when a model server's model was made. */
const CREATED = 1_700_000_000;

type ServedModel = { id: string; upstream: UpstreamConfig };

function modelObject(api: 'openai' | 'anthropic', m: ServedModel): Record<string, unknown> {
  if (api === 'anthropic') return { type: 'model', id: m.id, display_name: m.id, created_at: new Date(CREATED * 1000).toISOString() };
  return { id: m.id, object: 'model', created: CREATED, owned_by: m.upstream.name };
}

export function renderModelList(api: 'openai' | 'anthropic', models: ServedModel[]): string {
  const data = models.map((m) => modelObject(api, m));
  if (api === 'anthropic') return JSON.stringify({ data, has_more: false, first_id: models[0]?.id ?? null, last_id: models[models.length - 1]?.id ?? null });
  return JSON.stringify({ object: 'list', data });
}

/** `GET /v1/models/{id}`: one model in the caller's format. */
export function renderModel(api: 'openai' | 'anthropic', m: ServedModel): string {
  return JSON.stringify(modelObject(api, m));
}
