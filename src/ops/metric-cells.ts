// Counter and histogram families for metrics bumped on every request. prom-client's label children
// (`labels(...)`) re-validate and re-hash their label object on every inc/observe — an object, a sorted key
// join and a lookup per call, a few hundred bytes of garbage per request across the hot path's metrics. Here a
// label set's cell is a plain number (or bucket array) found once and bumped in place; the family reads its
// cells only when scraped. Families register in a prom-client Registry like any metric (its text and JSON
// output are the same as prom-client's own counters and histograms).
import type { Metric, Registry } from 'prom-client';

type Labels = Readonly<Record<string, string>>;

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
  /** The label set a histogram's bucket lines share (prom-client writes `le` first, then these). */
  sharedLabels?: Labels;
  /** Always null here (no exemplars); present on bucket lines as in prom-client's JSON. */
  exemplar?: null;
}

interface MetricData<T extends string> {
  name: string;
  help: string;
  type: T;
  aggregator: 'sum';
  values: MetricValue[];
}

/** One label set's count. */
export class CounterCell {
  value = 0;
  constructor(readonly labels: Labels) {}

  inc(by = 1): void {
    this.value += by;
  }
}

/** One label set's histogram: counts per bucket (not cumulative), sum and count. */
export class HistogramCell {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(v: number): void {
    if (!Number.isFinite(v)) return;
    this.sum += v;
    this.count++;
    const b = this.bounds;
    for (let i = 0; i < b.length; i++)
      if (v <= (b[i] as number)) {
        this.counts[i] = (this.counts[i] as number) + 1;
        return;
      }
  }
}

abstract class Family<C extends { labels: Labels }> {
  readonly aggregator = 'sum';
  protected readonly cells = new Map<string, C>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as unknown as Metric);
  }

  /** The cell of a label set (made on first use). Hot callers keep the cell instead of calling this per request. */
  cell(labels: Labels): C {
    let key = '';
    for (const n of this.labelNames) key += `${labels[n] ?? ''}\u0000`;
    let c = this.cells.get(key);
    if (!c) {
      const own: Record<string, string> = {};
      for (const n of this.labelNames) own[n] = labels[n] ?? '';
      this.cells.set(key, (c = this.make(own)));
    }
    return c;
  }

  reset(): void {
    this.cells.clear();
  }

  protected abstract make(labels: Labels): C;
}

export class CounterFamily extends Family<CounterCell> {
  readonly type = 'counter';

  inc(labels: Labels, by = 1): void {
    this.cell(labels).inc(by);
  }

  protected make(labels: Labels): CounterCell {
    return new CounterCell(labels);
  }

  /** Only label sets that were counted appear (as with prom-client, where a child shows once incremented). */
  get(): Promise<MetricData<'counter'>> {
    const values: MetricValue[] = [];
    for (const c of this.cells.values()) if (c.value > 0) values.push({ labels: { ...c.labels }, value: c.value });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }
}

export class HistogramFamily extends Family<HistogramCell> {
  readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], readonly buckets: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected make(labels: Labels): HistogramCell {
    return new HistogramCell(labels, this.buckets);
  }

  /** prom-client's histogram layout: cumulative `_bucket` lines (`le`, then `+Inf`), `_sum`, `_count` per label set. */
  getForPromString(): Promise<MetricData<'histogram'>> {
    const values: MetricValue[] = [];
    const bucket = `${this.name}_bucket`;
    for (const c of this.cells.values()) {
      if (c.count === 0) continue;
      let acc = 0;
      this.buckets.forEach((le, i) => {
        acc += c.counts[i] as number;
        values.push({ labels: { le }, sharedLabels: c.labels, value: acc, metricName: bucket, exemplar: null });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: c.labels, value: c.count, metricName: bucket, exemplar: null });
      values.push({ labels: {}, sharedLabels: c.labels, value: c.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: c.labels, value: c.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** The JSON form (`registry.getMetricsAsJSON()`, `metric.get()`): each value's labels in one object. */
  async get(): Promise<MetricData<'histogram'>> {
    const data = await this.getForPromString();
    data.values = data.values.map(({ sharedLabels, labels, ...v }) => ({ ...v, labels: { ...labels, ...sharedLabels } }));
    return data;
  }
}
