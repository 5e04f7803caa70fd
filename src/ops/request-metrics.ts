// Per-request metrics by model, upstream and outcome (and, opted in, tier and org), with bounded cardinality
// and no label lookup per request: each label combination's cells (metric-cells.ts) are made once and kept in
// nested maps, so a finished request costs a few Map.get calls and the increments themselves.
//
// Cardinality: `model` is the client's string, so it is a label value only once an upstream has answered it
// with success (or it is already known), up to `maxModels` values; anything else is `other`. Tiers and orgs
// are labels only when allow-listed (`metrics.labelTiers` / `metrics.labelOrgs`); others show as `other`.
import type { Registry } from 'prom-client';
import { CounterFamily, HistogramFamily, type CounterCell, type HistogramCell } from './metric-cells.js';

export const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
export const OTHER = 'other';

export interface RequestMetricsOptions {
  /** Tiers (and orgs) whose requests carry their own `tier` (`org`) label; empty: no such label at all. */
  labelTiers?: readonly string[];
  labelOrgs?: readonly string[];
  /** Distinct model label values kept before new ones count as `other`. */
  maxModels?: number;
}

/** One finished request as the metrics see it. */
export interface RequestObservation {
  api: string;
  endpoint: string;
  status: number;
  /** Moat error code, '' when none. */
  code: string;
  stream: boolean;
  /** Time to the first body byte, when one was sent. */
  ttfbSeconds: number | undefined;
  /** The upstream was called: its tokens count in `moat_tokens_total`. */
  upstreamCalled: boolean;
  model: string;
  upstream: string;
  /** What became of it: metering's outcome (admitted, refused, rate_limited, upstream_error, error). */
  outcome: string;
  /** The upstream answered with success: a model name proven real. */
  served: boolean;
  tier: string;
  org: string;
  seconds: number;
  inputTokens: number;
  outputTokens: number;
}

interface Children {
  requests: CounterCell;
  duration: HistogramCell;
  inputTokens: CounterCell;
  outputTokens: CounterCell;
}

function step(node: Tree, v: string): Tree {
  let next = node.get(v) as Tree | undefined;
  if (!next) node.set(v, (next = new Map()));
  return next;
}

type Tree = Map<string, Tree | Children>;

/** The first metric families (by api, endpoint, status, code): kept as they were, their children cached too. */
export interface ApiMetrics {
  /** Labels api, endpoint, status, code. */
  requests: CounterFamily;
  /** Labels api, stream. */
  duration: HistogramFamily;
  /** Label api. */
  ttfb: HistogramFamily;
  /** Labels api, direction. */
  tokens: CounterFamily;
}

interface ApiChildren {
  duration: [HistogramCell, HistogramCell];
  ttfb: HistogramCell;
  input: CounterCell;
  output: CounterCell;
  /** By endpoint, then status, then code. */
  requests: Map<string, Map<number, Map<string, CounterCell>>>;
}

export class RequestMetrics {
  private readonly requests: CounterFamily;
  private readonly duration: HistogramFamily;
  private readonly tokens: CounterFamily;
  private readonly tiers: ReadonlySet<string> | undefined;
  private readonly orgs: ReadonlySet<string> | undefined;
  private readonly models = new Set<string>();
  private readonly maxModels: number;
  private readonly root: Tree = new Map();
  private readonly byApi = new Map<string, ApiChildren>();

  constructor(
    registry: Registry,
    private readonly api: ApiMetrics,
    opts: RequestMetricsOptions = {},
  ) {
    this.tiers = opts.labelTiers?.length ? new Set(opts.labelTiers) : undefined;
    this.orgs = opts.labelOrgs?.length ? new Set(opts.labelOrgs) : undefined;
    this.maxModels = opts.maxModels ?? 100;
    const labels = ['api', 'model', 'upstream', 'outcome', ...(this.tiers ? ['tier'] : []), ...(this.orgs ? ['org'] : [])];
    this.requests = new CounterFamily('moat_model_requests_total', 'Front-door model calls by api, model, upstream and outcome (admitted, refused, rate_limited, upstream_error, error).', labels, registry);
    this.duration = new HistogramFamily('moat_model_request_duration_seconds', 'Model call latency (arrival to end of response) by api, model, upstream and outcome.', labels, LATENCY_BUCKETS, registry);
    this.tokens = new CounterFamily('moat_model_tokens_total', 'Metered tokens by api, model, upstream, outcome and direction (input, output).', [...labels, 'direction'], registry);
  }

  observe(o: RequestObservation): void {
    const a = this.apiChildren(o.api);
    let byStatus = a.requests.get(o.endpoint);
    if (!byStatus) a.requests.set(o.endpoint, (byStatus = new Map()));
    let byCode = byStatus.get(o.status);
    if (!byCode) byStatus.set(o.status, (byCode = new Map()));
    let r = byCode.get(o.code);
    if (!r) byCode.set(o.code, (r = this.api.requests.cell({ api: o.api, endpoint: o.endpoint, status: String(o.status), code: o.code })));
    r.inc();
    a.duration[o.stream ? 1 : 0].observe(o.seconds);
    if (o.ttfbSeconds !== undefined) a.ttfb.observe(o.ttfbSeconds);
    if (o.upstreamCalled) {
      a.input.inc(o.inputTokens);
      a.output.inc(o.outputTokens);
    }
    const c = this.children(o.api, this.modelLabel(o.model, o.served), o.upstream, o.outcome, this.tiers ? (this.tiers.has(o.tier) ? o.tier : OTHER) : '', this.orgs ? (this.orgs.has(o.org) ? o.org : OTHER) : '');
    c.requests.inc();
    c.duration.observe(o.seconds);
    if (o.inputTokens > 0) c.inputTokens.inc(o.inputTokens);
    if (o.outputTokens > 0) c.outputTokens.inc(o.outputTokens);
  }

  private apiChildren(api: string): ApiChildren {
    let a = this.byApi.get(api);
    if (!a) {
      a = {
        duration: [this.api.duration.cell({ api, stream: 'false' }), this.api.duration.cell({ api, stream: 'true' })],
        ttfb: this.api.ttfb.cell({ api }),
        input: this.api.tokens.cell({ api, direction: 'input' }),
        output: this.api.tokens.cell({ api, direction: 'output' }),
        requests: new Map(),
      };
      this.byApi.set(api, a);
    }
    return a;
  }

  private modelLabel(model: string, served: boolean): string {
    if (model === '' || this.models.has(model)) return model;
    if (served && this.models.size < this.maxModels) {
      this.models.add(model);
      return model;
    }
    return OTHER;
  }

  private children(api: string, model: string, upstream: string, outcome: string, tier: string, org: string): Children {
    const node = step(step(step(step(step(this.root, api), model), upstream), outcome), tier);
    let c = node.get(org) as Children | undefined;
    if (!c) {
      const l: Record<string, string> = { api, model, upstream, outcome };
      if (this.tiers) l.tier = tier;
      if (this.orgs) l.org = org;
      c = { requests: this.requests.cell(l), duration: this.duration.cell(l), inputTokens: this.tokens.cell({ ...l, direction: 'input' }), outputTokens: this.tokens.cell({ ...l, direction: 'output' }) };
      node.set(org, c);
    }
    return c;
  }
}
