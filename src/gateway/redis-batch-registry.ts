// The batch registry shared by several gateways (redisUrl set): one JSON value per id with its own expiry,
// a set of batch ids per org, and a metering claim per id (SET NX), so a batch created through one gateway can
// be read, metered once and cancelled through any other.
import { Redis } from 'ioredis';
import type { BatchOwner, BatchRegistry, RegistryBounds, TrackedBatch, TrackedFile } from './batch-registry.js';
import { closeRedis } from '../redis/close-redis.js';

type Stored = { kind: 'file'; v: TrackedFile } | { kind: 'batch'; v: TrackedBatch } | { kind: 'response'; v: BatchOwner };

export class RedisBatchRegistry implements BatchRegistry {
  constructor(
    private readonly redis: Pick<Redis, 'set' | 'get' | 'sadd' | 'smembers' | 'srem' | 'pexpire' | 'quit' | 'exists' | 'status' | 'disconnect'>,
    private readonly bounds: Pick<RegistryBounds, 'ttlMs'>,
    private readonly prefix = 'moat:batches',
  ) {}

  async putResponse(id: string, owner: BatchOwner): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify({ kind: 'response', v: owner } satisfies Stored), 'PX', this.bounds.ttlMs);
  }

  async response(id: string): Promise<BatchOwner | undefined> {
    const s = await this.read(id);
    return s?.kind === 'response' ? s.v : undefined;
  }

  async putFile(id: string, f: TrackedFile): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify({ kind: 'file', v: f } satisfies Stored), 'PX', this.bounds.ttlMs);
  }

  async file(id: string): Promise<TrackedFile | undefined> {
    const s = await this.read(id);
    return s?.kind === 'file' ? s.v : undefined;
  }

  async putBatch(id: string, b: TrackedBatch): Promise<void> {
    await this.redis.set(this.key(id), JSON.stringify({ kind: 'batch', v: b } satisfies Stored), 'PX', this.bounds.ttlMs);
    const orgKey = this.orgKey(b.orgId);
    await this.redis.sadd(orgKey, id);
    await this.redis.pexpire(orgKey, this.bounds.ttlMs);
  }

  async batch(id: string): Promise<TrackedBatch | undefined> {
    const s = await this.read(id);
    return s?.kind === 'batch' ? s.v : undefined;
  }

  async batchesOf(orgId: string): Promise<string[]> {
    const ids = await this.redis.smembers(this.orgKey(orgId));
    const live: string[] = [];
    for (const id of ids) {
      if (await this.redis.exists(this.key(id))) live.push(id);
      else await this.redis.srem(this.orgKey(orgId), id);
    }
    return live;
  }

  async claimMetering(id: string): Promise<boolean> {
    if (!(await this.redis.exists(this.key(id)))) return false;
    return (await this.redis.set(`${this.prefix}:metered:${id}`, '1', 'PX', this.bounds.ttlMs, 'NX')) === 'OK';
  }

  async close(): Promise<void> {
    await closeRedis(this.redis);
  }

  private async read(id: string): Promise<Stored | undefined> {
    const raw = await this.redis.get(this.key(id));
    if (raw === null) return undefined;
    await this.redis.pexpire(this.key(id), this.bounds.ttlMs);
    return JSON.parse(raw) as Stored;
  }

  private key(id: string): string {
    return `${this.prefix}:id:${id}`;
  }

  private orgKey(orgId: string): string {
    return `${this.prefix}:org:${orgId}`;
  }
}

/** A registry on its own ioredis client (commands queue while Redis is unreachable, failing the batch route). */
export function connectRedisBatchRegistry(url: string, bounds: Pick<RegistryBounds, 'ttlMs'>, prefix?: string): RedisBatchRegistry {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000, commandTimeout: 2_000 });
  redis.on('error', () => undefined); // a failing command fails its batch route, which reports it
  return new RedisBatchRegistry(redis, bounds, prefix);
}
