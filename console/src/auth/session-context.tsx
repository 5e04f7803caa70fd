import { createContext, useContext } from 'react';
import type { ApiFetch } from '../api/client.js';
import type { Whoami } from '../api/types.js';

export interface Session {
  api: ApiFetch;
  me: Whoami;
  logout: () => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionContext');
  return s;
}
