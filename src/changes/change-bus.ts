// Change notifications that keep every process's in-memory view current. Embedded: in-process.
// Scale-out: a broadcast (Redis pub/sub) plus a periodic version check that catches anything a lost message
// missed. Org and key changes carry their new state, so a gateway that cannot reach the store (but still hears
// the broadcast) applies a revocation, suspension or disabled key at once.
import type { KeyStatus } from '../model/api-key.js';
import type { Org } from '../model/org.js';

export type ChangeKind = 'org' | 'key' | 'grant' | 'affiliation' | 'policy' | 'admin' | 'all';

/** A key's access after a change: what authentication needs, never its hash. */
export interface KeyAccess {
  id: string;
  orgId: string;
  status: KeyStatus | 'deleted';
  expiresAt?: string;
}

export interface Change {
  kind: ChangeKind;
  /** The org whose state changed, when the change is scoped to one org. */
  orgId?: string;
  /** The store's global change version after this change. */
  version: number;
  /** Orgs as they are after the change (org changes; a policy apply's changed orgs, up to a limit). */
  orgs?: Org[];
  /** Keys' access after the change (key changes; a policy apply's changed keys, up to a limit). */
  keys?: KeyAccess[];
}

export interface ChangeBus {
  publish(change: Change): Promise<void>;
  subscribe(handler: (change: Change) => void): () => void;
  close(): Promise<void>;
}
