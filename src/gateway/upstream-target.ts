// Where and how an upstream is called for one door API: its base URL's path prefix and the headers every call
// carries (the credential in that API's header: an upstream serving both doors takes each door's). Computed
// once per upstream and API.
import type { UpstreamConfig } from '../config/schema.js';
import type { WireApi } from '../errors/wire-format.js';
import { upstreamPath } from './upstream-client.js';

export interface UpstreamTarget {
  pathPrefix: string;
  headers: Record<string, string>;
}

export type UpstreamTargets = (up: UpstreamConfig, api: WireApi) => UpstreamTarget;

export function createUpstreamTargets(env: NodeJS.ProcessEnv): UpstreamTargets {
  const targets = new Map<UpstreamConfig, Partial<Record<WireApi, UpstreamTarget>>>();
  return (up, api) => {
    let byApi = targets.get(up);
    if (!byApi) targets.set(up, (byApi = {}));
    let t = byApi[api];
    if (!t) {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      const credential = up.apiKeyEnv ? env[up.apiKeyEnv] : undefined;
      if (credential) {
        if (api === 'anthropic') headers['x-api-key'] = credential;
        else headers.authorization = `Bearer ${credential}`;
      }
      t = { pathPrefix: upstreamPath(up, ''), headers };
      byApi[api] = t;
    }
    return t;
  };
}
