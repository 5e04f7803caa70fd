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
  /**
   * Set on the record of a key's previous secret after a rotation: the secret is accepted until this time
   * (the view holds it next to the current one; authentication compares times, never reads the store).
   */
  rotatedUntil?: string;
  createdAt: string;
  updatedAt: string;
}
