// @ts-check
// Debian's nginx and wrk, installed with apt-get when missing (needs root; otherwise says what to install).
import { execFileSync, spawnSync } from 'node:child_process';

const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;

export function ensureTools() {
  const missing = [['nginx', 'nginx-light'], ['wrk', 'wrk']].filter(([cmd]) => !has(cmd) && !(cmd === 'nginx' && has('/usr/sbin/nginx')));
  if (missing.length === 0) return;
  const pkgs = missing.map(([, pkg]) => pkg);
  if (process.getuid?.() !== 0) {
    throw new Error(`bench needs ${missing.map(([c]) => c).join(' and ')}: run \`sudo apt-get install -y ${pkgs.join(' ')}\` (Debian/Ubuntu) and retry`);
  }
  console.error(`installing ${pkgs.join(' ')} with apt-get ...`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  } catch {
    execFileSync('apt-get', ['update'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...pkgs], { stdio: 'inherit', env });
  }
}
