// What a status action will change, computed from the admin API: each org's current status, its active
// keys, and the requests per minute each key carried over the last 5 minutes (usage is flushed by the
// gateways every few seconds, so this trails live traffic slightly).
import type { ApiFetch } from './client.js';
import type { ApiKeyView, Impact, Org, OrgStatus, UsageRow } from './types.js';

export const IMPACT_WINDOW_MIN = 5;

const NEW_STATUS: Record<string, OrgStatus> = { restrict: 'restricted', suspend: 'suspended', revoke: 'revoked' };

export async function computeImpact(api: ApiFetch, action: string, orgIds: string[], now = Date.now()): Promise<Impact> {
  const from = new Date(now - IMPACT_WINDOW_MIN * 60_000).toISOString();
  const orgs = await Promise.all(
    orgIds.map(async (id) => {
      const enc = encodeURIComponent(id);
      const [org, { keys }, { usage }] = await Promise.all([
        api<Org>(`/admin/orgs/${enc}`),
        api<{ keys: ApiKeyView[] }>(`/admin/orgs/${enc}/keys`),
        api<{ usage: UsageRow[] }>(`/admin/usage?org=${enc}&group_by=key&from=${encodeURIComponent(from)}`),
      ]);
      const rpm = (keyId: string) => perMinute(usage.filter((u) => u.keyId === keyId).reduce((n, u) => n + u.requests, 0));
      const active = keys.filter((k) => k.status === 'active').map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, requestsPerMinute: rpm(k.id) }));
      return {
        id: org.id,
        name: org.name,
        status: org.status,
        newStatus: NEW_STATUS[action] ?? org.status,
        keys: active,
        requestsPerMinute: perMinute(usage.reduce((n, u) => n + u.requests, 0)),
      };
    }),
  );
  return { orgs, totalRequestsPerMinute: Math.round(orgs.reduce((n, o) => n + o.requestsPerMinute, 0) * 10) / 10 };
}

const perMinute = (requests: number) => Math.round((requests / IMPACT_WINDOW_MIN) * 10) / 10;
