// The org list, polled slowly, as a map for showing names instead of ids anywhere on a page.
import { useMemo } from 'react';
import type { Org } from '../api/types.js';
import { useApi } from './use-api.js';

export function useOrgs(): Map<string, Org> {
  const orgs = useApi<{ orgs: Org[] }>('/admin/orgs', 10000);
  return useMemo(() => new Map(orgs.kind === 'ok' ? orgs.data.orgs.map((o) => [o.id, o]) : []), [orgs]);
}
