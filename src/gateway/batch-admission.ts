// Admitting a batch as the traffic it is: every item gets the policy decision and feature scopes a call to its
// own door would get (the first refused item refuses the batch, named), and the limits are reserved for all
// items at once in the same counters and rolling windows as calls — so a batch the windows cannot hold is
// refused whole, never admitted piecemeal. Items whose limits differ (model, features, grant) are reserved
// group by group; a refused group releases the tokens the earlier groups reserved.
import type { IncomingHttpHeaders } from 'node:http';
import { MoatError } from '../errors/moat-error.js';
import type { WireApi } from '../errors/wire-format.js';
import type { RequestEvent } from '../events/request-event.js';
import type { Limiter, LimitTicket } from '../limits/limiter.js';
import type { Decision } from '../policy/decision.js';
import type { PolicySnapshot } from '../policy/policy-snapshot.js';
import type { RequestFacts } from '../policy/request-facts.js';
import type { Org } from '../model/org.js';
import type { BatchItem } from './batch-items.js';
import { extractFacts } from './extract-facts.js';
import { nextRequestId } from './request-id.js';

export interface JudgedItem {
  item: BatchItem;
  facts: RequestFacts;
  tags: string[];
  grantId?: string;
  features: string[];
}

export interface BatchCaller {
  api: WireApi;
  /** The batch endpoint the items came through (`/v1/batches`, `/v1/messages/batches`): features on it apply to every item. */
  via: string;
  org: Org;
  keyId: string;
  headers: IncomingHttpHeaders;
  ip: string;
  now: number;
}

/** Decides every item; throws the first refusal, naming the item, in the decision's own code. */
export function judgeItems(items: readonly BatchItem[], caller: BatchCaller, snapshot: PolicySnapshot, decide: (f: RequestFacts, s: PolicySnapshot) => Decision): JudgedItem[] {
  const judged: JudgedItem[] = [];
  for (const item of items) {
    const facts = extractFacts({ api: item.api, endpoint: item.endpoint, kind: item.kind, body: item.body, headers: caller.headers, orgId: caller.org.id, keyId: caller.keyId, ip: caller.ip, now: caller.now });
    facts.viaBatch = caller.via;
    const d = decide(facts, snapshot);
    if (!d.allow)
      throw new MoatError(d.code, `Batch item at ${item.where}: ${d.message}`, { retryable: d.retryable, ...(d.clause ? { clause: d.clause } : {}) });
    judged.push({ item, facts, tags: d.tags, features: d.features, ...(d.grantId ? { grantId: d.grantId } : {}) });
  }
  return judged;
}

/** The reservation of a whole batch: settle with `kept()` once the upstream took it, `released()` if it did not. */
export interface BatchReservation {
  /** Rate-limit headers of the last group (the caller's convention). */
  headers: Record<string, string>;
  /** The upstream accepted the batch: the reservation stays charged (results are metered, not refunded). */
  kept(): Promise<void>;
  /** The upstream refused it: the tokens go back (the requests stay counted, as for a refused call). */
  released(): Promise<void>;
}

/** Reserves limits for every item, grouped by what their limits depend on; refuses the batch if any group does not fit. */
export async function reserveBatch(judged: readonly JudgedItem[], caller: BatchCaller, limiter: Limiter): Promise<BatchReservation> {
  const groups = new Map<string, JudgedItem[]>();
  for (const j of judged) {
    const k = `${j.grantId ?? ''}\0${[...j.features].sort().join('\0')}\0${j.facts.model}`;
    const g = groups.get(k);
    if (g) g.push(j);
    else groups.set(k, [j]);
  }
  const tickets: LimitTicket[] = [];
  const releaseAll = () => Promise.all(tickets.map((t) => t.settle({ inputTokens: 0, outputTokens: 0 }))).then(() => undefined);
  for (const group of groups.values()) {
    const first = group[0] as JudgedItem;
    let input = 0;
    let maxTokens = 0;
    let withoutMaxTokens = 0;
    for (const j of group) {
      input += j.facts.inputTokensEstimate;
      if (j.facts.maxTokens === undefined) withoutMaxTokens++;
      else maxTokens += j.facts.maxTokens;
    }
    const facts: RequestFacts = { ...first.facts, inputTokensEstimate: input, maxTokens };
    const r = await limiter.admit({
      facts,
      tier: caller.org.tier,
      features: first.features,
      orgAttributes: caller.org.attributes,
      batch: { requests: group.length, withoutMaxTokens },
      ...(first.grantId ? { grantId: first.grantId } : {}),
    });
    if (!r.ok) {
      await releaseAll();
      const e = r.error;
      throw new MoatError(
        e.code,
        `The batch's ${group.length} item${group.length === 1 ? '' : 's'} for model "${first.item.model}" do not fit the limits (a batch is charged as its items, all at once): ${e.message}`,
        { retryable: e.retryable, ...(e.headers ? { headers: e.headers } : {}), ...(e.limit ? { limit: e.limit } : {}) },
      );
    }
    tickets.push(r.ticket);
  }
  return {
    headers: tickets.at(-1)?.headers ?? {},
    kept: () => Promise.all(tickets.map((t) => t.settle())).then(() => undefined),
    released: releaseAll,
  };
}

/** Request headers recorded on item events (as on calls' events); never auth headers. */
const EVENT_HEADERS = ['moat-purpose', 'anthropic-beta', 'anthropic-version'] as const;

/** One request event per item, as detection would see the item sent as a call; `batch` marks where it came from. */
export function itemEvents(judged: readonly JudgedItem[], caller: BatchCaller, batchId: string, upstream: string, status: number): RequestEvent[] {
  const headers: Record<string, string> = {};
  for (const h of EVENT_HEADERS) {
    const v = caller.headers[h];
    if (typeof v === 'string') headers[h] = v;
  }
  const ua = caller.headers['user-agent'];
  const client = typeof ua === 'string' ? { ip: caller.ip, userAgent: ua } : { ip: caller.ip };
  const ts = new Date(caller.now).toISOString();
  return judged.map(({ item, facts, tags }) => {
    const ev: RequestEvent = {
      id: nextRequestId(),
      ts,
      orgId: caller.org.id,
      keyId: caller.keyId,
      model: item.model,
      api: item.api,
      endpoint: item.endpoint,
      stream: false,
      client,
      headers,
      body: item.body,
      requestBytes: item.bytes,
      status,
      usage: { input_tokens: 0, output_tokens: 0 },
      responseText: '',
      latencyMs: 0,
      tags,
      upstream,
      upstreamCalled: true,
      batch: { id: batchId, customId: item.customId },
    };
    if (facts.purpose !== undefined) ev.purpose = facts.purpose;
    return ev;
  });
}
