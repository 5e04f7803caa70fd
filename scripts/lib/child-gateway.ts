// A real gateway in a child process for the long-running probes (scripts/fuzz-gateway.ts, scripts/slowloris.ts):
// startMoat with the trace file and detection on, an org with one API key, and on request its detection counters
// and consumer metrics. The parent measures the child's memory from /proc.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildGateway {
  url: string;
  key: string;
  pid: number;
  /** Set when the child exits before close(). */
  crashed(): string | undefined;
  rssMiB(field?: 'VmRSS' | 'VmHWM'): number;
  stats(): Promise<{ detection: unknown; consumer: string[] }>;
  close(): Promise<void>;
}

/** In the child: start the gateway and answer the parent. `overrides` are config paths → values. */
export async function serveChild(): Promise<void> {
  // From dist/ (as users run it; `npm run build` first) with --dist, else from source through tsx.
  const root = process.env.CHILD_GATEWAY_DIST ? '../../dist' : '../../src';
  const { loadConfig } = (await import(`${root}/config/load.js`)) as typeof import('../../src/config/load.js');
  const { startMoat } = (await import(`${root}/server/start-moat.js`)) as typeof import('../../src/server/start-moat.js');
  const { createLogger } = (await import(`${root}/ops/logger.js`)) as typeof import('../../src/ops/logger.js');
  const dir = process.env.CHILD_GATEWAY_DIR as string;
  const overrides = JSON.parse(process.env.CHILD_GATEWAY_CONFIG ?? '{}') as Record<string, unknown>;
  const config = loadConfig({ env: {}, overrides: { dataDir: join(dir, 'data'), 'server.port': 0, 'events.traceFile': join(dir, 'trace.jsonl'), 'log.level': 'warn', ...overrides } });
  const moat = await startMoat(config, { logger: createLogger({ level: 'warn', name: 'moat' }) });
  const admin = (path: string) =>
    fetch(moat.url + path, { method: 'POST', headers: { authorization: `Bearer ${moat.adminToken}`, 'content-type': 'application/json' }, body: '{"name":"probe"}' }).then((r) => r.json() as Promise<Record<string, unknown>>);
  const org = await admin('/admin/orgs');
  const key = await admin(`/admin/orgs/${String(org.id)}/keys`);
  process.on('message', (m: { t: string }) => {
    if (m.t !== 'stats') return;
    void (async () => {
      await moat.detection?.idle();
      const metrics = await fetch(`${moat.url}/metrics`).then((r) => r.text());
      const consumer = metrics.split('\n').filter((l) => l.startsWith('moat_consumer_') || l.startsWith('moat_events_dropped_total'));
      process.send?.({ t: 'stats', detection: moat.detection?.stats(), consumer });
    })();
  });
  process.send?.({ t: 'ready', url: moat.url, key: key.secret });
}

/** In the parent: fork `script --serve` (which must call serveChild) and wait until the gateway answers. */
export async function startChildGateway(script: string, overrides: Record<string, unknown> = {}): Promise<ChildGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'moat-probe-'));
  const dist = process.argv.includes('--dist');
  const child: ChildProcess = fork(script, ['--serve'], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, CHILD_GATEWAY_DIR: dir, CHILD_GATEWAY_CONFIG: JSON.stringify(overrides), ...(dist ? { CHILD_GATEWAY_DIST: '1' } : {}) },
  });
  let crashed: string | undefined;
  const onExit = (code: number | null, signal: string | null) => (crashed ??= `exited with ${code ?? signal}`);
  child.on('exit', onExit);
  const ready = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    child.on('message', (m: { t: string; url: string; key: string }) => m.t === 'ready' && resolve(m));
    child.once('exit', () => reject(new Error(`the gateway did not start (${crashed})`)));
  });
  const pid = child.pid as number;
  return {
    ...ready,
    pid,
    crashed: () => crashed,
    rssMiB(field = 'VmRSS') {
      const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    },
    stats: () =>
      new Promise((resolve) => {
        child.once('message', (m: { detection: unknown; consumer: string[] }) => resolve(m));
        child.send({ t: 'stats' });
      }),
    async close() {
      child.off('exit', onExit);
      if (!crashed) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
