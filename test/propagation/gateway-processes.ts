// Gateway processes for the propagation test: each is the real CLI (`moat start -c FILE`) in its own Node
// process, sharing one PostgreSQL schema and one Redis server; plus a load generator that records, on one
// clock, when each request was sent, when its answer came and whether it was admitted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { stringify } from 'yaml';

const ROOT = resolve(import.meta.dirname, '../..');

export interface GatewayProcess {
  name: string;
  url: string;
  /** The process's data folder (removed by stop()). */
  dataDir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns the real CLI (`moat <args>`, main() from the TypeScript sources; bin/moat.js runs the same from dist/). */
export function spawnMoat(args: readonly string[], cwdHome: string): ChildProcess {
  const entry = `import('${join(ROOT, 'src/cli/main.ts')}').then((m) => m.main([process.argv[0], 'moat', ...process.argv.slice(1)]))`;
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? cwdHome, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Spawns `moat start -c <file with config>` in its own process. */
export function spawnMoatStart(name: string, config: Record<string, unknown>): { child: ChildProcess; dir: string; dataDir: string } {
  const dir = mkdtempSync(join(tmpdir(), `moat-prop-${name}-`));
  const file = join(dir, 'moat.yaml');
  const dataDir = join(dir, 'data');
  writeFileSync(file, stringify({ ...config, dataDir }));
  return { child: spawnMoat(['start', '-c', file], dir), dir, dataDir };
}

/** Starts `moat start` with this config (written to a temp file); resolves once it prints its URL. */
export async function startGatewayProcess(name: string, config: Record<string, unknown>, timeoutMs = 30_000): Promise<GatewayProcess> {
  const { child, dir, dataDir } = spawnMoatStart(name, config);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start in ${timeoutMs} ms\n${out}\n${err}`)), timeoutMs);
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /Moat gateway listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok(m[1] as string);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`${name} exited with ${code} before listening\n${out}\n${err}`));
    });
  });
  child.stdout?.resume();
  return {
    name,
    url,
    dataDir,
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Sample {
  gateway: number;
  /** performance.now() when sent and when the status arrived. */
  sent: number;
  answered: number;
  status: number;
  code?: string;
}

/**
 * Sends chat completions with `apiKey` to every gateway, `perGateway` at a time, until stopped or `maxRequests`
 * were sent. Every answer is a Sample.
 */
export function startLoad(urls: readonly string[], apiKey: string, opts: { perGateway: number; maxRequests: number }) {
  const samples: Sample[] = [];
  let stopped = false;
  let sentCount = 0;
  const body = JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'ping' }] });
  const loop = async (gateway: number, url: string) => {
    while (!stopped && sentCount < opts.maxRequests) {
      sentCount++;
      const sent = performance.now();
      try {
        const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
        const text = await res.text();
        const answered = performance.now();
        let code: string | undefined;
        if (!res.ok) code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
        samples.push({ gateway, sent, answered, status: res.status, ...(code ? { code } : {}) });
      } catch {
        // A gateway being stopped; the loop ends with the test.
        await new Promise((r) => setTimeout(r, 5));
      }
    }
  };
  const loops = urls.flatMap((url, i) => Array.from({ length: opts.perGateway }, () => loop(i, url)));
  return {
    samples,
    get sent() {
      return sentCount;
    },
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export function percentile(values: readonly number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] as number;
}
