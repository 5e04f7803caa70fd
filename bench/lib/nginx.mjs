// @ts-check
// nginx in two roles, each its own process with one worker (like one Node process): the fixed-response upstream
// (`return 200` with a canned chat completion) and the reverse proxy (keepalive upstreams; buffering off for SSE).
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './processes.mjs';
import { FIXED_COMPLETION } from './fixed-response.mjs';

function common(dir, name) {
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d), { recursive: true });
  return `worker_processes 1;
pid ${join(dir, `${name}.pid`)};
error_log ${join(dir, `${name}-error.log`)} warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${join(dir, 'body')}; proxy_temp_path ${join(dir, 'proxy')}; fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')}; scgi_temp_path ${join(dir, 'scgi')};
  keepalive_requests 10000000; keepalive_timeout 120s;
`;
}


async function waitUp(url) {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(url, { method: 'POST', body: '{}' });
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nginx at ${url} did not come up`);
}

export async function startNginxUpstream(dir) {
  const port = await freePort();
  const conf = `${common(dir, 'upstream')}
  server {
    listen 127.0.0.1:${port} reuseport;
    location / { default_type application/json; return 200 '${FIXED_COMPLETION}'; }
  }
}
`;
  return startNginx(dir, 'nginx-upstream', conf, port);
}

/** Two listeners: one proxies to the fixed upstream, the other to the streaming mock. */
export async function startNginxProxy(dir, fastUrl, streamUrl) {
  const port = await freePort();
  const streamPort = await freePort();
  const hostOf = (u) => new URL(u).host;
  const conf = `${common(dir, 'proxy')}
  upstream fast { server ${hostOf(fastUrl)}; keepalive 128; }
  upstream sse { server ${hostOf(streamUrl)}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://fast; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:${streamPort};
    location / { proxy_pass http://sse; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; }
  }
}
`;
  const p = await startNginx(dir, 'nginx-proxy', conf, port);
  return { ...p, streamUrl: `http://127.0.0.1:${streamPort}` };
}

async function startNginx(dir, name, conf, port) {
  const file = join(dir, `${name}.conf`);
  writeFileSync(file, conf);
  const { spawn } = await import('node:child_process');
  const child = spawn(existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx', ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'inherit', 'inherit'] });
  const url = `http://127.0.0.1:${port}`;
  await waitUp(url);
  return { name, child, pid: child.pid, url };
}
