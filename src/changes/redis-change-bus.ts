// Scale-out deployments: changes are broadcast with Redis pub/sub. A subscribed connection cannot run other
// commands, so publishing and subscribing use two connections. Publishing fails fast when Redis is away (no
// offline queue, bounded connect and command time): a broadcast is never what an admin call waits for, and
// the change outbox retries it. Messages lost while disconnected are healed by each view's version check.
import { Redis } from 'ioredis';
import type { Change, ChangeBus, KeyAccess } from './change-bus.js';
import type { Org } from '../model/org.js';
import { closeRedis } from '../redis/close-redis.js';
import { isJsonObject } from '../json/is-json-object.js';

export interface RedisChangeBusOptions {
  url: string;
  /** Channel name; processes that share a store must share it. */
  channel?: string;
  /** Connect and publish timeout (ms). Default 1000. */
  timeoutMs?: number;
}

const isOrg = (v: unknown): v is Org => isJsonObject(v) && typeof v.id === 'string' && typeof v.status === 'string' && isJsonObject(v.attributes);
const isKeyAccess = (v: unknown): v is KeyAccess => isJsonObject(v) && typeof v.id === 'string' && typeof v.orgId === 'string' && typeof v.status === 'string';

export function parseChange(message: string): Change | undefined {
  try {
    const v = JSON.parse(message) as Record<string, unknown>;
    if (!isJsonObject(v) || typeof v.kind !== 'string' || typeof v.version !== 'number') return undefined;
    const change: Change = { kind: v.kind as Change['kind'], version: v.version };
    if (typeof v.orgId === 'string') change.orgId = v.orgId;
    // A malformed state is dropped, not guessed: the receiver then reloads from the store as before.
    if (Array.isArray(v.orgs) && v.orgs.every(isOrg)) change.orgs = v.orgs;
    if (Array.isArray(v.keys) && v.keys.every(isKeyAccess)) change.keys = v.keys;
    return change;
  } catch {
    return undefined;
  }
}

export class RedisChangeBus implements ChangeBus {
  private readonly handlers = new Set<(change: Change) => void>();

  private constructor(
    private readonly pub: Redis,
    private readonly sub: Redis,
    readonly channel: string,
  ) {
    // After a reconnect the bus subscribes again itself: ioredis' own resubscribe drops its promise, so a
    // connection closed before Redis confirms (a quit, a second outage) became an unhandled rejection that
    // ends the process.
    let ready = false;
    sub.on('ready', () => {
      if (ready) sub.subscribe(channel).catch(() => {});
      ready = true;
    });
    sub.on('message', (ch: string, message: string) => {
      if (ch !== channel) return;
      const change = parseChange(message);
      if (!change) return;
      for (const h of [...this.handlers]) {
        try {
          h(change);
        } catch {
          // keep delivering to the others
        }
      }
    });
  }

  /**
   * Resolves once the subscription is active and publishing is ready, so no change published after this
   * returns is missed or refused. With
   * `whenDown`, a Redis that is unreachable at start does not stop the caller: the bus subscribes as soon as
   * Redis answers (the version check covers the gap) and `whenDown` is told why it is not yet subscribed.
   */
  static async connect(opts: RedisChangeBusOptions & { whenDown?: (err: unknown) => void }): Promise<RedisChangeBus> {
    const channel = opts.channel ?? 'moat:changes';
    const timeoutMs = opts.timeoutMs ?? 1_000;
    const pub = new Redis(opts.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, commandTimeout: timeoutMs });
    // The subscription waits for Redis however long it takes (queued, never dropped after N retries).
    const sub = new Redis(opts.url, { connectTimeout: timeoutMs, maxRetriesPerRequest: null, autoResubscribe: false });
    // Connection errors are retried by ioredis; without a listener they would be thrown as unhandled.
    pub.on('error', () => {});
    sub.on('error', () => {});
    const bus = new RedisChangeBus(pub, sub, channel);
    const subscribed = sub.subscribe(channel);
    // Publishing has no offline queue, so the bus is connected only once that connection is ready too:
    // otherwise a change published at once fails whenever the subscription's connection was ready first.
    const publishing = pub.status === 'ready' ? Promise.resolve() : new Promise<void>((resolve) => pub.once('ready', () => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([Promise.all([subscribed, publishing]), timedOut]);
    } catch (e) {
      if (!opts.whenDown) {
        await bus.close();
        throw e;
      }
      subscribed.catch(() => {});
      opts.whenDown(e);
    } finally {
      clearTimeout(timer);
    }
    return bus;
  }

  async publish(change: Change): Promise<void> {
    await this.pub.publish(this.channel, JSON.stringify(change));
  }

  subscribe(handler: (change: Change) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  async close(): Promise<void> {
    this.handlers.clear();
    // A bus still waiting for Redis (its SUBSCRIBE queued for as long as it takes) must close all the same.
    await Promise.all([closeRedis(this.sub), closeRedis(this.pub)]);
  }
}
