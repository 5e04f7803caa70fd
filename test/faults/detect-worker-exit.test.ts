// `moat detect` that fails on Redis exits with an error instead of hanging: a supervisor restarts a worker only
// once it has exited, and an open Redis connection kept the stopped worker's process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRedisStandIn } from './redis-stand-in.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('a detect worker whose Redis refuses its commands exits non-zero', { timeout: 60_000 }, async () => {
  // Connects and completes the handshake, then refuses every command as a Redis with a wrong ACL would.
  const redis = await startRedisStandIn((cmd) => (cmd === 'quit' ? '+OK\r\n' : `-NOPERM this user has no permissions to run the '${cmd}' command\r\n`));
  try {
    const entry = `import('${join(ROOT, 'src/cli/main.ts')}').then((m) => m.main([process.argv[0], 'moat', ...process.argv.slice(1)]))`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', entry, 'detect', '--redis', redis.url, '--prefix', 'moat:test:exit', '--checkpoint-ms', '0'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? ROOT, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 30_000);
      child.once('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    assert.notEqual(code, null, `the worker did not exit within 30 s: ${err}`);
    assert.notEqual(code, 0, err);
    assert.match(err, /NOPERM/);
  } finally {
    await redis.close();
  }
});
