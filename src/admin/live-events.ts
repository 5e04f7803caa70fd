// Live updates for the console: one watcher per store polls the audit log's head once a second while anyone
// listens, and every open event stream gets a `change` event when it moves. Every admin change and every case
// step is audited, so the head moving is exactly "something an analyst sees has changed" — in any process
// sharing the store. The console reloads its views on the event instead of each view polling every 3 s.
import { PassThrough } from 'node:stream';
import { auditHead } from '../audit/audit-log.js';
import type { SqlExecutor } from '../sql/sql-driver.js';

const POLL_MS = 1000;
/** A comment line now and then keeps proxies from closing an idle stream. */
const KEEPALIVE_MS = 15_000;

interface Watcher {
  streams: Set<PassThrough>;
  seq: number;
  timer?: NodeJS.Timeout;
  polling: boolean;
}

const watchers = new Map<SqlExecutor, Watcher>();

function poll(store: SqlExecutor, w: Watcher): void {
  if (w.polling) return;
  w.polling = true;
  auditHead(store)
    .then(
      (head) => {
        if (head.seq === w.seq) return;
        w.seq = head.seq;
        for (const s of w.streams) s.write(`event: change\ndata: {"seq":${head.seq}}\n\n`);
      },
      () => undefined, // a store hiccup: the next poll tries again
    )
    .finally(() => (w.polling = false));
}

/** A new event stream: `retry` advice, the current head, then a `change` event whenever the head moves. */
export async function openLiveStream(store: SqlExecutor): Promise<PassThrough> {
  let w = watchers.get(store);
  if (!w) {
    w = { streams: new Set(), seq: (await auditHead(store)).seq, polling: false };
    watchers.set(store, w);
  }
  const watcher = w;
  const stream = new PassThrough();
  stream.write(`retry: 3000\nevent: ready\ndata: {"seq":${watcher.seq}}\n\n`);
  watcher.streams.add(stream);
  const keepalive = setInterval(() => stream.write(': keep-alive\n\n'), KEEPALIVE_MS);
  keepalive.unref();
  if (!watcher.timer) {
    watcher.timer = setInterval(() => poll(store, watcher), POLL_MS);
    watcher.timer.unref();
  }
  stream.on('close', () => {
    clearInterval(keepalive);
    watcher.streams.delete(stream);
    if (watcher.streams.size === 0) {
      clearInterval(watcher.timer);
      watchers.delete(store);
    }
  });
  return stream;
}

/** Ends every open stream of this store (shutdown: an open console must not hold the server open). */
export function endLiveStreams(store: SqlExecutor): void {
  for (const s of watchers.get(store)?.streams ?? []) s.end();
}
