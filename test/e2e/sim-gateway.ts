// Simulator traffic through a real gateway: `moat simulate` actors become orgs, grants, affiliations and one
// key each (policy as code through the admin API), then every request of the trace is sent with its own body,
// client address (x-forwarded-for, trustProxy), user agent and headers. The gateway's clock follows the trace
// (shifted by whole days to start from now), so live detection sees the simulated timing; requests go one at a time, in order.
import { join } from 'node:path';
import { stringify } from 'yaml';
import { UpstreamSchema } from '../../src/config/schema.js';
import type { DemoUpstream } from '../../src/demo-upstream/demo-upstream.js';
import type { TraceLine, TraceOrgLine, TraceRequestLine } from '../../src/events/trace-format.js';
import type { MoatServer } from '../../src/server/start-moat.js';
import type { ScenarioLabels } from '../../src/simulator/scenarios.js';
import { SIM_MODELS } from '../../src/simulator/trace-request.js';
import { fetchFresh } from '../support/fresh-connection-fetch.js';
import { startTestMoat } from '../support/start-test-moat.js';

export const ADMIN_TOKEN = 'sim-e2e-bootstrap-admin-token-0123456789';
const ALL_MODELS = [...SIM_MODELS.openai, ...SIM_MODELS.anthropic];

/** Clause texts of examples/policy.yaml, so denials and notices name the terms. */
const CLAUSES = {
  'tos-2.3a': { text: 'ToS §2.3(a): no building, training or benchmarking competing models' },
  'tos-2.3b': { text: 'ToS §2.3(b): no reverse engineering, extraction or distillation' },
  'aup-safety': { text: 'Usage Policy §5: sweeps of harmful or sensitive prompts need a safety-evaluation agreement' },
  'grant-scope': { text: 'Grant terms: traffic under a purpose-scoped grant must serve that purpose' },
};

export interface SentRequest {
  line: TraceRequestLine;
  status: number;
  /** Error message of a refused request. */
  error?: string;
  code?: string;
  /** Wall-clock ms when the response arrived. */
  wallMs: number;
  /** Gateway (virtual) time of the request. */
  virtualMs: number;
}

export interface SimGateway {
  moat: MoatServer;
  demo: DemoUpstream;
  dataDir: string;
  traceFile: string;
  /** Secret of each org's key. */
  keys: Map<string, string>;
  /** Trace time -> gateway time. */
  shift: number;
  /** The gateway's (virtual) time now: its webhooks are signed with it. */
  clockNow(): number;
  admin(method: string, path: string, body?: unknown): Promise<any>;
  send(line: TraceRequestLine, extraHeaders?: Record<string, string>): Promise<SentRequest>;
  close(): Promise<void>;
}

export interface SimGatewayOptions {
  orgs: TraceOrgLine[];
  /** The trace's first timestamp (mapped to the same time of day, today or tomorrow). */
  traceStart: number;
  config?: Record<string, unknown>;
  /** Customer contact webhook per org id. */
  contacts?: Record<string, string>;
}

/** A policy file declaring the simulated orgs (with their ids), grants, affiliations and one key per org. */
export function policyFor(orgs: readonly TraceOrgLine[], contacts: Record<string, string> = {}): string {
  const ids = new Set(orgs.map((o) => o.id));
  return stringify({
    clauses: CLAUSES,
    purposes: { safety_evaluation: { description: 'Safety evaluation under an agreement.' } },
    tiers: { standard: { description: 'Paid self-serve.', limits: {} } },
    orgs: orgs.map((o) => ({ id: o.id, name: o.name ?? o.id, tier: 'standard', ...(contacts[o.id] ? { contactWebhook: contacts[o.id] } : {}), ...(o.attributes && Object.keys(o.attributes).length ? { attributes: o.attributes } : {}) })),
    grants: orgs.flatMap((o) => (o.grants ?? []).map((g) => ({ org: o.id, purpose: g.purpose, models: g.models }))),
    affiliations: orgs.flatMap((o) => (o.affiliates ?? []).filter((a) => ids.has(a.org)).map((a) => ({ org: o.id, affiliate: a.org, relation: a.relation }))),
    keys: orgs.map((o) => ({ name: 'sim', org: o.id })),
  });
}

const DAY_MS = 86_400_000;

export async function startSimGateway(o: SimGatewayOptions): Promise<SimGateway> {
  // The trace moves by whole days, so virtual time keeps the simulated time of day: time buckets (co-activity,
  // cohorts, the hourly sweep) split the traffic exactly as in the simulated trace and its offline replay. Mapped to
  // the wall clock's moment instead, their phase changed with the minute a run started, and with it which accounts
  // linkage joined. The orgs' creation times (the wall clock's, at policy apply) all fall before the first request.
  const shift = Math.ceil((Date.now() - o.traceStart) / DAY_MS) * DAY_MS;
  let now = o.traceStart + shift;
  const t = await startTestMoat({
    name: 'sim-e2e',
    adminToken: ADMIN_TOKEN,
    clock: { now: () => now },
    models: ALL_MODELS,
    upstreams: (demoUrl) => [
      UpstreamSchema.parse({ name: 'demo-openai', api: 'openai', baseUrl: demoUrl, models: [...SIM_MODELS.openai] }),
      UpstreamSchema.parse({ name: 'demo-anthropic', api: 'anthropic', baseUrl: demoUrl, models: [...SIM_MODELS.anthropic] }),
    ],
    config: (dataDir) => ({
      'server.trustProxy': true,
      'events.traceFile': join(dataDir, 'live-trace.jsonl'),
      'enforcement.deliveryIntervalMs': 50,
      // The tests' webhook receivers listen on loopback, which webhooks reach only when allowed.
      'enforcement.webhookAllowNetworks': ['127.0.0.0/8'],
      ...o.config,
    }),
  });
  const { moat, demo, dataDir } = t;
  const traceFile = join(dataDir, 'live-trace.jsonl');
  const keys = new Map<string, string>();
  try {
    const applied = await t.applyPolicy(policyFor(o.orgs, o.contacts));
    if (applied.code !== 0) throw new Error(`policy apply failed: ${applied.stderr}${applied.stdout}`);
    for (const org of o.orgs) keys.set(org.id, t.keyOf(org.id, 'sim'));
  } catch (e) {
    // A suite whose setup fails must still end: the gateway and its upstream would keep the process alive.
    await t.close();
    throw e;
  }

  return {
    moat,
    demo,
    dataDir,
    traceFile,
    keys,
    shift,
    clockNow: () => now,
    async admin(method, path, body) {
      return (await t.admin(method, path, body)).json;
    },
    async send(line, extra = {}) {
      const key = keys.get(line.org);
      if (!key) throw new Error(`no key for ${line.org}`);
      const virtualMs = Date.parse(line.ts) + shift;
      now = Math.max(now, virtualMs);
      const r = simRequest(line, key, demo);
      const res = await fetchFresh(`${moat.url}${r.path}`, { method: 'POST', headers: { ...r.headers, ...extra }, body: r.body });
      const text = await res.text();
      const out: SentRequest = { line, status: res.status, wallMs: Date.now(), virtualMs: now };
      if (!res.ok) {
        try {
          const j = JSON.parse(text) as { error?: { message?: string; code?: string; type?: string } };
          out.error = j.error?.message ?? text;
          const c = j.error?.code ?? j.error?.type;
          if (c) out.code = c;
        } catch {
          out.error = text;
        }
      }
      return out;
    },
    async close() {
      await t.close();
    },
  };
}

/**
 * A simulated request as a client sends it with the org's key: its door, its client's address and user agent,
 * its headers and body. The demo upstream is set to answer at the simulated answer's length (so requests must go
 * one at a time): a harvest's answers are long, and detection reads output length.
 */
export function simRequest(line: TraceRequestLine, key: string, demo: DemoUpstream): { path: string; headers: Record<string, string>; body: string } {
  demo.setBehavior({ replyWords: line.response?.usage?.output_tokens ?? 0 });
  return {
    path: line.api === 'anthropic' ? '/v1/messages' : '/v1/chat/completions',
    headers: {
      'content-type': 'application/json',
      ...(line.client?.ip ? { 'x-forwarded-for': line.client.ip } : {}),
      ...(line.client?.user_agent ? { 'user-agent': line.client.user_agent } : {}),
      ...(line.api === 'anthropic' ? { 'x-api-key': key, 'anthropic-version': '2023-06-01' } : { authorization: `Bearer ${key}` }),
      ...line.headers,
    },
    body: JSON.stringify(line.body),
  };
}

/** Splits a simulated trace into its org lines and its time-ordered requests. */
export function splitTrace(lines: readonly TraceLine[]): { orgs: TraceOrgLine[]; requests: TraceRequestLine[] } {
  return {
    orgs: lines.filter((l): l is TraceOrgLine => l.type === 'org'),
    requests: lines.filter((l): l is TraceRequestLine => l.type === 'request'),
  };
}

/** Orgs of the scenario's actors by kind. */
export function actorOrgs(labels: ScenarioLabels, actor: string): string[] {
  return labels.actors.find((a) => a.actor === actor)?.orgs ?? [];
}

/** Waits until `cond()` holds (polling), or throws after `ms`. */
export async function waitFor(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
