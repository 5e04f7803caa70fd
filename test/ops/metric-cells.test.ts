// The hot path's counter and histogram families must scrape exactly like prom-client's own metrics (dashboards
// and alerts read the text), while bumping plain cells per request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Counter, Histogram, Registry } from 'prom-client';
import { CounterFamily, HistogramFamily } from '../../src/ops/metric-cells.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];
const OBSERVATIONS: Array<[Record<string, string>, number]> = [
  [{ api: 'openai', stream: 'false' }, 0.0004],
  [{ api: 'openai', stream: 'false' }, 0.05],
  [{ api: 'anthropic', stream: 'true' }, 3],
  [{ api: 'openai', stream: 'false' }, 0.01],
  [{ api: 'a"b\\c', stream: 'true' }, 0.2],
];

test('families scrape as prom-client counters and histograms do (text and JSON)', async () => {
  const theirs = new Registry();
  const ours = new Registry();
  const h = new Histogram({ name: 'x_seconds', help: 'h', labelNames: ['api', 'stream'], buckets: BUCKETS, registers: [theirs] });
  const c = new Counter({ name: 'x_total', help: 'c', labelNames: ['api', 'stream'], registers: [theirs] });
  const hf = new HistogramFamily('x_seconds', 'h', ['api', 'stream'], BUCKETS, ours);
  const cf = new CounterFamily('x_total', 'c', ['api', 'stream'], ours);
  hf.cell({ api: 'unused', stream: 'false' }); // made but never observed: not scraped, as a prom-client child
  for (const [labels, v] of OBSERVATIONS) {
    h.observe(labels, v);
    c.inc(labels, v * 10);
    hf.cell(labels).observe(v);
    cf.inc(labels, v * 10);
  }
  assert.equal(await ours.metrics(), await theirs.metrics());
  const json = async (r: Registry) => JSON.parse(JSON.stringify(await r.getMetricsAsJSON())) as unknown;
  assert.deepEqual(await json(ours), await json(theirs));
  ours.resetMetrics();
  assert.equal(await ours.metrics(), '# HELP x_seconds h\n# TYPE x_seconds histogram\n\n# HELP x_total c\n# TYPE x_total counter\n');
});
