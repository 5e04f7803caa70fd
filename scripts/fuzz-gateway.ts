// npx tsx scripts/fuzz-gateway.ts [--seconds 300] [--concurrency 8] [--seed 1]
// The longer run of the gateway fuzz test (test/gateway/fuzz-doors.test.ts runs the same requests for seconds
// in CI): a real gateway (store, policy, limits, detection on its worker thread, the trace file) in a child
// process, driven through both doors with fast-check bodies and the raw-HTTP corpus for as long as asked.
// Reports requests tried, unsound answers (internal errors, unexplained 5xx), crashes (the child exiting), the
// detection counters, consumer failures and restarts, and the child's RSS (sampled, and peak from VmHWM).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { request } from 'undici';
import { DOOR, fuzzRequest, RAW_CORPUS, rawBytes, type FuzzRequest } from '../test/support/adversarial-requests.js';

interface Ready {
  t: 'ready';
  url: string;
  key: string;
}

async function serve(): Promise<void> {
  const { loadConfig } = await import('../src/config/load.js');
  const { startMoat } = await import('../src/server/start-moat.js');
  const { createLogger } = await import('../src/ops/logger.js');
  const dir = process.env.FUZZ_DIR as string;
  const config = loadConfig({ env: {}, overrides: { dataDir: join(dir, 'data'), 'server.port': 0, 'events.traceFile': join(dir, 'trace.jsonl'), 'log.level': 'warn', 'server.bodyLimitBytes': 1024 * 1024 } });
  const moat = await startMoat(config, { logger: createLogger({ level: 'warn', name: 'moat' }) });
  const org = await fetch(`${moat.url}/admin/orgs`, { method: 'POST', headers: { authorization: `Bearer ${moat.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"fuzz"}' }).then((r) => r.json() as Promise<{ id: string }>);
  const key = await fetch(`${moat.url}/admin/orgs/${org.id}/keys`, { method: 'POST', headers: { authorization: `Bearer ${moat.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"fuzz"}' }).then((r) => r.json() as Promise<{ secret: string }>);
  process.on('message', (m: { t: string }) => {
    if (m.t !== 'stats') return;
    void (async () => {
      await moat.detection?.idle();
      const metrics = await fetch(`${moat.url}/metrics`).then((r) => r.text());
      const consumer = metrics.split('\n').filter((l) => l.startsWith('moat_consumer_') || l.startsWith('moat_events_dropped_total'));
      process.send?.({ t: 'stats', detection: moat.detection?.stats(), consumer });
    })();
  });
  process.send?.({ t: 'ready', url: moat.url, key: key.secret } satisfies Ready);
}

function rssOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function drive(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const seconds = arg('seconds', 60);
  const concurrency = arg('concurrency', 8);
  let seed = arg('seed', 1);
  const dir = mkdtempSync(join(tmpdir(), 'moat-fuzz-run-'));
  const child: ChildProcess = fork(new URL(import.meta.url).pathname, ['--serve'], { execArgv: ['--import', 'tsx'], env: { ...process.env, FUZZ_DIR: dir } });
  let crashed: string | undefined;
  child.on('exit', (code, signal) => (crashed ??= `exited with ${code ?? signal}`));
  const ready = await new Promise<Ready>((resolve) => child.on('message', (m: Ready) => m.t === 'ready' && resolve(m)));
  const pid = child.pid as number;
  const port = Number(new URL(ready.url).port);
  const startRss = rssOf(pid, 'VmRSS');
  let sampledPeak = startRss;
  const sampler = setInterval(() => {
    if (!crashed) sampledPeak = Math.max(sampledPeak, rssOf(pid, 'VmRSS'));
  }, 250);
  const counts = { tried: 0, raw: 0, unsound: 0, statuses: new Map<number, number>() };
  const unsoundExamples: string[] = [];
  const send = async (r: FuzzRequest) => {
    const auth = r.api === 'openai' ? { authorization: `Bearer ${ready.key}` } : { 'x-api-key': ready.key, 'anthropic-version': '2023-06-01' };
    try {
      const res = await request(ready.url + DOOR[r.api], { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers, ...auth }, body: r.body });
      const text = await res.body.text();
      const code = res.headers['moat-error-code'];
      counts.statuses.set(res.statusCode, (counts.statuses.get(res.statusCode) ?? 0) + 1);
      if (code === 'internal_error' || (res.statusCode >= 500 && !String(code ?? '').startsWith('upstream_'))) {
        counts.unsound++;
        if (unsoundExamples.length < 5) unsoundExamples.push(`${res.statusCode} ${text.slice(0, 200)}`);
      }
    } catch (e) {
      counts.unsound++;
      if (unsoundExamples.length < 5) unsoundExamples.push(`transport: ${(e as Error).message}`);
    }
    counts.tried++;
  };
  const raw = (bytes: Buffer) =>
    new Promise<void>((resolve) => {
      const s = connect(port, '127.0.0.1');
      const t = setTimeout(() => s.destroy(), 3_000);
      s.on('error', () => {});
      s.on('close', () => {
        clearTimeout(t);
        counts.raw++;
        resolve();
      });
      s.write(bytes, () => s.end());
    });
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline && !crashed) {
    const batch = fc.sample(fuzzRequest(), { numRuns: 200, seed: seed++ });
    for (let i = 0; i < batch.length; i += concurrency) await Promise.all(batch.slice(i, i + concurrency).map(send));
    await Promise.all(RAW_CORPUS.map((c) => raw(rawBytes(c, ready.key))));
  }
  clearInterval(sampler);
  child.removeAllListeners('exit');
  const stats = crashed
    ? undefined
    : await new Promise<{ detection: unknown; consumer: string[] }>((resolve) => {
        child.once('message', (m: { t: string; detection: unknown; consumer: string[] }) => resolve(m));
        child.send({ t: 'stats' });
      });
  const peak = crashed ? sampledPeak : rssOf(pid, 'VmHWM');
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({
    seconds, concurrency, requestsTried: counts.tried, rawExchanges: counts.raw, unsound: counts.unsound, crashes: crashed ? 1 : 0, crash: crashed,
    statuses: Object.fromEntries([...counts.statuses].sort((a, b) => a[0] - b[0])), unsoundExamples,
    rssMiB: { start: Math.round(startRss), sampledPeak: Math.round(sampledPeak), peakVmHWM: Math.round(peak) },
    detection: stats?.detection, consumerMetrics: stats?.consumer,
  }, null, 2));
  process.exitCode = crashed || counts.unsound ? 1 : 0;
}

if (process.argv.includes('--serve')) await serve();
else await drive();
