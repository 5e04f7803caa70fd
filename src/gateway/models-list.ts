// `GET /v1/models` in the caller's format: OpenAI's list by default, Anthropic's when the caller speaks Anthropic.
import type { UpstreamConfig } from '../config/schema.js';

/** A fixed creation time: Moat does not know when a model server's model was made. */
const CREATED = 1_700_000_000;

export function renderModelList(api: 'openai' | 'anthropic', models: Array<{ id: string; upstream: UpstreamConfig }>): string {
  if (api === 'anthropic') {
    const data = models.map((m) => ({ type: 'model', id: m.id, display_name: m.id, created_at: new Date(CREATED * 1000).toISOString() }));
    return JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data[data.length - 1]?.id ?? null });
  }
  return JSON.stringify({ object: 'list', data: models.map((m) => ({ id: m.id, object: 'model', created: CREATED, owned_by: m.upstream.name })) });
}
