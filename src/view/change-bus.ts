// Change notifications that keep every process's in-memory view current. Embedded: in-process.
// Scale-out: a broadcast (Redis pub/sub or Postgres NOTIFY) plus a periodic version check that catches
// anything a lost message missed.

export type ChangeKind = 'org' | 'key' | 'grant' | 'affiliation' | 'policy' | 'admin' | 'all';

export interface Change {
  kind: ChangeKind;
  /** The org whose state changed, when the change is scoped to one org. */
  orgId?: string;
  /** The store's global change version after this change. */
  version: number;
}

export interface ChangeBus {
  publish(change: Change): Promise<void>;
  subscribe(handler: (change: Change) => void): () => void;
  close(): Promise<void>;
}
