// A Redis stand-in for faults a real server will not produce on demand: it speaks enough RESP3 for ioredis's
// handshake and answers every other command as the test says (or leaves it unanswered).
import net from 'node:net';

/** Splits RESP arrays of bulk strings (what clients send) into commands; returns what is left over. */
function readCommands(buf: string, out: string[][]): string {
  for (;;) {
    const lines = buf.split('\r\n');
    if (!lines[0]?.startsWith('*') || lines.length < 2) return buf;
    const n = Number(lines[0].slice(1));
    if (lines.length < 1 + 2 * n + 1) return buf;
    out.push(Array.from({ length: n }, (_, i) => lines[2 + 2 * i]!));
    buf = lines.slice(1 + 2 * n).join('\r\n');
  }
}

export const bulk = (s: string) => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;
const INFO = bulk('# Server\r\nredis_version:7.2.0\r\nloading:0\r\n');

/** What to send back for a command (lower-case name): a raw RESP reply, or undefined to leave it unanswered. */
export type Answer = (cmd: string, args: string[], socket: net.Socket) => string | undefined;

export interface RedisStandIn {
  url: string;
  /** Resets every open connection. */
  dropConnections(): void;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** How long the nth connection (0-based, in the order they arrive) waits for its ready check's answer, in ms. */
  readyAfterMs?: (connection: number) => number;
}

export async function startRedisStandIn(answer: Answer, opts: StandInOptions = {}): Promise<RedisStandIn> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((socket) => {
    const readyAfterMs = opts.readyAfterMs?.(connections++) ?? 0;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buf = '';
    socket.on('data', (chunk) => {
      const commands: string[][] = [];
      buf = readCommands(buf + chunk.toString('latin1'), commands);
      for (const [name = '', ...args] of commands) {
        const cmd = name.toLowerCase();
        if (cmd === 'info' && readyAfterMs > 0) {
          // ioredis sends nothing else before its ready check is answered, so a late answer keeps the order.
          setTimeout(() => socket.destroyed || socket.write(INFO), readyAfterMs);
          continue;
        }
        // ioredis 6 speaks RESP3: HELLO answers with a map; its ready check reads INFO.
        const reply =
          cmd === 'hello' ? `%1\r\n${bulk('proto')}:3\r\n` : cmd === 'info' ? INFO : cmd === 'client' ? '+OK\r\n' : answer(cmd, args, socket);
        if (reply !== undefined && !socket.destroyed) socket.write(reply);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `redis://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    dropConnections: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}
