export type KeyStatus = 'active' | 'disabled';

export interface ApiKeyRecord {
  id: string;
  orgId: string;
  name: string;
  /** Visible, non-secret prefix shown in listings, e.g. "moat_live_3xT9aQ2b". */
  prefix: string;
  /** sha256 hex of the full secret; the secret itself is never stored. */
  hash: string;
  status: KeyStatus;
  expiresAt?: string;
  createdAt: string;
  updatedAt: string;
}
