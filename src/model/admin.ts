export type AdminRole = 'viewer' | 'analyst' | 'admin';

export const ROLE_RANK: Record<AdminRole, number> = { viewer: 0, analyst: 1, admin: 2 };

export interface AdminTokenRecord {
  id: string;
  name: string;
  role: AdminRole;
  /** sha256 hex of the token. */
  hash: string;
  createdAt: string;
}
