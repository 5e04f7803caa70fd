// What detection features mean (GET /admin/detection/glossary), loaded once per set of names.
import { useMemo } from 'react';
import { useApi } from '../hooks/use-api.js';
import type { AdminResponse } from './types.js';


export function useGlossary(names: string[]): Map<string, string> {
  const key = [...new Set(names)].sort().join(',');
  const state = useApi<AdminResponse<'GET /detection/glossary'>>(key ? `/admin/detection/glossary?names=${encodeURIComponent(key)}` : null, null);
  return useMemo(() => new Map(state.kind === 'ok' ? state.data.features.map((f) => [f.name, f.meaning]) : []), [state]);
}
