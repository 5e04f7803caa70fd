// Flattens a LimitsConfig document into LimitSpecs (plain data; cached per document by the limiters).
import { parseDuration } from '../policy/duration.js';
import type { CounterSubject, LimitMetric, LimitScope, LimitSpec } from './limit-spec.js';
import type { LimitLayer, LimitsConfig, LimitValues } from './limits-schema.js';

function valuesToSpecs(v: LimitValues, scope: LimitScope, match: string, subject: CounterSubject, target?: string): LimitSpec[] {
  const out: LimitSpec[] = [];
  const push = (metric: LimitMetric, limit: number | undefined) => {
    if (limit === undefined) return;
    out.push({ scope, match, subject, ...(target !== undefined ? { target } : {}), metric, limit });
  };
  push({ kind: 'rate', unit: 'requests' }, v.requestsPerMinute);
  push({ kind: 'rate', unit: 'input_tokens' }, v.inputTokensPerMinute);
  push({ kind: 'rate', unit: 'output_tokens' }, v.outputTokensPerMinute);
  push({ kind: 'concurrency' }, v.concurrentRequests);
  push({ kind: 'rate', unit: 'token_counts' }, v.tokenCountsPerMinute);
  for (const w of v.windows ?? []) {
    // The schema accepted the duration, so it parses; a document that skipped the schema loses the window.
    const durationMs = parseDuration(w.duration);
    if (durationMs === undefined) continue;
    push({ kind: 'window', name: w.name, mode: w.mode, durationMs, unit: 'requests' }, w.requests);
    push({ kind: 'window', name: w.name, mode: w.mode, durationMs, unit: 'tokens' }, w.tokens);
  }
  return out;
}

function layerToSpecs(layer: LimitLayer, scope: 'tier' | 'org', match: string): LimitSpec[] {
  const out: LimitSpec[] = [];
  if (layer.key) out.push(...valuesToSpecs(layer.key, scope, match, 'key'));
  if (layer.org) out.push(...valuesToSpecs(layer.org, scope, match, 'org'));
  for (const [glob, v] of Object.entries(layer.models ?? {})) out.push(...valuesToSpecs(v, scope, match, 'model', glob));
  for (const [f, v] of Object.entries(layer.features ?? {})) out.push(...valuesToSpecs(v, scope, match, 'feature', f));
  return out;
}

export function compileLimitSpecs(config: LimitsConfig): LimitSpec[] {
  const out: LimitSpec[] = [];
  // Every key's token counts are limited, so the free door is never an unmetered flood path.
  if (config.defaultTokenCountsPerMinute !== undefined)
    out.push({ scope: 'default', match: '*', subject: 'key', metric: { kind: 'rate', unit: 'token_counts' }, limit: config.defaultTokenCountsPerMinute });
  for (const [tier, layer] of Object.entries(config.tiers)) out.push(...layerToSpecs(layer, 'tier', tier));
  for (const [org, layer] of Object.entries(config.orgs)) out.push(...layerToSpecs(layer, 'org', org));
  for (const [key, v] of Object.entries(config.keys)) out.push(...valuesToSpecs(v, 'key', key, 'key'));
  for (const [grant, v] of Object.entries(config.grants)) out.push(...valuesToSpecs(v, 'grant', grant, 'grant'));
  for (const [f, v] of Object.entries(config.features)) out.push(...valuesToSpecs(v, 'feature', f, 'feature', f));
  for (const [glob, v] of Object.entries(config.models)) out.push(...valuesToSpecs(v, 'model', glob, 'model', glob));
  return out;
}

const compiled = new WeakMap<LimitsConfig, LimitSpec[]>();

/** compileLimitSpecs, memoised per document object (the policy view replaces the object on change). */
export function specsOf(config: LimitsConfig): LimitSpec[] {
  let s = compiled.get(config);
  if (!s) {
    s = compileLimitSpecs(config);
    compiled.set(config, s);
  }
  return s;
}
