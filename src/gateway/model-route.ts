// Routing by door and model: a request goes to the first upstream (config order) that serves its front door's
// API and has a glob matching its model. That upstream's pool — the upstreams sharing its `pool` name that also
// serve the door and the model — is what the request is balanced over (upstream-pool.ts); an upstream without a
// pool name is a pool of one.
import { servedApis, type UpstreamConfig } from '../config/schema.js';
import type { WireApi } from '../errors/wire-format.js';
import { globMatch } from '../policy/glob.js';

export interface ModelRouter {
  /** The pool members serving `model` through `api`'s doors, the first matching upstream first; undefined when none. */
  route(model: string, api: WireApi): readonly UpstreamConfig[] | undefined;
  /** An API whose doors do serve `model`, when `api`'s do not (to name the right door in the error). */
  otherApiServing(model: string, api: WireApi): WireApi | undefined;
  /** Literal (not glob) model names served through `api`'s doors, in config order, for `GET /v1/models`. */
  listedModels(api: WireApi): Array<{ id: string; upstream: UpstreamConfig }>;
}

const serves = (u: UpstreamConfig, api: WireApi, model: string) => servedApis(u).includes(api) && u.models.some((g) => globMatch(g, model));

export function createModelRouter(upstreams: readonly UpstreamConfig[]): ModelRouter {
  // Clients send a handful of distinct model names; caching the answer keeps routing to one map lookup.
  const cache = new Map<string, readonly UpstreamConfig[] | null>();
  function find(model: string, api: WireApi): readonly UpstreamConfig[] | undefined {
    const first = upstreams.find((u) => serves(u, api, model));
    if (!first) return undefined;
    if (first.pool === undefined) return [first];
    return [first, ...upstreams.filter((u) => u !== first && u.pool === first.pool && serves(u, api, model))];
  }
  return {
    route(model, api) {
      const key = `${api}\n${model}`;
      const hit = cache.get(key);
      if (hit !== undefined) return hit ?? undefined;
      const found = find(model, api);
      if (cache.size < 10_000) cache.set(key, found ?? null);
      return found;
    },
    otherApiServing(model, api) {
      const other: WireApi = api === 'openai' ? 'anthropic' : 'openai';
      return upstreams.some((u) => serves(u, other, model)) ? other : undefined;
    },
    listedModels(api) {
      const seen = new Set<string>();
      const out: Array<{ id: string; upstream: UpstreamConfig }> = [];
      for (const u of upstreams) {
        if (!servedApis(u).includes(api)) continue;
        for (const m of u.models)
          if (!/[*?]/.test(m) && !seen.has(m)) {
            seen.add(m);
            out.push({ id: m, upstream: u });
          }
      }
      return out;
    },
  };
}
