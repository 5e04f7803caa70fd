// Per-request metrics by model, upstream and outcome (and, opted in, tier and org), with bounded cardinality
// and no label lookup per request: each label combination's prom-client children are made once and kept in
// nested maps, so a finished request costs a few Map.get calls and the increments themselves.
//
// Cardinality: `model` is the client's string, so it is a label value only once an upstream has answered it
// with success (or it is already known), up to `maxModels` values; anything else is `other`. Tiers and orgs
// are labels only when allow-listed (`metrics.labelTiers` / `metrics.labelOrgs`); others show as `other`.
import { Counter, Histogram, type Registry } from 'prom-client';

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
  requests: Counter.Internal;
  duration: Histogram.Internal<string>;
  inputTokens: Counter.Internal;
  outputTokens: Counter.Internal;
}

function step(node: Tree, v: string): Tree {
  let next = node.get(v) as Tree | undefined;
  if (!next) node.set(v, (next = new Map()));
  return next;
}

type Tree = Map<string, Tree | Children>;

/** The first metric families (by api, endpoint, status, code): kept as they were, their children cached too. */
export interface ApiMetrics {
  requests: Counter<'api' | 'endpoint' | 'status' | 'code'>;
  duration: Histogram<'api' | 'stream'>;
  ttfb: Histogram<'api'>;
  tokens: Counter<'api' | 'direction'>;
}

interface ApiChildren {
  duration: [Histogram.Internal<'api' | 'stream'>, Histogram.Internal<'api' | 'stream'>];
  ttfb: Histogram.Internal<'api'>;
  input: Counter.Internal;
  output: Counter.Internal;
  requests: Map<string, Counter.Internal>;
}

export class RequestMetrics {
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly tokens: Counter;
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
    this.requests = new Counter({ name: 'moat_model_requests_total', help: 'Front-door model calls by api, model, upstream and outcome (admitted, refused, rate_limited, upstream_error, error).', labelNames: labels, registers: [registry] });
    this.duration = new Histogram({ name: 'moat_model_request_duration_seconds', help: 'Model call latency (arrival to end of response) by api, model, upstream and outcome.', labelNames: labels, buckets: LATENCY_BUCKETS, registers: [registry] });
    this.tokens = new Counter({ name: 'moat_model_tokens_total', help: 'Metered tokens by api, model, upstream, outcome and direction (input, output).', labelNames: [...labels, 'direction'], registers: [registry] });
  }

  observe(o: RequestObservation): void {
    const a = this.apiChildren(o.api);
    const rk = `${o.endpoint} ${o.status} ${o.code}`;
    let r = a.requests.get(rk);
    if (!r) a.requests.set(rk, (r = this.api.requests.labels({ api: o.api, endpoint: o.endpoint, status: String(o.status), code: o.code })));
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
        duration: [this.api.duration.labels({ api, stream: 'false' }), this.api.duration.labels({ api, stream: 'true' })],
        ttfb: this.api.ttfb.labels({ api }),
        input: this.api.tokens.labels({ api, direction: 'input' }),
        output: this.api.tokens.labels({ api, direction: 'output' }),
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
      c = { requests: this.requests.labels(l), duration: this.duration.labels(l), inputTokens: this.tokens.labels({ ...l, direction: 'input' }), outputTokens: this.tokens.labels({ ...l, direction: 'output' }) };
      node.set(org, c);
    }
    return c;
  }
}
