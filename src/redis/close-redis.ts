// Letting go of an ioredis client. QUIT lets Redis answer what was sent and close cleanly, but it waits behind
// queued commands: on a connection that is not up (Redis away, a subscription still waiting for its handshake) it
// would wait as long as they do, and a process closing it could not exit. Such a connection is only disconnected;
// a connected one that does not answer QUIT within timeoutMs (Redis stalled, a path silently dropped) is too.
import type { Redis } from 'ioredis';

/** The part of a client closing reads (narrow, so callers holding a Pick of Redis can pass theirs). */
export interface ClosableRedis {
  readonly status: Redis['status'];
  quit(): Promise<unknown>;
  disconnect(): void;
}

export async function closeRedis(redis: ClosableRedis, timeoutMs = 2_000): Promise<void> {
  if (redis.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([redis.quit().catch(() => undefined), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
    clearTimeout(timer);
  }
  redis.disconnect();
}
