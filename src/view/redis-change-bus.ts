// Scale-out deployments: changes are broadcast with Redis pub/sub. A subscribed connection cannot run other
// commands, so publishing and subscribing use two connections. Messages lost while disconnected are
// healed by each view's periodic version check.
import { Redis } from 'ioredis';
import type { Change, ChangeBus } from './change-bus.js';

export interface RedisChangeBusOptions {
  url: string;
  /** Channel name; processes that share a store must share it. */
  channel?: string;
}

function parseChange(message: string): Change | undefined {
  try {
    const v = JSON.parse(message) as Partial<Change>;
    if (typeof v.kind !== 'string' || typeof v.version !== 'number') return undefined;
    return { kind: v.kind, version: v.version, ...(typeof v.orgId === 'string' ? { orgId: v.orgId } : {}) };
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

  /** Resolves once the subscription is active, so no change published after this returns is missed. */
  static async connect(opts: RedisChangeBusOptions): Promise<RedisChangeBus> {
    const channel = opts.channel ?? 'moat:changes';
    const pub = new Redis(opts.url, { lazyConnect: true, maxRetriesPerRequest: 2 });
    const sub = new Redis(opts.url, { lazyConnect: true });
    // Connection errors are retried by ioredis; without a listener they would be thrown as unhandled.
    pub.on('error', () => {});
    sub.on('error', () => {});
    try {
      await Promise.all([pub.connect(), sub.connect()]);
      await sub.subscribe(channel);
    } catch (e) {
      pub.disconnect();
      sub.disconnect();
      throw e;
    }
    return new RedisChangeBus(pub, sub, channel);
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
    await Promise.allSettled([this.sub.quit(), this.pub.quit()]);
  }
}
