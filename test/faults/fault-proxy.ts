// A TCP proxy in front of Redis or PostgreSQL that a test can make misbehave the way networks do:
// `refuse` (nothing listens: connection refused), `blackhole` (connections are accepted, or stay open, but
// no byte gets through in either direction, as with a dropped route), `cut` (every open connection is reset
// once), `dropReplies` (requests reach the server, its answers are lost: the server acted, the client never
// hears it). `restore()` passes traffic again; connections that lived through a blackhole or lost replies are
// reset then, as their peers would eventually time them out.
import net from 'node:net';

export type FaultMode = 'pass' | 'refuse' | 'blackhole' | 'drop-replies';

export class FaultProxy {
  private mode: FaultMode = 'pass';
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket; holed: boolean; deaf: boolean }>();
  private server: net.Server;
  port = 0;

  private constructor(private readonly target: { host: string; port: number }) {
    this.server = this.makeServer();
  }

  /** Starts a proxy to `url`'s host and port (redis:// or postgres:// URLs). */
  static async start(url: string): Promise<FaultProxy> {
    const u = new URL(url);
    const defaultPort = u.protocol.startsWith('redis') ? 6379 : 5432;
    const p = new FaultProxy({ host: u.hostname, port: Number(u.port || defaultPort) });
    await p.listen(0);
    return p;
  }

  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string {
    const u = new URL(url);
    u.hostname = '127.0.0.1';
    u.port = String(this.port);
    return u.toString();
  }

  get current(): FaultMode {
    return this.mode;
  }

  async refuse(): Promise<void> {
    if (this.mode === 'refuse') return;
    this.mode = 'refuse';
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  blackhole(): void {
    if (this.mode === 'refuse') throw new Error('restore() before blackhole()');
    this.mode = 'blackhole';
    for (const p of this.pairs) p.holed = true;
  }

  dropReplies(): void {
    if (this.mode === 'refuse') throw new Error('restore() before dropReplies()');
    this.mode = 'drop-replies';
    for (const p of this.pairs) p.deaf = true;
  }

  /** Resets every open connection (a network blip); new connections pass or not according to the mode. */
  cut(): void {
    for (const p of [...this.pairs]) this.drop(p);
  }

  async restore(): Promise<void> {
    const was = this.mode;
    this.mode = 'pass';
    for (const p of [...this.pairs]) if (p.holed || p.deaf) this.drop(p);
    if (was === 'refuse') {
      this.server = this.makeServer();
      await this.listen(this.port);
    }
  }

  async close(): Promise<void> {
    this.mode = 'refuse';
    this.cut();
    await new Promise<void>((r) => (this.server.listening ? this.server.close(() => r()) : r()));
  }

  private drop(p: { client: net.Socket; upstream: net.Socket }): void {
    p.client.resetAndDestroy();
    p.upstream.destroy();
    this.pairs.delete(p as never);
  }

  private makeServer(): net.Server {
    return net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair = { client, upstream, holed: this.mode === 'blackhole', deaf: this.mode === 'drop-replies' };
      this.pairs.add(pair);
      const forward = (from: net.Socket, to: net.Socket, reply: boolean) =>
        from.on('data', (chunk: Buffer) => {
          if (!pair.holed && !(reply && pair.deaf) && !to.destroyed) to.write(chunk);
        });
      forward(client, upstream, false);
      forward(upstream, client, true);
      const end = () => this.drop(pair);
      for (const s of [client, upstream]) {
        s.on('error', end);
        s.on('close', end);
      }
    });
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }
}
