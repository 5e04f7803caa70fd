// Who owns a batch, a file or a stored response. The upstream holds every org's batches under one credential, so the gateway
// must remember which org (and key) created each batch and file id, and on which upstream, to let a key touch
// only its own org's, to meter results once, and to cancel an org's batches when it is revoked.
// Two implementations behind one interface: in memory (one gateway: bounded, oldest forgotten first) and in
// Redis (several gateways behind one address, where the id is retrieved on a gateway other than the one that
// created it; entries expire on their own). A forgotten id answers 404 to its owner: the safe side.
import type { WireApi } from '../errors/wire-format.js';

export interface BatchOwner {
  orgId: string;
  keyId: string;
  /** Name of the upstream that holds it (batches and files live on one server). */
  upstream: string;
}

export interface TrackedFile extends BatchOwner {
  /** `input`: uploaded for a batch; `output`: results or errors of a batch, metered when first read. */
  role: 'input' | 'output';
  /** For outputs: the endpoint of the batch's items (says how each result line's usage is read). */
  endpoint?: string;
}

export interface TrackedBatch extends BatchOwner {
  api: WireApi;
  /** The items' endpoint (Anthropic batches: `/v1/messages`). */
  endpoint: string;
  items: number;
}

export interface BatchRegistry {
  /** A stored Responses API response (retrievable and cancellable by id). */
  putResponse(id: string, owner: BatchOwner): Promise<void>;
  response(id: string): Promise<BatchOwner | undefined>;
  putFile(id: string, f: TrackedFile): Promise<void>;
  file(id: string): Promise<TrackedFile | undefined>;
  putBatch(id: string, b: TrackedBatch): Promise<void>;
  batch(id: string): Promise<TrackedBatch | undefined>;
  /** Batch ids an org created that are still remembered (cancelled upstream when the org is denied). */
  batchesOf(orgId: string): Promise<string[]>;
  /** True for the first caller only: a batch's results (or an output file) are metered once however often read. */
  claimMetering(id: string): Promise<boolean>;
  close(): Promise<void>;
}

export interface RegistryBounds {
  /** Ids remembered at most (files and batches together); the least recently used are forgotten first. */
  maxIds: number;
  /** How long an id is remembered after it was stored or last read. */
  ttlMs: number;
}

type Entry =
  | { kind: 'file'; v: TrackedFile; until: number; metered: boolean }
  | { kind: 'batch'; v: TrackedBatch; until: number; metered: boolean }
  | { kind: 'response'; v: BatchOwner; until: number; metered: boolean };

/** One gateway's registry: a Map in recency order (re-inserted on read), trimmed from the oldest end. */
export class MemoryBatchRegistry implements BatchRegistry {
  private readonly entries = new Map<string, Entry>();
  private readonly byOrg = new Map<string, Set<string>>();

  constructor(
    private readonly bounds: RegistryBounds,
    private readonly now: () => number = Date.now,
  ) {}

  async putResponse(id: string, owner: BatchOwner): Promise<void> {
    this.put(id, { kind: 'response', v: owner, until: this.now() + this.bounds.ttlMs, metered: false });
  }

  async response(id: string): Promise<BatchOwner | undefined> {
    const e = this.get(id);
    return e?.kind === 'response' ? e.v : undefined;
  }

  async putFile(id: string, f: TrackedFile): Promise<void> {
    this.put(id, { kind: 'file', v: f, until: this.now() + this.bounds.ttlMs, metered: this.entries.get(id)?.metered ?? false });
  }

  async file(id: string): Promise<TrackedFile | undefined> {
    const e = this.get(id);
    return e?.kind === 'file' ? e.v : undefined;
  }

  async putBatch(id: string, b: TrackedBatch): Promise<void> {
    this.put(id, { kind: 'batch', v: b, until: this.now() + this.bounds.ttlMs, metered: this.entries.get(id)?.metered ?? false });
    let ids = this.byOrg.get(b.orgId);
    if (!ids) this.byOrg.set(b.orgId, (ids = new Set()));
    ids.add(id);
  }

  async batch(id: string): Promise<TrackedBatch | undefined> {
    const e = this.get(id);
    return e?.kind === 'batch' ? e.v : undefined;
  }

  async batchesOf(orgId: string): Promise<string[]> {
    return [...(this.byOrg.get(orgId) ?? [])].filter((id) => this.get(id) !== undefined);
  }

  async claimMetering(id: string): Promise<boolean> {
    const e = this.get(id);
    if (!e || e.metered) return false;
    e.metered = true;
    return true;
  }

  /** Ids currently remembered (tests, metrics). */
  get size(): number {
    return this.entries.size;
  }

  async close(): Promise<void> {
    this.entries.clear();
    this.byOrg.clear();
  }

  private put(id: string, e: Entry): void {
    this.entries.delete(id);
    this.entries.set(id, e);
    while (this.entries.size > this.bounds.maxIds) {
      const oldest = this.entries.keys().next().value as string;
      this.forget(oldest);
    }
  }

  private get(id: string): Entry | undefined {
    const e = this.entries.get(id);
    if (!e) return undefined;
    const now = this.now();
    if (e.until <= now) {
      this.forget(id);
      return undefined;
    }
    e.until = now + this.bounds.ttlMs;
    this.entries.delete(id);
    this.entries.set(id, e);
    return e;
  }

  private forget(id: string): void {
    const e = this.entries.get(id);
    this.entries.delete(id);
    if (e?.kind !== 'batch') return;
    const ids = this.byOrg.get(e.v.orgId);
    ids?.delete(id);
    if (ids?.size === 0) this.byOrg.delete(e.v.orgId);
  }
}
