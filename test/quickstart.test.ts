// The README's contract: `moat start` with no configuration starts on the embedded store with the demo
// upstream, prints a URL, a demo org and key, the admin token and a curl line that works as printed; the
// same key and token come back after a restart; SIGTERM drains and exits 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

interface Started {
  child: ChildProcess;
  banner: string;
}

function startCli(dataDir: string): Promise<Started> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', "import('./src/cli/main.ts').then((m) => m.main(['node', 'moat', ...process.argv.slice(1)]))", '--', 'start', '--port', '0'],
    { cwd: root, env: { ...process.env, MOAT_DATA_DIR: dataDir, MOAT_LOG_LEVEL: 'warn', MOAT_ADMIN_TOKEN: '', DATABASE_URL: '', REDIS_URL: '' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no banner within 60 s\n${out}\n${err}`));
    }, 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Try it:') && out.includes('curl ')) {
        clearTimeout(timer);
        resolve({ child, banner: out });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`moat start exited with ${code}\n${out}\n${err}`));
    });
  });
}

function field(banner: string, label: string): string {
  const m = new RegExp(`${label}:?\\s+(\\S+)`).exec(banner);
  assert.ok(m, `banner lacks "${label}":\n${banner}`);
  return m[1] as string;
}

function stop(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    child.on('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

test('npm start contract: banner, working curl line, persistent demo key and admin token, graceful exit', { timeout: 150_000 }, async (t) => {
  const dataDir = join(mkdtempSync(join(tmpdir(), 'moat-quickstart-')), 'data');
  const first = await startCli(dataDir);
  t.after(() => first.child.kill('SIGKILL'));
  const url = field(first.banner, 'listening on');
  const key = field(first.banner, 'demo API key');
  const token = field(first.banner, 'admin token');
  assert.match(key, /^moat_demo_/);
  assert.match(first.banner, /DEMO upstream .*stand-in/);
  const curlLine = first.banner.split('\n').find((l) => l.trim().startsWith('curl '));
  assert.ok(curlLine);
  const reply = JSON.parse(execFileSync('sh', ['-c', curlLine.trim()], { encoding: 'utf8' })) as { choices: Array<{ message: { content: string } }> };
  assert.match(reply.choices[0]!.message.content, /stand-in/);

  const orgs = (await (await fetch(`${url}/admin/orgs`, { headers: { authorization: `Bearer ${token}` } })).json()) as { orgs: Array<{ name: string }> };
  assert.ok(orgs.orgs.some((o) => o.name === 'demo'));
  assert.equal(await stop(first.child), 0);

  const second = await startCli(dataDir);
  t.after(() => second.child.kill('SIGKILL'));
  assert.equal(field(second.banner, 'demo API key'), key, 'the demo key survives a restart');
  assert.equal(field(second.banner, 'admin token'), token, 'the admin token survives a restart');
  assert.equal(await stop(second.child), 0);
});
