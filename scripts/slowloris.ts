// npx tsx scripts/slowloris.ts [--seconds 60] [--attackers 2000] [--sources 10] [--drip-ms 1000] [--dist]
// A slow-header attack on a real gateway with the shipped connection limits: `attackers` connections from
// `sources` loopback addresses (127.0.0.2 ...), each sending a request line and then one header byte every
// drip-ms, reopened drip-ms after the gateway closes it; meanwhile a caller from 127.0.0.1 makes requests one at a
// time. Reports how many attack connections the gateway held at most, how they ended (408 read by the client,
// closed at once over a cap, closed later without a readable answer), and what the caller saw
// (success rate, latency p50/p99), plus the gateway's RSS.
import { connect, type Socket } from 'node:net';
import { request } from 'undici';
import { serveChild, startChildGateway } from './lib/child-gateway.js';

async function attack(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const seconds = arg('seconds', 60);
  const attackers = arg('attackers', 2000);
  const sources = arg('sources', 10);
  const dripMs = arg('drip-ms', 1000);
  const gw = await startChildGateway(new URL(import.meta.url).pathname);
  const port = Number(new URL(gw.url).port);
  const startRss = gw.rssMiB();
  // Held = connected and not closed by the gateway within half a second (over a cap, it closes at once).
  const connectedAt = new Map<Socket, number>();
  let maxHeld = 0;
  const ended = { with408: 0, closedAtOnce: 0, closedLater: 0 };
  const sockets = new Set<Socket>();
  let stopping = false;
  const launch = (i: number) => {
    if (stopping) return;
    const opened = Date.now();
    let got = '';
    const s = connect({ port, host: '127.0.0.1', localAddress: `127.0.0.${2 + (i % sources)}` });
    sockets.add(s);
    s.on('connect', () => {
      connectedAt.set(s, Date.now());
      s.write('GET /v1/models HTTP/1.1\r\nHost: moat\r\nX-Slow: ');
    });
    s.on('data', (c: Buffer) => (got += c.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      sockets.delete(s);
      connectedAt.delete(s);
      if (stopping) return;
      if (got.startsWith('HTTP/1.1 408')) ended.with408++;
      else if (Date.now() - opened < 100) ended.closedAtOnce++;
      else ended.closedLater++;
      setTimeout(() => launch(i), dripMs);
    });
  };
  for (let i = 0; i < attackers; i++) launch(i);
  const drip = setInterval(() => {
    const now = Date.now();
    let held = 0;
    for (const [s, at] of connectedAt) if (now - at > 500 && !s.destroyed) held++;
    maxHeld = Math.max(maxHeld, held);
    for (const s of sockets) if (!s.destroyed && s.writable) s.write('x');
  }, dripMs);
  let peakRss = startRss;
  const latencies: number[] = [];
  let ok = 0;
  let failed = 0;
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    const t0 = performance.now();
    try {
      const r = await request(`${gw.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${gw.key}`, 'content-type': 'application/json' },
        body: '{"model":"demo-gpt","messages":[{"role":"user","content":"still served?"}]}',
        headersTimeout: 10_000,
      });
      await r.body.text();
      if (r.statusCode === 200) ok++;
      else failed++;
    } catch {
      failed++;
    }
    latencies.push(performance.now() - t0);
    peakRss = Math.max(peakRss, gw.rssMiB());
    await new Promise((r) => setTimeout(r, 50));
  }
  stopping = true;
  clearInterval(drip);
  for (const s of sockets) s.destroy();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0) * 10) / 10;
  const crashed = gw.crashed();
  const hwm = crashed ? peakRss : gw.rssMiB('VmHWM');
  await gw.close();
  console.log(JSON.stringify({
    seconds, attackers, sources, dripMs, crashes: crashed ? 1 : 0,
    attack: { maxHeldAtOnce: maxHeld, ...ended },
    caller: { requests: ok + failed, ok, failed, latencyMs: { p50: q(0.5), p99: q(0.99), max: q(1) } },
    rssMiB: { start: Math.round(startRss), peakVmHWM: Math.round(hwm) },
  }, null, 2));
}

if (process.argv.includes('--serve')) await serveChild();
else await attack();
