// The benchmark targets, each its own process in front of the same upstreams. A target is
// {name, label, pid, url (non-streaming base), streamUrl (streaming base), headers(stream)}.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess } from './processes.mjs';
import { startNginxProxy, startNginxUpstream } from './nginx.mjs';
import { benchPolicyYaml } from './bench-policy.mjs';
import { FAST_MODEL, LONG_ANTHROPIC_MODEL, LONG_STREAM_MODEL, STREAM_MODEL } from './fixed-response.mjs';

const JSON_HEADERS = { 'content-type': 'application/json' };

/**
 * The upstreams every target forwards to: nginx answering fixed responses (`fast`) and the streaming mock
 * (`stream`). Their processes are pushed onto `procs` as they start, so the caller stops them whatever fails.
 */
export async function startUpstreams(bench, dir, procs) {
  const fast = await startNginxUpstream(join(dir, 'nginx-upstream'));
  procs.push(fast);
  const stream = await startProcess('stream-mock', process.execPath, [join(bench, 'stream-mock.mjs')], { ready: /"url":"([^"]+)"/ });
  procs.push(stream);
  return { fast: { url: fast.url, pid: fast.pid }, stream: { url: stream.match[1], pid: stream.pid } };
}

export function directTarget(up) {
  return { name: 'direct', label: 'upstream direct', pid: up.fast.pid, url: up.fast.url, streamUrl: up.stream.url, headers: () => JSON_HEADERS };
}

export async function nginxTarget(up, dir) {
  const p = await startNginxProxy(join(dir, 'nginx-proxy'), up.fast.url, up.stream.url);
  return { name: 'nginx', label: 'nginx reverse proxy', process: p, pid: p.pid, url: p.url, streamUrl: p.streamUrl, headers: () => JSON_HEADERS };
}

/**
 * Moat as users run it (`moat start -c FILE`, built dist/), everything on: key auth from the store's view, the
 * policy decision under the shipped example policy, limits (7 counters per request) in memory or Redis, request
 * events to the trace file (JSONL), metering to the embedded store, metrics.
 */
export async function moatTarget({ root, up, dir, name, redisUrl, profileDir, nodeArgs = [], configOverrides = {}, label }) {
  const dataDir = join(dir, name);
  mkdirSync(dataDir, { recursive: true });
  const config = {
    server: { host: '127.0.0.1', port: 0 },
    dataDir,
    upstreams: [
      { name: 'fast', api: 'openai', baseUrl: up.fast.url, models: [FAST_MODEL] },
      { name: 'stream', api: 'openai', baseUrl: up.stream.url, models: [STREAM_MODEL, LONG_STREAM_MODEL] },
      { name: 'stream-anthropic', api: 'anthropic', baseUrl: up.stream.url, models: [LONG_ANTHROPIC_MODEL] },
    ],
    events: { traceFile: join(dataDir, 'trace.jsonl') },
    limits: { backend: redisUrl ? 'redis' : 'memory' },
    log: { level: 'warn' },
    ...(redisUrl ? { redisUrl } : {}),
  };
  // Section-wise overrides (bench/eld-probe.mjs toggles detection, metering, view and enforcement timing).
  for (const [k, v] of Object.entries(configOverrides)) config[k] = v && typeof v === 'object' && !Array.isArray(v) ? { ...(config[k] ?? {}), ...v } : v;
  const configFile = join(dataDir, 'moat.yaml');
  writeFileSync(configFile, stringify(config));
  const prof = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  // Only what the config file says: no MOAT_* or REDIS_URL from the caller's environment.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MOAT_|REDIS_URL|DATABASE_URL)/.test(k)));
  const p = await startProcess(name, process.execPath, [...prof, ...nodeArgs, join(root, 'bin/moat.js'), 'start', '-c', configFile], {
    // A loaded machine (shared CI, other benchmarks) can take longer than the default to open the store.
    ready: /listening on (http:\/\/\S+)/, cwd: dataDir, env: { ...env, MOAT_CONFIG: '' }, timeoutMs: 120_000,
  });
  const url = p.match[1];
  const policyFile = join(dataDir, 'policy.yaml');
  writeFileSync(policyFile, benchPolicyYaml(join(root, 'examples/policy.yaml')));
  const out = execFileSync(process.execPath, [join(root, 'bin/moat.js'), 'policy', 'apply', policyFile, '--url', url, '--data-dir', dataDir], { encoding: 'utf8' });
  const secret = /New API key \S+: (\S+)/.exec(out)?.[1];
  if (!secret) throw new Error(`policy apply printed no key:\n${out}`);
  const headers = () => ({ ...JSON_HEADERS, authorization: `Bearer ${secret}` });
  return { name, label: label ?? (redisUrl ? 'Moat, Redis limits' : 'Moat, memory limits'), process: p, pid: p.pid, url, streamUrl: url, headers, dataDir };
}

/** Portkey's open-source gateway (npm @portkey-ai/gateway, Hono on @hono/node-server), OpenAI provider, custom host. */
export async function portkeyTarget({ bench, up }) {
  const entry = join(bench, 'node_modules/@portkey-ai/gateway/build/start-server.js');
  const p = await startProcess('portkey', process.execPath, ['--import', join(bench, 'lib/report-listen-port.mjs'), entry, '--port=0', '--headless'], {
    ready: /BENCH_LISTENING (\d+)/, env: { NODE_ENV: 'production' },
  });
  const url = `http://127.0.0.1:${p.match[1]}`;
  const headers = (stream) => ({
    ...JSON_HEADERS,
    authorization: 'Bearer sk-bench-not-a-secret',
    'x-portkey-provider': 'openai',
    'x-portkey-custom-host': `${stream ? up.stream.url : up.fast.url}/v1`,
  });
  return { name: 'portkey', label: "Portkey's gateway", process: p, pid: p.pid, url, streamUrl: url, headers };
}

/** The bare-Node floor (bench/bare-floor.mjs): node:http + an undici Pool, no features. Streams under /stream. */
export async function floorTarget({ bench, up, nodeArgs = [] }) {
  const p = await startProcess('floor', process.execPath, [...nodeArgs, join(bench, 'bare-floor.mjs'), JSON.stringify({ fast: up.fast.url, stream: up.stream.url })], { ready: /"url":"([^"]+)"/ });
  const url = p.match[1];
  return { name: 'floor', label: 'bare node:http + undici (floor)', process: p, pid: p.pid, url, streamUrl: `${url}/stream`, headers: () => JSON_HEADERS };
}
