// Start-up failures end the process: a busy port, an unreachable store, or a SIGTERM while start-up waits
// for the store. Each exits within a bounded time (a hang fails the test) with one line saying why, and
// releases the data folder. The real CLI, each run in its own process.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { spawnMoatStart } from '../propagation/gateway-processes.js';
import { FaultProxy } from './fault-proxy.js';
import { DATABASE_URL, eventually, within } from './fault-gateway.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function run(name: string, config: Record<string, unknown>) {
  const s = spawnMoatStart(name, { detection: { enabled: false }, ...config });
  dirs.push(s.dir);
  let stdout = '';
  let stderr = '';
  s.child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  s.child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => s.child.once('exit', (code, signal) => r({ code, signal })));
  return { ...s, exited, out: () => stdout, err: () => stderr };
}

const kill = (c: ChildProcess) => c.exitCode === null && c.signalCode === null && c.kill('SIGKILL');

test('[faults] a busy port: exits 1 within seconds with one clear line, releasing the data folder', { timeout: 60_000 }, async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as net.AddressInfo).port;
  const p = run('busy-port', { server: { host: '127.0.0.1', port }, log: { level: 'silent' } });
  try {
    const { code } = await within(p.exited, 45_000, 'moat start on a busy port');
    assert.equal(code, 1);
    const lines = p.err().split('\n').filter((l) => l.startsWith('moat:'));
    assert.equal(lines.length, 1, p.err());
    assert.match(lines[0]!, new RegExp(`moat: cannot start: cannot listen on 127\\.0\\.0\\.1:${port} is already in use`));
    assert.ok(!existsSync(join(p.dataDir, 'store.lock')), 'the data folder is released');
  } finally {
    kill(p.child);
    busy.close();
  }
});

const pgSkip = DATABASE_URL ? false : 'MOAT_TEST_DATABASE_URL not set';

test('[faults] PostgreSQL unreachable at start: exits 1 after the configured retry time; SIGTERM while retrying exits at once', { skip: pgSkip, timeout: 60_000 }, async () => {
  const proxy = await FaultProxy.start(DATABASE_URL!);
  await proxy.refuse();
  const store = { connectTimeoutMs: 300, statementTimeoutMs: 300 };
  try {
    const failing = run('no-store', { databaseUrl: proxy.via(DATABASE_URL!), store: { ...store, startupRetryMs: 1_000 }, log: { level: 'warn' } });
    try {
      const { code } = await within(failing.exited, 30_000, 'a start that cannot reach its store');
      assert.equal(code, 1);
      assert.match(failing.err(), /moat: cannot start: store unavailable/);
      assert.match(failing.out(), /store unreachable at start; retrying/);
    } finally {
      kill(failing.child);
    }

    const waiting = run('sigterm', { databaseUrl: proxy.via(DATABASE_URL!), store: { ...store, startupRetryMs: 600_000 }, log: { level: 'warn' } });
    try {
      await eventually(() => /retrying/.test(waiting.out()), 30_000, 'the start is waiting for the store');
      waiting.child.kill('SIGTERM');
      const { code } = await within(waiting.exited, 15_000, 'SIGTERM during start-up');
      assert.equal(code, 0);
      assert.match(waiting.err(), /start-up stopped by SIGTERM/);
    } finally {
      kill(waiting.child);
    }
  } finally {
    await proxy.close();
  }
});
