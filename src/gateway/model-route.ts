// Routing by model name: the first upstream with a glob matching the model wins (config order).
import type { UpstreamConfig } from '../config/schema.js';
import { globMatch } from '../policy/glob.js';

export interface ModelRouter {
  route(model: string): UpstreamConfig | undefined;
  /** Model names that are literal (not globs), in config order, for `GET /v1/models`. */
  listedModels(): Array<{ id: string; upstream: UpstreamConfig }>;
}

export function createModelRouter(upstreams: readonly UpstreamConfig[]): ModelRouter {
  const compiled = upstreams.flatMap((u) => u.models.map((glob) => ({ glob, upstream: u })));
  // Clients send a handful of distinct model names; caching the answer keeps routing to one map lookup.
  const cache = new Map<string, UpstreamConfig | null>();
  return {
    route(model) {
      const hit = cache.get(model);
      if (hit !== undefined) return hit ?? undefined;
      const found = compiled.find((c) => globMatch(c.glob, model))?.upstream;
      if (cache.size < 10_000) cache.set(model, found ?? null);
      return found;
    },
    listedModels() {
      const seen = new Set<string>();
      const out: Array<{ id: string; upstream: UpstreamConfig }> = [];
      for (const u of upstreams)
        for (const m of u.models)
          if (!/[*?]/.test(m) && !seen.has(m)) {
            seen.add(m);
            out.push({ id: m, upstream: u });
          }
      return out;
    },
  };
}
