// npx tsx scripts/fuzz-gateway.ts [--seconds 300] [--concurrency 8] [--seed 1] [--dist]
// The longer run of the gateway fuzz test (test/gateway/fuzz-doors.test.ts runs the same requests for seconds
// in CI): a real gateway (store, policy, limits, detection on its worker thread, the trace file) in a child
// process, driven through both doors with fast-check bodies and the raw-HTTP corpus for as long as asked.
// Reports requests tried, unsound answers (internal errors, unexplained 5xx), crashes (the child exiting), the
// detection counters, consumer failures and restarts, and the child's RSS (sampled, and peak from VmHWM).
import { connect } from 'node:net';
import fc from 'fast-check';
import { request } from 'undici';
import { fuzzRequest, RAW_CORPUS, rawBytes, type FuzzRequest } from '../test/support/adversarial-requests.js';
import { serveChild, startChildGateway } from './lib/child-gateway.js';

async function drive(): Promise<void> {
  const arg = (name: string, def: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const seconds = arg('seconds', 60);
  const concurrency = arg('concurrency', 8);
  let seed = arg('seed', 1);
  const gw = await startChildGateway(new URL(import.meta.url).pathname, { 'server.bodyLimitBytes': 1024 * 1024 });
  const ready = { url: gw.url, key: gw.key };
  const port = Number(new URL(gw.url).port);
  const startRss = gw.rssMiB();
  let sampledPeak = startRss;
  const sampler = setInterval(() => {
    if (!gw.crashed()) sampledPeak = Math.max(sampledPeak, gw.rssMiB());
  }, 250);
  const counts = { tried: 0, raw: 0, unsound: 0, statuses: new Map<number, number>() };
  const unsoundExamples: string[] = [];
  const send = async (r: FuzzRequest) => {
    const auth = r.api === 'openai' ? { authorization: `Bearer ${ready.key}` } : { 'x-api-key': ready.key, 'anthropic-version': '2023-06-01' };
    try {
      const res = await request(ready.url + r.path, { method: 'POST', headers: { 'content-type': 'application/json', ...r.headers, ...auth }, body: r.body });
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
  while (Date.now() < deadline && !gw.crashed()) {
    const batch = fc.sample(fuzzRequest(), { numRuns: 200, seed: seed++ });
    for (let i = 0; i < batch.length; i += concurrency) await Promise.all(batch.slice(i, i + concurrency).map(send));
    await Promise.all(RAW_CORPUS.map((c) => raw(rawBytes(c, ready.key))));
  }
  clearInterval(sampler);
  const crashed = gw.crashed();
  const stats = crashed ? undefined : await gw.stats();
  const peak = crashed ? sampledPeak : gw.rssMiB('VmHWM');
  await gw.close();
  console.log(JSON.stringify({
    seconds, concurrency, requestsTried: counts.tried, rawExchanges: counts.raw, unsound: counts.unsound, crashes: crashed ? 1 : 0, crash: crashed,
    statuses: Object.fromEntries([...counts.statuses].sort((a, b) => a[0] - b[0])), unsoundExamples,
    rssMiB: { start: Math.round(startRss), sampledPeak: Math.round(sampledPeak), peakVmHWM: Math.round(peak) },
    detection: stats?.detection, consumerMetrics: stats?.consumer,
  }, null, 2));
  process.exitCode = crashed || counts.unsound ? 1 : 0;
}

if (process.argv.includes('--serve')) await serveChild();
else await drive();
