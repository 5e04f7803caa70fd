// A TCP relay that delays what the server sends by a few milliseconds, like a real network link: a reset from
// the server then overtakes response bytes still in flight, as it does for a client across a network (whose
// kernel drops unread data when the reset arrives). On loopback the response always wins the race, which hides
// the failure a real caller sees.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

export async function startDelayedLink(targetUrl: string, delayMs = 20): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(targetUrl);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    client.pipe(upstream);
    const pending = new Set<NodeJS.Timeout>();
    const later = (fn: () => void, ms: number) => {
      const t = setTimeout(() => {
        pending.delete(t);
        fn();
      }, ms);
      pending.add(t);
    };
    upstream.on('data', (c: Buffer) => later(() => client.write(c), delayMs));
    upstream.on('end', () => later(() => client.end(), delayMs + 1));
    // A reset travels faster than the data queued behind the delay.
    upstream.on('error', () => {
      for (const t of pending) clearTimeout(t);
      client.resetAndDestroy();
    });
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
